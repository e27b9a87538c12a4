using Kernel.Actors.Tasks;
using Kernel.Actors.Mm;
using Kernel.Actors.Vfs;
using Kernel.Platform;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// MAP_SHARED mappings of tmpfs files (memfds included) share pages with the file: its contents move to a host memory
// file, which is mapped into the guest's range. Other files' shared mappings are still copies.
public sealed partial class MmActor
{
    /// <summary>The seals first: a writable shared mapping of a write-sealed file is EPERM, as shmem_mmap answers.</summary>
    private static long MapSharedFile(AddressSpace mm, TmpRegularFile file, ulong address, ulong length, Prot prot, long offset, string name)
    {
        var node = file.Node;
        if ((node.SealMask & (Seals.Write | Seals.FutureWrite)) != 0 && (prot & Prot.Write) != 0) return -(long)Errno.EPERM;
        if (offset > PagedData.MaxSize - (long)length) return -(long)Errno.EOVERFLOW;
        return MapNode(mm, node, file.CanWrite, address, length, prot, offset, name);
    }

    private static long MapNode(AddressSpace mm, TmpRegular node, bool mayWrite, ulong address, ulong length, Prot prot, long offset, string name)
    {
        long e = node.Data.ShareForMapping(offset + (long)length, out int fd);
        if (e < 0) return e;
        var backing = new MappedFile(node, offset - (long)address, MayWrite: mayWrite);
        return mm.MapFixed(address, length, prot, true, name, backing, fd) ? (long)address : -(long)Errno.ENOMEM;
    }

    // Not counted against any size= limit: shared anonymous memory is the process's own, as on Linux.
    private static readonly Tmpfs AnonymousShmem = new("tmpfs");

    /// <summary>
    /// MAP_SHARED|MAP_ANONYMOUS: memory backed by an unnamed tmpfs file, as Linux backs it by a shmem file
    /// ("/dev/zero (deleted)"), so a fork's child shares it and futexes in it meet across processes.
    /// </summary>
    private static long MapSharedAnonymous(AddressSpace mm, KernelProcess process, ulong address, ulong length, Prot prot)
    {
        var node = TmpRegular.CreateUnlinked(AnonymousShmem, 0x1B6u /* 0666 */, process.Creds.Euid, process.Creds.Egid);
        long e = node.Data.SetLength((long)length);
        if (e < 0) return e;
        return MapNode(mm, node, mayWrite: true, address, length, prot, 0, "/dev/zero (deleted)");
    }

    /// <summary>mremap of a shared file mapping: growing or moving maps more of the file, nothing is copied.</summary>
    private static long RemapSharedFile(AddressSpace mm, RemapMemory r, Vma vma, ulong oldLen, ulong newLen)
    {
        var backing = vma.Backing!;
        long e = backing.Node.Data.ShareForMapping(backing.OffsetAt(r.OldAddress) + (long)newLen, out int fd);
        if (e < 0) return e;
        if (r.OldAddress + newLen <= mm.WindowSize && mm.IsFree(r.OldAddress + oldLen, newLen - oldLen))
            return mm.MapFixed(r.OldAddress + oldLen, newLen - oldLen, vma.Prot, true, vma.Name, backing, fd) ? (long)r.OldAddress : -(long)Errno.ENOMEM;
        if ((r.Flags & MremapMayMove) == 0) return -(long)Errno.ENOMEM;
        var target = mm.FindFree(newLen, 0);
        if (target == 0) return -(long)Errno.ENOMEM;
        var moved = backing with { Base = backing.OffsetAt(r.OldAddress) - (long)target };
        if (!mm.MapFixed(target, newLen, vma.Prot, true, vma.Name, moved, fd)) return -(long)Errno.ENOMEM;
        mm.Unmap(r.OldAddress, oldLen);
        return (long)target;
    }
}
