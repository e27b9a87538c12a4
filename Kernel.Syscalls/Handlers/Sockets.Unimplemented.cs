using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the sockets.
// When you implement a call in Sockets.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class Sockets
{
    /// <summary>No socket address family exists yet: EAFNOSUPPORT, as Linux answers for a family it lacks.</summary>
    [Syscall(198, "socket", Support.Unimplemented, "No socket address family is implemented yet; returns EAFNOSUPPORT.")]
    [Syscall(199, "socketpair", Support.Unimplemented, "No socket address family is implemented yet; returns EAFNOSUPPORT.")]
    public static SyscallResult NoAddressFamily(ISyscallContext ctx) => Errno.EAFNOSUPPORT;

    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(200, "bind", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(201, "listen", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(202, "accept", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(203, "connect", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(204, "getsockname", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(205, "getpeername", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(206, "sendto", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(207, "recvfrom", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(208, "setsockopt", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(209, "getsockopt", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(210, "shutdown", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(211, "sendmsg", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(212, "recvmsg", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(242, "accept4", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(243, "recvmmsg", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(269, "sendmmsg", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
