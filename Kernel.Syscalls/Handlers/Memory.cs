using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>The address space: requests go to the MM actor, and the process runs nothing until they are answered.</summary>
public static partial class Memory
{
    [Syscall(222, "mmap", Support.Full, "Anonymous and file-backed private mappings; MAP_SHARED anonymous memory (and /dev/zero) is shared with forked children; " +
        "MAP_SHARED mappings of regular files (tmpfs, memfds, host directories, the overlay root) are the file's own pages, coherent with read(2), write(2) and other processes' mappings; " +
        "pages past the end of the file raise SIGBUS (BUS_ADRERR); PROT_WRITE without a writable descriptor is EACCES, memfd seals are enforced; " +
        "MAP_HUGETLB and hugetlbfs memfds map whole huge pages (backed by base pages).")]
    public static SyscallResult Mmap(ISyscallContext c) =>
        SyscallResult.Send(new MapMemory(c.Task, c.Arg(0), c.Arg(1), c.Int(2), c.Int(3), c.Int(4), c.Long(5)));

    [Syscall(215, "munmap", Support.Full, "Fully supported.")]
    public static SyscallResult Munmap(ISyscallContext c) => SyscallResult.Send(new UnmapMemory(c.Task, c.Arg(0), c.Arg(1)));

    [Syscall(226, "mprotect", Support.Full, "Fully supported.")]
    public static SyscallResult Mprotect(ISyscallContext c) => SyscallResult.Send(new ProtectMemory(c.Task, c.Arg(0), c.Arg(1), c.Int(2)));

    [Syscall(214, "brk", Support.Full, "Fully supported.")]
    public static SyscallResult Brk(ISyscallContext c) => SyscallResult.Send(new SetBreak(c.Task, c.Arg(0)));

    [Syscall(233, "madvise", Support.Partial, "MADV_DONTNEED and MADV_FREE discard anonymous pages; other advice is accepted without effect.")]
    public static SyscallResult Madvise(ISyscallContext c) => SyscallResult.Send(new AdviseMemory(c.Task, c.Arg(0), c.Arg(1), c.Int(2)));

    [Syscall(216, "mremap", Support.Full, "Shrinking, growing in place, MREMAP_MAYMOVE, MREMAP_FIXED and MREMAP_DONTUNMAP for private and shared mappings: shared and file mappings stay the file's pages where they move " +
        "(DONTUNMAP's old range keeps mapping them; a private one is emptied, a private file mapping's reads its file again); a private file mapping grows with more of its file; " +
        "an old size of 0 duplicates a shared mapping; growth checks RLIMIT_AS and RLIMIT_DATA (ENOMEM).")]
    public static SyscallResult Mremap(ISyscallContext c) =>
        SyscallResult.Send(new RemapMemory(c.Task, c.Arg(0), c.Arg(1), c.Arg(2), c.Int(3), c.Arg(4)));
}
