using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the tasks: clone, exec, exit, wait, futex, credentials, sessions, limits, scheduling.
// When you implement a call in Process.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class Process
{
    /// <summary>Calls that need a privilege a guest is never granted: EPERM, as Linux answers an unprivileged caller.</summary>
    [Syscall(58, "vhangup", Support.Unimplemented, "Needs CAP_SYS_TTY_CONFIG, which a guest never has; returns EPERM.")]
    [Syscall(89, "acct", Support.Unimplemented, "Process accounting needs CAP_SYS_PACCT, which a guest never has; returns EPERM.")]
    public static SyscallResult NotPermitted(ISyscallContext ctx) => Errno.EPERM;

    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(97, "unshare", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(268, "setns", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
