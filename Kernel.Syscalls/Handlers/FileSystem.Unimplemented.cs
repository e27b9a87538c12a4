using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the paths and metadata: directories, links, permissions, xattrs, mounts, watches.
// When you implement a call in FileSystem.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class FileSystem
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(18, "lookup_dcookie", Support.Unimplemented, "Obsolete (only oprofile used it); returns ENOSYS.")]
    [Syscall(60, "quotactl", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(262, "fanotify_init", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(263, "fanotify_mark", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(428, "open_tree", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(429, "move_mount", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(430, "fsopen", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(431, "fsconfig", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(432, "fsmount", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    [Syscall(433, "fspick", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
