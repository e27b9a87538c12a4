using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the readiness and asynchronous I/O: epoll, poll, select, eventfd, AIO, io_uring.
// When you implement a call in Events.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class Events
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(0, "io_setup", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(1, "io_destroy", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(2, "io_submit", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(3, "io_cancel", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(4, "io_getevents", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(292, "io_pgetevents", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(425, "io_uring_setup", Support.Unimplemented, "Not implemented yet; returns ENOSYS, as Linux built without io_uring does, so programs fall back to other calls.")]
    [Syscall(426, "io_uring_enter", Support.Unimplemented, "Not implemented yet; returns ENOSYS, as Linux built without io_uring does, so programs fall back to other calls.")]
    [Syscall(427, "io_uring_register", Support.Unimplemented, "Not implemented yet; returns ENOSYS, as Linux built without io_uring does, so programs fall back to other calls.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
