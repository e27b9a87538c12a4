using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>File handles (fs/fhandle.c) for tmpfs, devfs and the host-backed root, decoded by the VFS actor.</summary>
public static partial class FileHandles
{
    /// <summary>AT_HANDLE_MNT_ID_UNIQUE, AT_HANDLE_CONNECTABLE, AT_HANDLE_FID, AT_SYMLINK_FOLLOW, AT_EMPTY_PATH.</summary>
    public const int AtHandleMntIdUnique = 0x001, AtHandleConnectable = 0x002, AtHandleFid = 0x200, AtSymlinkFollow = 0x400, AtEmptyPath = 0x1000;

    [Syscall(264, "name_to_handle_at", Support.Partial, "tmpfs, devfs and the host-backed root; AT_HANDLE_FID, AT_HANDLE_MNT_ID_UNIQUE, AT_HANDLE_CONNECTABLE; other filesystems (pipes, anonymous files) give EOPNOTSUPP as Linux's do; host-root handles are known only to the sandbox that made them.")]
    public static SyscallResult NameToHandleAt(ISyscallContext c)
    {
        var flags = c.Int(4);
        if ((flags & ~(AtSymlinkFollow | AtEmptyPath | AtHandleFid | AtHandleMntIdUnique | AtHandleConnectable)) != 0) return Errno.EINVAL;
        if ((flags & AtHandleConnectable) != 0 && (flags & (AtHandleFid | AtEmptyPath)) != 0) return Errno.EINVAL;
        var e = c.Path(1, out var path);
        if (e != Errno.None) return e;
        return SyscallResult.Send(new NameToHandle(c.Task, c.Int(0), path, c.Arg(2), c.Arg(3), flags));
    }

    [Syscall(265, "open_by_handle_at", Support.Partial, "Handles of tmpfs, devfs and the host-backed root while the file exists (ESTALE after, also for a tmpfs file that is unlinked but still open, which Linux can still open); needs CAP_DAC_READ_SEARCH (root in the sandbox), else EPERM.")]
    public static SyscallResult OpenByHandleAt(ISyscallContext c) =>
        SyscallResult.Send(new OpenByHandle(c.Task, c.Int(0), c.Arg(1), c.Int(2)));
}
