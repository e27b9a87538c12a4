using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the System V messages, semaphores, shared memory and POSIX message queues.
// When you implement a call in SysvIpc.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class SysvIpc
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(180, "mq_open", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(181, "mq_unlink", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(182, "mq_timedsend", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(183, "mq_timedreceive", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(184, "mq_notify", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(185, "mq_getsetattr", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
