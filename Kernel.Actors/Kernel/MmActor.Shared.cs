using Kernel.Actors.Tasks;
using Kernel.Actors.Mm;
using Kernel.Actors.Vfs;
using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors;

// MAP_SHARED file mappings show the file's own pages (IFilePages): a tmpfs file's or memfd's host memory file, or the
// host file of a host directory (the root filesystem's lower layer or --rootfs-writable, --mount binds), so stores
// through a mapping, read(2)/write(2) and other processes' mappings see one copy of the bytes. /dev/zero maps shared
// anonymous memory; files without pages (procfs, pipes, other devices) have no mmap for MAP_SHARED (ENODEV).
public sealed partial class MmActor
{
    /// <summary>MAP_SHARED of <paramref name="file"/>: Linux's checks of the file, then its pages at [address, address+length).</summary>
    private static long MapSharedFile(AddressSpace mm, KernelProcess process, OpenFile file, ulong address, ulong length, Prot prot, long offset, string name)
    {
        // An append-only file cannot be mapped shared by a descriptor that may write (do_mmap's IS_APPEND check).
        if (file.CanWrite && ((file.Location?.Inode.AttrFlags ?? 0) & InodeFlags.Append) != 0) return -(long)Errno.EACCES;
        long e;
        IFilePages? pages;
        switch (file)
        {
            case TmpRegularFile t:
                // The seals first: a writable shared mapping of a write-sealed file is EPERM, as shmem_mmap answers.
                if ((t.Node.SealMask & (Seals.Write | Seals.FutureWrite)) != 0 && (prot & Prot.Write) != 0) return -(long)Errno.EPERM;
                if (offset > PagedData.MaxSize - (long)length) return -(long)Errno.EOVERFLOW;
                pages = t.Node;
                break;
            case HostRegularFile h:
                e = h.MapPages(file.CanWrite, out pages);
                if (e < 0) return e;
                break;
            case OverlayLowerFile o:
                e = o.MapPages(out pages);
                if (e < 0) return e;
                break;
            case ZeroDevice:
                return MapSharedAnonymous(mm, process, address, length, prot);
            default:
                return -(long)Errno.ENODEV;
        }
        long mapped = MapPages(mm, pages!, file.CanWrite, address, length, prot, offset, name);
        if (mapped >= 0 && file.Stat(out var st) >= 0) mm.Label(address, address + length, name, (ulong)offset, st.Dev, st.Ino);
        return mapped;
    }

    /// <summary>The bytes a private mapping of <paramref name="file"/> copies (kept for MREMAP_DONTUNMAP), when it has any.</summary>
    private static IFileBytes? PrivateBytes(OpenFile file) => file switch
    {
        TmpRegularFile t => t.Node,
        HostRegularFile h => h.Bytes,
        OverlayLowerFile o => o.Bytes,
        _ => null,
    };

    private static long MapPages(AddressSpace mm, IFilePages pages, bool mayWrite, ulong address, ulong length, Prot prot, long offset, string name)
    {
        long e = pages.Prepare(offset + (long)length);
        if (e < 0) return e;
        var backing = new MappedFile(pages, offset - (long)address, MayWrite: mayWrite);
        return mm.MapFixed(address, length, prot, true, name, backing) ? (long)address : -(long)Errno.ENOMEM;
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
        return MapPages(mm, node, mayWrite: true, address, length, prot, 0, "/dev/zero (deleted)");
    }
}
