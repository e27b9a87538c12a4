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
    [Syscall(90, "capget", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(91, "capset", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(92, "personality", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(95, "waitid", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(97, "unshare", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(117, "ptrace", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(118, "sched_setparam", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(119, "sched_setscheduler", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(120, "sched_getscheduler", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(121, "sched_getparam", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(122, "sched_setaffinity", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(125, "sched_get_priority_max", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(126, "sched_get_priority_min", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(127, "sched_rr_get_interval", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(140, "setpriority", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(141, "getpriority", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(143, "setregid", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(144, "setgid", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(145, "setreuid", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(146, "setuid", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(147, "setresuid", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(149, "setresgid", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(151, "setfsuid", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(152, "setfsgid", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(153, "times", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(158, "getgroups", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(159, "setgroups", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(164, "setrlimit", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(165, "getrusage", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(167, "prctl", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(168, "getcpu", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(268, "setns", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(272, "kcmp", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(274, "sched_setattr", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(275, "sched_getattr", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(277, "seccomp", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(281, "execveat", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(293, "rseq", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(434, "pidfd_open", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
