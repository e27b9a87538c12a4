using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>chmod, chown and utimes by path or fd (on the overlay root they copy the file up first), and mknod.</summary>
public static partial class Attributes
{
    public const long UtimeNow = (1L << 30) - 1;
    public const long UtimeOmit = (1L << 30) - 2;

    [Syscall(52, "fchmod", Support.Full, "Fully supported.")]
    public static SyscallResult Fchmod(ISyscallContext c) =>
        c.Task.File(c.Int(0)) is null ? Errno.EBADF : SyscallResult.Send(new ChmodAt(c.Task, c.Int(0), null, c.Int(1) & 0xFFF, 0));

    [Syscall(53, "fchmodat", Support.Full, "Fully supported.")]
    public static SyscallResult FchmodAt(ISyscallContext c) =>
        FileSystem.WithPath(c, 1, path => SyscallResult.Send(new ChmodAt(c.Task, c.Int(0), path, c.Int(2) & 0xFFF, 0)));

    [Syscall(54, "fchownat", Support.Full, "Fully supported.")]
    public static SyscallResult FchownAt(ISyscallContext c)
    {
        int flags = c.Int(4);
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        return FileSystem.WithPath(c, 1, path => SyscallResult.Send(new ChownAt(c.Task, c.Int(0), path, c.UInt(2), c.UInt(3), flags)));
    }

    [Syscall(55, "fchown", Support.Full, "Fully supported.")]
    public static SyscallResult Fchown(ISyscallContext c) =>
        c.Task.File(c.Int(0)) is null ? Errno.EBADF : SyscallResult.Send(new ChownAt(c.Task, c.Int(0), null, c.UInt(1), c.UInt(2), 0));

    [Syscall(88, "utimensat", Support.Full, "UTIME_NOW, UTIME_OMIT, AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH and a NULL path (the fd itself).")]
    public static SyscallResult UtimensAt(ISyscallContext c)
    {
        int dirFd = c.Int(0), flags = c.Int(3);
        long[]? times = null;
        if (c.Arg(2) != 0)
        {
            var raw = new byte[32];
            var e = c.Memory.Read(c.Arg(2), raw);
            if (e != Errno.None) return e;
            times = [BitConverter.ToInt64(raw, 0), BitConverter.ToInt64(raw, 8), BitConverter.ToInt64(raw, 16), BitConverter.ToInt64(raw, 24)];
            // Nothing to do: Linux does not even look the path up.
            if (times[1] == UtimeOmit && times[3] == UtimeOmit) return 0;
            if (!NsecValid(times[1]) || !NsecValid(times[3])) return Errno.EINVAL;
        }
        if (c.Arg(1) == 0 && dirFd != Args.AtFdCwd)
        {
            if (flags != 0) return Errno.EINVAL;
            if (c.Task.File(dirFd) is null) return Errno.EBADF;
            return SyscallResult.Send(new SetTimesAt(c.Task, dirFd, null, times, 0));
        }
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        return FileSystem.WithPath(c, 1, path => SyscallResult.Send(new SetTimesAt(c.Task, dirFd, path, times, flags)));
    }

    [Syscall(33, "mknodat", Support.Full, "Regular files, fifos, sockets and device nodes (root only; a device node opens with ENXIO, as one without a driver, and is never made in a host directory: EPERM).")]
    public static SyscallResult MknodAt(ISyscallContext c)
    {
        int mode = c.Int(2);
        // may_mknod, before the path is looked at.
        switch ((uint)mode & OpenFlags.S_IFMT)
        {
            case 0 or OpenFlags.S_IFREG or OpenFlags.S_IFCHR or OpenFlags.S_IFBLK or OpenFlags.S_IFIFO or OpenFlags.S_IFSOCK: break;
            case OpenFlags.S_IFDIR: return Errno.EPERM;
            default: return Errno.EINVAL;
        }
        // The 32-bit dev_t argument has the same encoding as the low half of ours.
        return FileSystem.WithPath(c, 1, path => SyscallResult.Send(new MakeNodeAt(c.Task, c.Int(0), path, mode, c.UInt(3))));
    }

    private static bool NsecValid(long nsec) => nsec is UtimeNow or UtimeOmit || (nsec >= 0 && nsec <= 999_999_999);
}
