using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the file I/O: open, close, read, write, seek, stat, dup, fcntl, ioctl, pipes, splice, sync.
// When you implement a call in FileIo.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class FileIo
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(23, "dup", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(24, "dup3", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(25, "fcntl", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(29, "ioctl", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(32, "flock", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(45, "truncate", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(46, "ftruncate", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(47, "fallocate", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(56, "openat", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(57, "close", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(59, "pipe2", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(61, "getdents64", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(62, "lseek", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(63, "read", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(64, "write", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(65, "readv", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(66, "writev", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(67, "pread64", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(68, "pwrite64", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(69, "preadv", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(70, "pwritev", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(71, "sendfile", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(75, "vmsplice", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(76, "splice", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(77, "tee", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(79, "newfstatat", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(80, "fstat", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(81, "sync", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(82, "fsync", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(83, "fdatasync", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(84, "sync_file_range", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(213, "readahead", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(223, "fadvise64", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(267, "syncfs", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(285, "copy_file_range", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(286, "preadv2", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(287, "pwritev2", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(291, "statx", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(436, "close_range", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
