using System.Runtime.InteropServices;

namespace Kernel.Platform;

// Shared mappings inside a guest's host range (kernel-owned pages such as io_uring rings, and MAP_SHARED tmpfs
// files whose contents live in a host file). The range is one flat reservation, so a shared mapping replaces
// part of it in place (MAP_FIXED): the CPU keeps using the same host addresses and sees the new pages.
public sealed unsafe partial class HostMemory
{
    private const int MapSharedFixed = 0x01 | 0x10;
    private const int MapPrivateFixed = 0x02 | 0x10;
    private const int MapPrivateAnonymousFixed = 0x02 | 0x20 | 0x10 | 0x4000;
    private const int MremapMayMoveFixed = 1 | 2;

    /// <summary>Makes guest [guest, guest+length) the pages of <paramref name="pages"/> from <paramref name="offset"/> on.</summary>
    public void MapShared(ulong guest, ulong length, SharedPages pages, ulong offset)
    {
        if (offset + length > pages.Size || pages.Fd < 0) throw new ArgumentOutOfRangeException(nameof(length));
        ReleaseCopyOnWrite(guest, length);
        if (mmap(Base + (nint)guest, (nuint)length, ProtReadWrite, MapSharedFixed, pages.Fd, (long)offset) == -1)
        {
            throw new OutOfMemoryException($"cannot map shared pages ({Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>Maps <paramref name="length"/> bytes of host file <paramref name="fd"/> from <paramref name="offset"/> at guest address <paramref name="guest"/>.</summary>
    public bool MapFile(ulong guest, ulong length, int fd, long offset)
    {
        ReleaseCopyOnWrite(guest, length);
        return length == 0 || mmap(Base + (nint)guest, (nuint)length, ProtReadWrite, MapSharedFixed, fd, offset) != -1;
    }

    /// <summary>
    /// Maps <paramref name="length"/> bytes of host file <paramref name="fd"/> from <paramref name="offset"/> privately: read-only
    /// guest mappings of a file open for reading, which see the file's page cache until a page is written (nothing writes it).
    /// </summary>
    public bool MapFilePrivate(ulong guest, ulong length, int fd, long offset)
    {
        ReleaseCopyOnWrite(guest, length);
        return length == 0 || mmap(Base + (nint)guest, (nuint)length, ProtReadWrite, MapPrivateFixed, fd, offset) != -1;
    }

    /// <summary>msync of [guest, guest+length): writes shared file pages back to their host file (and waits with <paramref name="wait"/>).</summary>
    public void Sync(ulong guest, ulong length, bool wait)
    {
        const int MsAsync = 1, MsSync = 4;
        if (length > 0) msync(Base + (nint)guest, (nuint)length, wait ? MsSync : MsAsync);
    }

    /// <summary>Puts fresh private zero pages back under [guest, guest+length) (after a shared mapping went away).</summary>
    public void MapPrivate(ulong guest, ulong length)
    {
        ReleaseCopyOnWrite(guest, length);
        if (mmap(Base + (nint)guest, (nuint)length, ProtReadWrite, MapPrivateAnonymousFixed, -1, 0) == -1)
        {
            throw new OutOfMemoryException($"cannot restore private memory ({Marshal.GetLastPInvokeError()})");
        }
    }

    /// <summary>
    /// fork: maps the pages that <paramref name="source"/> maps shared at [guest, guest+length) at the same place here
    /// (mremap with an old size of 0 duplicates a shared mapping), so parent and child keep sharing them.
    /// </summary>
    public void ShareFrom(HostMemory source, ulong guest, ulong length)
    {
        ReleaseCopyOnWrite(guest, length);
        if (mremap(source.Base + (nint)guest, 0, (nuint)length, MremapMayMoveFixed, Base + (nint)guest) == -1)
        {
            throw new OutOfMemoryException($"cannot share pages with a child ({Marshal.GetLastPInvokeError()})");
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int msync(nint addr, nuint length, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mremap(nint oldAddress, nuint oldSize, nuint newSize, int flags, nint newAddress);
}
