using Akka.Actor;
using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Platform;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>
/// The MM subsystem: mmap, munmap, mprotect, brk, madvise, mremap. The requesting process runs nothing while
/// its request is here, so the address space and its CPU mappings change without racing its threads.
/// </summary>
public sealed partial class MmActor(Sandbox sandbox) : SubsystemActor(sandbox.Log)
{
    private const int MapShared = 1, MapPrivate = 2, MapSharedValidate = 3, MapFixed = 0x10, MapAnonymous = 0x20,
        MapHugetlb = 0x40000, MapFixedNoReplace = 0x100000;
    private const int MadvDontNeed = 4, MadvFree = 8, MadvRemove = 9;

    private static AddressSpace Mm(KernelRequest r) => ((KernelTask)((MmRequest)r).Task).Process.Mm;

    protected override KernelReply? Handle(KernelRequest request, IActorRef sender) => request switch
    {
        MapMemory r => Result(LockIfFuture(Mm(r), Map(r), r.Length)),
        UnmapMemory r => Result(Unmap(Mm(r), r.Address, r.Length)),
        ProtectMemory r => Result(Protect(Mm(r), r.Address, r.Length, r.Prot)),
        SetBreak r => new Done((long)SetBreak(r)),
        AdviseMemory r => Result(Advise(Mm(r), r.Address, r.Length, r.Advice)),
        RemapMemory r => Result(Remap(r)),
        AsyncIoMmRequest r => HandleAsyncIo(r),
        LockMemory or LockAllMemory or QueryResidency or SyncMemory => HandleLocking((MmRequest)request),
        BindMemory or QueryMemPolicy or PageStatus => HandleNuma((MmRequest)request),
        ShmAttach or ShmDetach => HandleSysvShm((MmRequest)request),
        PrctlMm r => Result(HandlePrctl(r)),
        _ => new Failed(Errno.ENOSYS),
    };

    private const int RlimitData = 2, RlimitAs = 9;

    /// <summary>brk: growth past RLIMIT_DATA (the heap counts as data) or RLIMIT_AS leaves the break where it was.</summary>
    private static ulong SetBreak(SetBreak r)
    {
        var mm = Mm(r);
        var process = ((KernelTask)r.Task).Process;
        ulong oldTop = AddressSpace.PageUp(mm.Brk), newTop = AddressSpace.PageUp(r.Address);
        if (newTop > oldTop)
        {
            var (total, data) = mm.MappedBytes();
            ulong grow = newTop - oldTop;
            if (total + grow > process.GetLimit(RlimitAs).Cur || data + grow > process.GetLimit(RlimitData).Cur) return mm.Brk;
        }
        return mm.SetBrk(r.Address);
    }

    private static long Map(MapMemory r)
    {
        var mm = Mm(r);
        var process = ((KernelTask)r.Task).Process;
        var type = r.Flags & 3;
        if (r.Length == 0 || (r.Offset & 0xfff) != 0 || type is not (MapShared or MapPrivate or MapSharedValidate)) return -(long)Errno.EINVAL;
        if ((r.Prot & ~7) != 0) return -(long)Errno.EINVAL;
        var length = AddressSpace.PageUp(r.Length);
        if (length == 0 || length > mm.WindowSize) return -(long)Errno.ENOMEM;
        var prot = (Prot)r.Prot;
        var anonymous = (r.Flags & MapAnonymous) != 0;
        if (anonymous && type == MapSharedValidate) return -(long)Errno.EINVAL; // as Linux: anonymous mappings have no VALIDATE
        Vfs.OpenFile? file = null;
        if (!anonymous)
        {
            file = process.Files.GetFile(r.Fd);
            if (file is null) return -(long)Errno.EBADF;
            // MAP_HUGETLB names anonymous huge pages; a file must be a hugetlbfs one to take it (ksys_mmap_pgoff).
            if ((r.Flags & MapHugetlb) != 0 && (file as Vfs.TmpRegularFile)?.Node.TmpFs.HugePageSize is null or 0) return -(long)Errno.EINVAL;
            if (!file.CanRead) return -(long)Errno.EACCES;
            if (type != MapPrivate && (prot & Prot.Write) != 0 && !file.CanWrite) return -(long)Errno.EACCES;
            if (file.Location is null && file is not ISharedPagesFile) return -(long)Errno.ENODEV;
        }
        // hugetlb: a MAP_HUGETLB anonymous mapping (MAP_HUGE_* size) or a hugetlbfs memfd maps whole huge pages.
        ulong huge = (file as Vfs.TmpRegularFile)?.Node.TmpFs.HugePageSize ?? 0;
        if (anonymous && (r.Flags & MapHugetlb) != 0)
        {
            int shift = (r.Flags >> 26) & 0x3f;
            if (!HugePages.IsSupported(shift)) return -(long)Errno.EINVAL;
            huge = HugePages.Size(shift);
        }
        if (huge != 0)
        {
            if ((ulong)r.Offset % huge != 0 || ((r.Flags & (MapFixed | MapFixedNoReplace)) != 0 && r.Address % huge != 0)) return -(long)Errno.EINVAL;
            length = AddressSpace.AlignUp(length, huge);
            if (length == 0 || length > mm.WindowSize) return -(long)Errno.ENOMEM;
        }
        // A special file's own pages (io_uring rings): the file checks the request before an address is chosen.
        SharedPagesMapping? pages = null;
        if (file is ISharedPagesFile special && special.MapPages(r.Offset, length, out pages) is var refused && refused < 0) return refused;
        ulong address;
        var fixedNoReplace = (r.Flags & MapFixedNoReplace) != 0;
        if ((r.Flags & MapFixed) != 0 || fixedNoReplace)
        {
            if ((r.Address & 0xfff) != 0) return -(long)Errno.EINVAL;
            if (r.Address < AddressSpace.MinAddress) return -(long)Errno.EPERM;
            if (r.Address + length > mm.WindowSize || r.Address + length < r.Address) return -(long)Errno.ENOMEM;
            if (fixedNoReplace && !mm.IsFree(r.Address, length)) return -(long)Errno.EEXIST;
            address = r.Address;
        }
        else if (huge != 0)
        {
            // A free range with room to align its start to the huge page size.
            address = mm.FindFree(length + huge, 0);
            if (address == 0) return -(long)Errno.ENOMEM;
            address = AddressSpace.AlignUp(address, huge);
        }
        else
        {
            address = mm.FindFree(length, AddressSpace.PageDown(r.Address));
            if (address == 0) return -(long)Errno.ENOMEM;
        }
        if (mm.DeniesWriteExec(prot, prot)) return -(long)Errno.EACCES; // MDWE: no new writable and executable mapping
        if (pages is not null)
        {
            mm.MapSharedPages(address, length, prot, pages.Name, pages.Pages, pages.Offset, pages.Length, pages.Owner);
            return (long)address;
        }
        // may_expand_vm: RLIMIT_AS over everything mapped, RLIMIT_DATA over private writable mappings (what this one replaces aside).
        var fixedPlace = (r.Flags & (MapFixed | MapFixedNoReplace)) != 0;
        var (total, data) = mm.MappedBytes(fixedPlace ? address : 0, fixedPlace ? address + length : 0);
        if (total + length > process.GetLimit(RlimitAs).Cur) return -(long)Errno.ENOMEM;
        if (AddressSpace.IsData(prot, type != MapPrivate, "") && data + length > process.GetLimit(RlimitData).Cur) return -(long)Errno.ENOMEM;
        if (huge != 0)
        {
            long mapped = MapPlain(mm, process, r, file, address, length, prot, type, anonymous);
            if (mapped < 0) return mapped;
            mm.SetPageSize(address, address + length, huge);
            // A writable hugetlbfs mapping extends its file to cover it (hugetlbfs_file_mmap).
            if (file is Vfs.TmpRegularFile h && (prot & Prot.Write) != 0 && h.Node.Data.Length < r.Offset + (long)length)
                h.Node.Data.SetLength(r.Offset + (long)length);
            return mapped;
        }
        return MapPlain(mm, process, r, file, address, length, prot, type, anonymous);
    }

    /// <summary>Maps [address, address+length) once the place and limits are settled: anonymous, the file's shared pages or a private copy.</summary>
    private static long MapPlain(AddressSpace mm, KernelProcess process, MapMemory r, Vfs.OpenFile? file, ulong address, ulong length, Prot prot, int type, bool anonymous)
    {
        if (anonymous && type != MapPrivate) return MapSharedAnonymous(mm, process, address, length, prot);
        var name = file?.Location?.GuestPath ?? "";
        if (file is not null && type != MapPrivate) return MapSharedFile(mm, process, file, address, length, prot, r.Offset, name);
        mm.MapFixed(new Mm.Vma(address, address + length, prot, false, name)
        {
            PrivateFile = file is null ? null : PrivateBytes(file) is { } source ? new Mm.PrivateFile(source, r.Offset - (long)address) : null,
        });
        if (file is not null)
        {
            if (file.Stat(out var st) >= 0) mm.Label(address, address + length, name, (ulong)r.Offset, st.Dev, st.Ino);
            // A private copy of the file's pages; bytes past the end of the file stay zero.
            var done = 0L;
            while ((ulong)done < length)
            {
                var chunk = (int)Math.Min(length - (ulong)done, 1 << 30);
                var n = file.PRead(mm.Host.Span(address + (ulong)done, chunk), r.Offset + done);
                if (n <= 0) break;
                done += n;
            }
            if ((prot & Prot.Exec) != 0) mm.Cpu.InvalidateCode(address, length);
        }
        return (long)address;
    }

    private static long Unmap(AddressSpace mm, ulong address, ulong length)
    {
        if ((address & 0xfff) != 0 || length == 0 || address + length < address) return -(long)Errno.EINVAL;
        var len = AddressSpace.PageUp(length);
        if (address >= mm.WindowSize) return 0;
        len = Math.Min(len, mm.WindowSize - address);
        if (mm.SplitsHugePage(address, address + len)) return -(long)Errno.EINVAL;
        mm.Unmap(address, len);
        return 0;
    }

    private static long Protect(AddressSpace mm, ulong address, ulong length, int prot)
    {
        const int GrowsDown = 0x01000000, GrowsUp = 0x02000000;
        if ((address & 0xfff) != 0 || (prot & ~(7 | GrowsDown | GrowsUp)) != 0) return -(long)Errno.EINVAL;
        var len = AddressSpace.PageUp(length);
        if (len == 0) return 0;
        if (address + len < address) return -(long)Errno.ENOMEM;
        if (!mm.IsAccessible(address, len, Prot.None)) return -(long)Errno.ENOMEM;
        if (mm.SplitsHugePage(address, address + len)) return -(long)Errno.EINVAL;
        // PROT_WRITE on a shared file mapping made from a descriptor that could not write (no VM_MAYWRITE): EACCES, after
        // the areas before it changed, as mprotect goes area by area.
        // Under MDWE (PR_SET_MDWE) an area may not become writable and executable, nor executable when it was not.
        if (mm.Vmas.FirstOrDefault(v => v.Start < address + len && address < v.End
                && (((prot & (int)Prot.Write) != 0 && v.Backing is { MayWrite: false }) || mm.DeniesWriteExec(v.Prot, (Prot)(prot & 7)))) is { } refused)
        {
            if (refused.Start > address) mm.Protect(address, refused.Start - address, (Prot)(prot & 7));
            return -(long)Errno.EACCES;
        }
        mm.Protect(address, len, (Prot)(prot & 7));
        return 0;
    }

    private static long Advise(AddressSpace mm, ulong address, ulong length, int advice)
    {
        if ((address & 0xfff) != 0) return -(long)Errno.EINVAL;
        var len = AddressSpace.PageUp(length);
        if (advice is MadvDontNeed or MadvFree or MadvRemove)
        {
            if (!mm.IsAccessible(address, len, Prot.None)) return -(long)Errno.ENOMEM;
            // Only anonymous private pages read back as zero; file-backed ones would need the file again.
            foreach (var v in mm.Vmas.Where(v => v.Start < address + len && address < v.End && v.Name.Length == 0 && !v.Shared))
            {
                var s = Math.Max(v.Start, address);
                mm.Host.Discard(s, Math.Min(v.End, address + len) - s);
            }
        }
        return 0;
    }
}
