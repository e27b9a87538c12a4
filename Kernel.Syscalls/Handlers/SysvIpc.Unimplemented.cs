using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the System V messages, semaphores and shared memory (POSIX message queues are in Mqueue.cs).
// When you implement a call in SysvIpc.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class SysvIpc
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(186, "msgget", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(187, "msgctl", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(188, "msgrcv", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(189, "msgsnd", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(190, "semget", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(191, "semctl", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(192, "semtimedop", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(193, "semop", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(194, "shmget", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(195, "shmctl", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(196, "shmat", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(197, "shmdt", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
