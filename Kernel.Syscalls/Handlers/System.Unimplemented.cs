using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the system-wide calls: uname, sysinfo, randomness, modules, keys, and everything else.
// When you implement a call in System.cs, delete its attribute line here (the table rejects a number declared twice).
// Note: inside namespace Kernel.Syscalls.Handlers this class hides the System namespace; write global::System.X there.
public static partial class System
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(30, "ioprio_set", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(31, "ioprio_get", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(42, "nfsservctl", Support.Unimplemented, "Removed from Linux in 3.1; returns ENOSYS, as current Linux does.")]
    [Syscall(217, "add_key", Support.Unimplemented, "No key retention service; returns ENOSYS, as Linux built without keys does.")]
    [Syscall(218, "request_key", Support.Unimplemented, "No key retention service; returns ENOSYS, as Linux built without keys does.")]
    [Syscall(241, "perf_event_open", Support.Unimplemented, "No performance counters are exposed; returns ENOSYS, as Linux built without perf events does.")]
    [Syscall(282, "userfaultfd", Support.Unimplemented, "Not implemented; returns ENOSYS, as Linux built without userfaultfd does.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;

    /// <summary>Calls that need a privilege a guest is never granted: EPERM, as Linux answers an unprivileged caller.</summary>
    [Syscall(104, "kexec_load", Support.Unimplemented, "Loading a kernel needs CAP_SYS_BOOT, which a guest never has; returns EPERM.")]
    [Syscall(105, "init_module", Support.Unimplemented, "Loading kernel modules needs CAP_SYS_MODULE, which a guest never has; returns EPERM.")]
    [Syscall(106, "delete_module", Support.Unimplemented, "Unloading kernel modules needs CAP_SYS_MODULE, which a guest never has; returns EPERM.")]
    [Syscall(142, "reboot", Support.Unimplemented, "Needs CAP_SYS_BOOT, which a guest never has; returns EPERM.")]
    [Syscall(224, "swapon", Support.Unimplemented, "Swap is managed by the host; needs CAP_SYS_ADMIN, which a guest never has; returns EPERM.")]
    [Syscall(225, "swapoff", Support.Unimplemented, "Swap is managed by the host; needs CAP_SYS_ADMIN, which a guest never has; returns EPERM.")]
    [Syscall(273, "finit_module", Support.Unimplemented, "Loading kernel modules needs CAP_SYS_MODULE, which a guest never has; returns EPERM.")]
    [Syscall(280, "bpf", Support.Unimplemented, "No BPF programs run in the sandbox; returns EPERM, as Linux does when unprivileged BPF is disabled.")]
    public static SyscallResult NotPermitted(ISyscallContext ctx) => Errno.EPERM;
}
