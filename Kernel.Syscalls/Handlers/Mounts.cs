using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>The mount table of the sandbox's (single) mount namespace: mount, umount2, pivot_root, chroot.</summary>
public static partial class Mounts
{
    private const int MntForce = 1, MntDetach = 2, MntExpire = 4, UmountNoFollow = 8;
    private const int MountStringMax = 4096;

    /// <summary>A string argument that may be NULL (mount's source, type and data).</summary>
    private static Errno OptionalString(ISyscallContext c, int arg, out string? value)
    {
        value = null;
        if (c.Arg(arg) == 0) return Errno.None;
        var e = c.Memory.ReadCString(c.Arg(arg), MountStringMax, out var s);
        if (e == Errno.ENAMETOOLONG) return Errno.EINVAL;
        value = s;
        return e;
    }

    [Syscall(40, "mount", Support.Full, "tmpfs (size=, nr_inodes=, mode=, uid=, gid=), proc, sysfs and devpts (the sandbox's one pty instance; its mount options are not shown); bind mounts (MS_BIND, MS_REC), MS_MOVE, remount (MS_REMOUNT, with MS_BIND per mount), propagation flags accepted (one namespace: nothing propagates); MS_NOSUID/MS_NODEV/MS_NOEXEC recorded, nodev and noexec enforced on open and exec; other types (no block devices) give ENODEV. Only uid 0 may mount.")]
    public static SyscallResult Mount(ISyscallContext c)
    {
        // Linux copies the type, the source and the data before it looks the target up.
        var e = OptionalString(c, 2, out var type);
        if (e != Errno.None) return e;
        e = OptionalString(c, 0, out var source);
        if (e != Errno.None) return e;
        e = OptionalString(c, 4, out var data);
        if (e != Errno.None) return e;
        ulong flags = c.Arg(3);
        return FileSystem.WithPath(c, 1, target => SyscallResult.Send(new MountFilesystem(c.Task, source, target, type, flags, data)));
    }

    [Syscall(39, "umount2", Support.Full, "MNT_DETACH, MNT_EXPIRE, UMOUNT_NOFOLLOW; MNT_FORCE is accepted (nothing to abort). Only uid 0 may unmount.")]
    public static SyscallResult Umount2(ISyscallContext c)
    {
        int flags = c.Int(1);
        if ((flags & ~(MntForce | MntDetach | MntExpire | UmountNoFollow)) != 0) return Errno.EINVAL;
        if (!c.Task.Settings.Has(Capabilities.SysAdmin)) return Errno.EPERM;
        return FileSystem.WithPath(c, 0, target => SyscallResult.Send(new UnmountFilesystem(c.Task, target, flags)));
    }

    [Syscall(41, "pivot_root", Support.Full, "Fully supported (one mount namespace; the roots and cwds of all tasks move).")]
    public static SyscallResult PivotRoot(ISyscallContext c)
    {
        if (!c.Task.Settings.Has(Capabilities.SysAdmin)) return Errno.EPERM;
        return FileSystem.WithPath(c, 0, newRoot => FileSystem.WithPath(c, 1, putOld =>
            SyscallResult.Send(new PivotRoot(c.Task, newRoot, putOld))));
    }

    [Syscall(51, "chroot", Support.Full, "Fully supported.")]
    public static SyscallResult Chroot(ISyscallContext c) =>
        FileSystem.WithPath(c, 0, path => SyscallResult.Send(new ChangeRoot(c.Task, path)));
}
