using System.Runtime.InteropServices;

namespace Kernel.Platform;

// Copy-on-write fork (native/cow.c): a child range starts empty and takes each page from its parent on first
// touch, and the parent's first store to a page the child still shares copies it to the child first. Both happen
// in the host's page-fault path (userfaultfd), so the CPU and every kernel copy see the right bytes unchanged.
public sealed unsafe partial class HostMemory
{
    /// <summary>Whether forks may share pages copy-on-write (set from configuration; off: forks copy eagerly).</summary>
    public static bool CopyOnWriteFork { get; set; } = true;

    private nint _cow;

    /// <summary>Whether this host can share pages copy-on-write (userfaultfd with write protection).</summary>
    public static bool CopyOnWriteAvailable => CopyOnWriteFork && kshim_cow_available() != 0;

    /// <summary>
    /// fork: <paramref name="child"/> (fresh, the same size) shows this range's current contents in
    /// <paramref name="ranges"/> (its private memory), sharing the pages until either side writes them.
    /// False when the host cannot do it; then nothing changed and the caller copies.
    /// </summary>
    public bool ShareCopyOnWrite(HostMemory child, IReadOnlyList<(ulong Start, ulong End)> ranges)
    {
        if (!CopyOnWriteAvailable || child.Size != Size || child._cow != 0) return OwnAll();
        if (_cow == 0) _cow = kshim_cow_space(Base, Size);
        child._cow = kshim_cow_space(child.Base, child.Size);
        if (_cow == 0 || child._cow == 0) return DropChild();
        var pairs = new ulong[ranges.Count * 2];
        for (var i = 0; i < ranges.Count; i++) (pairs[2 * i], pairs[2 * i + 1]) = ranges[i];
        fixed (ulong* p = pairs)
        {
            if (kshim_cow_fork(_cow, child._cow, p, ranges.Count) != 0) return DropChild();
        }
        return true;

        bool DropChild()
        {
            kshim_cow_destroy(child._cow);
            child._cow = 0;
            return OwnAll();
        }

        // The caller copies what is resident: pages this range still shows from its own parent must be here first.
        bool OwnAll()
        {
            if (_cow != 0) kshim_cow_own(_cow);
            return false;
        }
    }

    /// <summary>Pages of [guest, guest+length) this range shows from its parent and has not copied yet.</summary>
    public ulong SharedBytes(ulong guest, ulong length) =>
        _cow == 0 ? 0 : kshim_cow_shared_pages(_cow, guest, length, null) * 4096;

    /// <summary>Before [guest, guest+length) changes other than by stores: children get their copies, and the range stops sharing with a parent.</summary>
    private void ReleaseCopyOnWrite(ulong guest, ulong length)
    {
        if (_cow != 0 && length > 0) kshim_cow_release(_cow, guest, length);
    }

    /// <summary>Marks in <paramref name="vector"/> (one byte per page from <paramref name="guest"/>) the pages shown from a parent.</summary>
    private void MarkShared(ulong guest, ulong length, byte[] vector)
    {
        if (_cow == 0) return;
        fixed (byte* v = vector) kshim_cow_shared_pages(_cow, guest, length, v);
    }

    private void DestroyCopyOnWrite()
    {
        var cow = _cow;
        _cow = 0;
        if (cow != 0) kshim_cow_destroy(cow);
    }

    [LibraryImport("kshim")] private static partial int kshim_cow_available();
    [LibraryImport("kshim")] private static partial nint kshim_cow_space(nint @base, ulong size);
    [LibraryImport("kshim")] private static partial int kshim_cow_fork(nint parent, nint child, ulong* pairs, int count);
    [LibraryImport("kshim")] private static partial void kshim_cow_release(nint space, ulong guest, ulong length);
    [LibraryImport("kshim")] private static partial ulong kshim_cow_shared_pages(nint space, ulong guest, ulong length, byte* vector);
    [LibraryImport("kshim")] private static partial void kshim_cow_destroy(nint space);
    [LibraryImport("kshim")] private static partial void kshim_cow_own(nint space);
}
