using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>mlock and friends, mincore and msync: requests to the MM actor, which marks or inspects the VMAs.</summary>
public static class MemoryLocks
{
    private const string LockNote = "Locked areas are marked (VmLck) and populated unless on fault; RLIMIT_MEMLOCK (8 MiB by default) and CAP_IPC_LOCK apply (ENOMEM, EPERM); the host may still swap the pages, as the sandbox does not lock host memory.";

    [Syscall(228, "mlock", Support.Full, LockNote)]
    public static SyscallResult Mlock(ISyscallContext c) => SyscallResult.Send(new LockMemory(c.Task, c.Arg(0), c.Arg(1), true, 0));

    [Syscall(284, "mlock2", Support.Full, "As mlock, with MLOCK_ONFAULT. " + LockNote)]
    public static SyscallResult Mlock2(ISyscallContext c) => SyscallResult.Send(new LockMemory(c.Task, c.Arg(0), c.Arg(1), true, c.Int(2)));

    [Syscall(229, "munlock", Support.Full, "Fully supported.")]
    public static SyscallResult Munlock(ISyscallContext c) => SyscallResult.Send(new LockMemory(c.Task, c.Arg(0), c.Arg(1), false, 0));

    [Syscall(230, "mlockall", Support.Full, "MCL_CURRENT, MCL_FUTURE (new mappings are locked) and MCL_ONFAULT. " + LockNote)]
    public static SyscallResult Mlockall(ISyscallContext c) => SyscallResult.Send(new LockAllMemory(c.Task, c.Int(0), false));

    [Syscall(231, "munlockall", Support.Full, "Fully supported.")]
    public static SyscallResult Munlockall(ISyscallContext c) => SyscallResult.Send(new LockAllMemory(c.Task, 0, true));

    [Syscall(232, "mincore", Support.Full, "Real residency: a page is reported resident once the guest has touched it (or mlock populated it).")]
    public static SyscallResult Mincore(ISyscallContext c) => SyscallResult.Send(new QueryResidency(c.Task, c.Arg(0), c.Arg(1), c.Arg(2)));

    [Syscall(227, "msync", Support.Full, "Every MAP_SHARED file mapping is the file's own pages, so stores are visible to read(2) at once (MS_ASYNC and MS_INVALIDATE have nothing to do, as on Linux); MS_SYNC writes a host file's pages back to its disk and waits; EINVAL, ENOMEM and EBUSY (MS_INVALIDATE of locked pages) as Linux.")]
    public static SyscallResult Msync(ISyscallContext c) => SyscallResult.Send(new SyncMemory(c.Task, c.Arg(0), c.Arg(1), c.Int(2)));
}
