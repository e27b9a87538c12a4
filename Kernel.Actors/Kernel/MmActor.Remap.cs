using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Platform;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// mremap(2). A move maps the area again at its new place: a shared file mapping (memfds, shared anonymous memory, SysV
// segments and files alike) maps the same file pages there, so it stays the file's; private contents are copied.
public sealed partial class MmActor
{
    private const int MremapMayMove = 1, MremapFixed = 2, MremapDontUnmap = 4;

    private static long Remap(RemapMemory r)
    {
        var mm = Mm(r);
        var process = ((KernelTask)r.Task).Process;
        // check_mremap_params, in its order.
        if ((r.Flags & ~(MremapMayMove | MremapFixed | MremapDontUnmap)) != 0) return -(long)Errno.EINVAL;
        if ((r.OldAddress & 0xfff) != 0) return -(long)Errno.EINVAL;
        var oldLen = AddressSpace.PageUp(r.OldLength);
        var newLen = AddressSpace.PageUp(r.NewLength);
        if (newLen == 0) return -(long)Errno.EINVAL;
        bool isFixed = (r.Flags & MremapFixed) != 0, keepOld = (r.Flags & MremapDontUnmap) != 0;
        if (isFixed || keepOld)
        {
            if ((r.NewAddress & 0xfff) != 0) return -(long)Errno.EINVAL;
            if ((r.Flags & MremapMayMove) == 0) return -(long)Errno.EINVAL;
            // MREMAP_DONTUNMAP always moves, and never resizes.
            if (keepOld && oldLen != newLen) return -(long)Errno.EINVAL;
        }
        var vma = mm.Find(r.OldAddress);
        if (vma is null) return -(long)Errno.EFAULT;
        if (vma.PageSize is var huge and not 0)
        {
            // hugetlb: whole huge pages at aligned addresses, and never larger (its reservation cannot split).
            oldLen = AddressSpace.AlignUp(oldLen, huge);
            newLen = AddressSpace.AlignUp(newLen, huge);
            if (r.OldAddress % huge != 0 || (isFixed && r.NewAddress % huge != 0) || newLen > oldLen) return -(long)Errno.EINVAL;
        }
        if (isFixed || keepOld) return RemapTo(mm, process, r, oldLen, newLen);

        if (newLen <= oldLen)
        {
            if (r.OldAddress + oldLen > vma.End) return -(long)Errno.EFAULT;
            if (newLen < oldLen) mm.Unmap(r.OldAddress + newLen, oldLen - newLen);
            return (long)r.OldAddress;
        }
        long valid = CheckRemap(mm, process, vma, r.OldAddress, oldLen, newLen, keepOld: false);
        if (valid < 0) return valid;
        // Growing in place: the range ends where its area does and the space after it is free (vma_expandable).
        ulong delta = newLen - oldLen;
        if (oldLen != 0 && r.OldAddress + oldLen == vma.End && vma.End + delta <= mm.WindowSize && vma.End + delta > vma.End
            && mm.IsFree(vma.End, delta))
        {
            var grown = vma with { Start = vma.End, End = vma.End + delta, Offset = vma.Ino != 0 ? vma.Offset + vma.Length : vma.Offset };
            if (!mm.MapFixed(grown)) return -(long)Errno.ENOMEM;
            ReadFile(mm, grown, grown.Start, delta); // a private file mapping shows more of its file
            return (long)r.OldAddress;
        }
        if ((r.Flags & MremapMayMove) == 0) return -(long)Errno.ENOMEM;
        var target = mm.FindFree(newLen, 0);
        if (target == 0) return -(long)Errno.ENOMEM;
        return Move(mm, vma, r.OldAddress, oldLen, target, newLen, keepOld: false);
    }

    /// <summary>
    /// mremap_to: MREMAP_FIXED (to exactly NewAddress, replacing what is there) and MREMAP_DONTUNMAP (the old range stays
    /// mapped: a shared one still shows the same file, a private one is emptied).
    /// </summary>
    private static long RemapTo(AddressSpace mm, KernelProcess process, RemapMemory r, ulong oldLen, ulong newLen)
    {
        bool isFixed = (r.Flags & MremapFixed) != 0, keepOld = (r.Flags & MremapDontUnmap) != 0;
        if (newLen > mm.WindowSize || r.NewAddress > mm.WindowSize - newLen) return -(long)Errno.EINVAL;
        if (isFixed)
        {
            // The old and new ranges may not overlap.
            if (r.OldAddress + oldLen > r.NewAddress && r.NewAddress + newLen > r.OldAddress) return -(long)Errno.EINVAL;
            mm.Unmap(r.NewAddress, newLen);
        }
        if (oldLen > newLen)
        {
            mm.Unmap(r.OldAddress + newLen, oldLen - newLen);
            oldLen = newLen;
        }
        // The target's unmapping may have split the area: look it up again.
        var vma = mm.Find(r.OldAddress);
        if (vma is null) return -(long)Errno.EFAULT;
        long valid = CheckRemap(mm, process, vma, r.OldAddress, oldLen, newLen, keepOld);
        if (valid < 0) return valid;
        if (IsKernelPages(mm, vma)) return -(long)Errno.EINVAL; // io_uring rings stay where they were mapped
        var target = isFixed ? r.NewAddress : mm.FindFree(newLen, AddressSpace.PageDown(r.NewAddress));
        if (target == 0) return -(long)Errno.ENOMEM;
        return Move(mm, vma, r.OldAddress, oldLen, target, newLen, keepOld);
    }

    /// <summary>remap_is_valid, and DONTUNMAP's charge: what a move or growth of [old, old+oldLen) to newLen bytes must pass.</summary>
    private static long CheckRemap(AddressSpace mm, KernelProcess process, Vma vma, ulong old, ulong oldLen, ulong newLen, bool keepOld)
    {
        // An old length of 0 duplicates a shared mapping; a private one has nothing to duplicate.
        if (oldLen == 0 && !vma.Shared) return -(long)Errno.EINVAL;
        if (keepOld && IsKernelPages(mm, vma)) return -(long)Errno.EINVAL; // VM_DONTEXPAND
        if (oldLen > vma.End - old) return -(long)Errno.EFAULT;
        if (newLen > oldLen)
        {
            if (IsKernelPages(mm, vma)) return -(long)Errno.EFAULT;
            if (!MayExpand(mm, process, vma, newLen - oldLen)) return -(long)Errno.ENOMEM;
        }
        // MREMAP_DONTUNMAP keeps the old range: the address space grows by its length.
        if (keepOld && !MayExpand(mm, process, vma, oldLen)) return -(long)Errno.ENOMEM;
        return 0;
    }

    /// <summary>may_expand_vm: RLIMIT_AS over everything mapped, RLIMIT_DATA over private writable mappings.</summary>
    private static bool MayExpand(AddressSpace mm, KernelProcess process, Vma vma, ulong bytes)
    {
        var (total, data) = mm.MappedBytes();
        if (total + bytes > process.GetLimit(RlimitAs).Cur) return false;
        return !AddressSpace.IsData(vma.Prot, vma.Shared, vma.Name) || data + bytes <= process.GetLimit(RlimitData).Cur;
    }

    /// <summary>Kernel-owned shared pages (io_uring, AIO rings): Linux's VM_DONTEXPAND areas, which neither grow nor keep a copy.</summary>
    private static bool IsKernelPages(AddressSpace mm, Vma vma) =>
        vma.Shared && vma.Backing is null && mm.SharedRanges.Any(s => s.Start < vma.End && vma.Start < s.End);

    /// <summary>
    /// A private range whose pages moved away: anonymous memory reads zeros again, a private file mapping the file's bytes
    /// (past its end zeros), as the next faults there would bring them in.
    /// </summary>
    private static void Refault(AddressSpace mm, Vma vma, ulong start, ulong length)
    {
        mm.Host.Discard(start, length);
        ReadFile(mm, vma, start, length);
    }

    /// <summary>A private file mapping's pages in [start, start+length) read from its file (past its end they stay zero).</summary>
    private static void ReadFile(AddressSpace mm, Vma vma, ulong start, ulong length)
    {
        if (vma.PrivateFile is not { } f) return;
        for (ulong done = 0; done < length;)
        {
            var chunk = (int)Math.Min(length - done, 1UL << 30);
            long n = f.File.Read(f.OffsetAt(start + done), mm.Host.Span(start + done, chunk));
            if (n <= 0) break;
            done += (ulong)n;
        }
        if ((vma.Prot & Prot.Exec) != 0) mm.Cpu.InvalidateCode(start, length);
    }

    /// <summary>
    /// Maps [old, old+oldLen) of <paramref name="vma"/> again at [target, target+newLen): a shared file mapping maps the
    /// same file pages there, a private area gets a copy of its contents. The old range is then unmapped, or with
    /// <paramref name="keepOld"/> stays: shared, it still shows the file; private, its pages moved away (zeros).
    /// </summary>
    private static long Move(AddressSpace mm, Vma vma, ulong old, ulong oldLen, ulong target, ulong newLen, bool keepOld)
    {
        var moved = vma.Slice(old, vma.End) with
        {
            Start = target,
            End = target + newLen,
            Backing = vma.Backing is { } b ? b with { Base = b.OffsetAt(old) - (long)target } : null,
            PrivateFile = vma.PrivateFile is { } f ? f with { Base = f.OffsetAt(old) - (long)target } : null,
        };
        if (!mm.MapFixed(moved)) return -(long)Errno.ENOMEM;
        if (moved.Backing is null)
        {
            var copy = Math.Min(oldLen, newLen);
            for (ulong done = 0; done < copy;)
            {
                var chunk = (int)Math.Min(copy - done, 1UL << 30);
                mm.Host.Span(old + done, chunk).CopyTo(mm.Host.Span(target + done, chunk));
                done += (ulong)chunk;
            }
            if (newLen > copy) ReadFile(mm, moved, target + copy, newLen - copy);
            if ((vma.Prot & Prot.Exec) != 0) mm.Cpu.InvalidateCode(target, newLen);
        }
        if (keepOld)
        {
            // dontunmap_complete: the old area is no longer locked; private pages went with the move.
            mm.SetLocked(old, old + oldLen, false);
            if (vma.Backing is null) Refault(mm, vma, old, oldLen);
        }
        else if (oldLen != 0) mm.Unmap(old, oldLen);
        return (long)target;
    }
}
