using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>The address space: requests go to the MM actor, and the process runs nothing until they are answered.</summary>
public static partial class Memory
{
    [Syscall(222, "mmap", Support.Partial, "Anonymous and file-backed private mappings; MAP_SHARED anonymous memory (shared with forked children) and MAP_SHARED mappings of tmpfs files and memfds share pages with the file (seals enforced); MAP_HUGETLB and hugetlbfs memfds map whole huge pages (backed by base pages); other MAP_SHARED file mappings are copies (writes do not reach the file).")]
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

    [Syscall(216, "mremap", Support.Partial, "Shrinking, growing in place, MREMAP_MAYMOVE (by copying), MREMAP_FIXED and MREMAP_DONTUNMAP (the old range stays mapped, emptied) for private mappings; " +
        "shared and file mappings move only by growing with MAYMOVE (FIXED or DONTUNMAP on them give EINVAL); growth does not check RLIMIT_AS.")]
    public static SyscallResult Mremap(ISyscallContext c) =>
        SyscallResult.Send(new RemapMemory(c.Task, c.Arg(0), c.Arg(1), c.Arg(2), c.Int(3), c.Arg(4)));
}
