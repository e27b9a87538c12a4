using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the file I/O: open, close, read, write, seek, stat, dup, fcntl, ioctl, pipes, splice, sync.
// When you implement a call in FileIo.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class FileIo
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(32, "flock", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(47, "fallocate", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(71, "sendfile", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(75, "vmsplice", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(76, "splice", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(77, "tee", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(81, "sync", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(82, "fsync", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(83, "fdatasync", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(84, "sync_file_range", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(213, "readahead", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(267, "syncfs", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(285, "copy_file_range", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(286, "preadv2", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(287, "pwritev2", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(436, "close_range", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
