using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the tasks: clone, exec, exit, wait, futex, credentials, sessions, limits, scheduling.
// When you implement a call in Process.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class Process
{
    /// <summary>Calls that need a privilege a guest is never granted: EPERM, as Linux answers an unprivileged caller.</summary>
    [Syscall(89, "acct", Support.Unimplemented, "Process accounting needs CAP_SYS_PACCT, which a guest never has; returns EPERM.")]
    public static SyscallResult NotPermitted(ISyscallContext ctx) => Errno.EPERM;

    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
