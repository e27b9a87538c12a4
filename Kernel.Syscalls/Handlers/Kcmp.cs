using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

public static partial class Process
{
    [Syscall(272, "kcmp", Support.Partial, "KCMP_FILE, VM, FILES, FS, SIGHAND and SYSVSEM (the SEM_UNDO lists) compare the sandbox's objects (0 equal, 1 or 2 in a stable order); KCMP_IO reports equal (no task has an I/O context); KCMP_EPOLL_TFD gives EOPNOTSUPP.")]
    public static SyscallResult Kcmp(ISyscallContext c)
    {
        var type = c.Int(2);
        if (type is < 0 or > 7) return Errno.EINVAL;
        return c.Task.CompareKernelObjects(c.Int(0), c.Int(1), type, c.Arg(3), c.Arg(4));
    }
}
