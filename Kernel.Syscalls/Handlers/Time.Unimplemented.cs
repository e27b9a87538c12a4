using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the clocks, sleeps, interval timers, POSIX timers and timerfd.
// When you implement a call in Time.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class Time
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(171, "adjtimex", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(266, "clock_adjtime", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;

    /// <summary>Calls that need a privilege a guest is never granted: EPERM, as Linux answers an unprivileged caller.</summary>
    [Syscall(112, "clock_settime", Support.Unimplemented, "Setting a clock needs CAP_SYS_TIME, which a guest never has; returns EPERM.")]
    [Syscall(170, "settimeofday", Support.Unimplemented, "Setting the clock needs CAP_SYS_TIME, which a guest never has; returns EPERM.")]
    public static SyscallResult NotPermitted(ISyscallContext ctx) => Errno.EPERM;
}
