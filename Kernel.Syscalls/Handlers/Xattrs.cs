using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Extended attributes: user.* and trusted.* on tmpfs, the overlay root (copy-up on change) and writable host
/// directories. Arguments are checked in Linux's order: flags (EINVAL), the name (ERANGE when empty or longer than
/// 255 bytes), the size (E2BIG) and value, then the fd (EBADF) or the path.
/// </summary>
public static partial class Xattrs
{
    private const int NameMax = 255;
    private const int SizeMax = 65536;
    private const int XattrCreate = 1, XattrReplace = 2;
    private const string Note = "user.* and trusted.* on tmpfs, the overlay root and writable host roots; other namespaces give EOPNOTSUPP. Lower-layer (host) xattrs of symlinks and special files are not read.";

    [Syscall(5, "setxattr", Support.Full, Note)]
    public static SyscallResult SetXattr(ISyscallContext c) => Set(c, follow: true);

    [Syscall(6, "lsetxattr", Support.Full, Note)]
    public static SyscallResult LSetXattr(ISyscallContext c) => Set(c, follow: false);

    [Syscall(7, "fsetxattr", Support.Full, Note)]
    public static SyscallResult FSetXattr(ISyscallContext c) => Set(c, follow: false, fd: true);

    [Syscall(8, "getxattr", Support.Full, Note)]
    public static SyscallResult GetXattr(ISyscallContext c) => Get(c, follow: true);

    [Syscall(9, "lgetxattr", Support.Full, Note)]
    public static SyscallResult LGetXattr(ISyscallContext c) => Get(c, follow: false);

    [Syscall(10, "fgetxattr", Support.Full, Note)]
    public static SyscallResult FGetXattr(ISyscallContext c) => Get(c, follow: false, fd: true);

    [Syscall(11, "listxattr", Support.Full, Note)]
    public static SyscallResult ListXattr(ISyscallContext c) => List(c, follow: true);

    [Syscall(12, "llistxattr", Support.Full, Note)]
    public static SyscallResult LListXattr(ISyscallContext c) => List(c, follow: false);

    [Syscall(13, "flistxattr", Support.Full, Note)]
    public static SyscallResult FListXattr(ISyscallContext c) => List(c, follow: false, fd: true);

    [Syscall(14, "removexattr", Support.Full, Note)]
    public static SyscallResult RemoveXattr(ISyscallContext c) => Remove(c, follow: true);

    [Syscall(15, "lremovexattr", Support.Full, Note)]
    public static SyscallResult LRemoveXattr(ISyscallContext c) => Remove(c, follow: false);

    [Syscall(16, "fremovexattr", Support.Full, Note)]
    public static SyscallResult FRemoveXattr(ISyscallContext c) => Remove(c, follow: false, fd: true);

    /// <summary>import_xattr_name: an empty name or one of 256 bytes or more is ERANGE.</summary>
    private static Errno Name(ISyscallContext c, int arg, out string name)
    {
        var e = c.Memory.ReadCString(c.Arg(arg), NameMax + 1, out name);
        if (e == Errno.ENAMETOOLONG || (e == Errno.None && name.Length == 0)) return Errno.ERANGE;
        return e;
    }

    /// <summary>The file named by argument 0, a path or an fd, checked after the name and value as Linux does.</summary>
    private static SyscallResult WithTarget(ISyscallContext c, bool follow, bool fd, Func<XattrTarget, SyscallResult> next)
    {
        if (fd) return c.Task.File(c.Int(0)) is null ? Errno.EBADF : next(new XattrTarget(c.Int(0), null, false));
        var e = c.Path(0, out var path);
        return e != Errno.None ? e : next(new XattrTarget(-1, path, follow));
    }

    private static SyscallResult Set(ISyscallContext c, bool follow, bool fd = false)
    {
        ulong valueAddress = c.Arg(2), size = c.Arg(3);
        int flags = c.Int(4);
        if ((flags & ~(XattrCreate | XattrReplace)) != 0) return Errno.EINVAL;
        var e = Name(c, 1, out var name);
        if (e != Errno.None) return e;
        if (size > SizeMax) return Errno.E2BIG;
        var value = new byte[size];
        if (size > 0 && (e = c.Memory.Read(valueAddress, value)) != Errno.None) return e;
        return WithTarget(c, follow, fd, t => SyscallResult.Send(new SetXattr(c.Task, t, name, value, flags)));
    }

    private static SyscallResult Get(ISyscallContext c, bool follow, bool fd = false)
    {
        ulong buffer = c.Arg(2), size = Math.Min(c.Arg(3), SizeMax);
        bool askedTooMuch = c.Arg(3) >= SizeMax;
        var e = Name(c, 1, out var name);
        if (e != Errno.None) return e;
        return WithTarget(c, follow, fd, t => SyscallResult.Send(new GetXattr(c.Task, t, name), reply => CopyOut(c, reply, buffer, size, askedTooMuch)));
    }

    private static SyscallResult List(ISyscallContext c, bool follow, bool fd = false)
    {
        ulong buffer = c.Arg(1), size = Math.Min(c.Arg(2), SizeMax);
        bool askedTooMuch = c.Arg(2) >= SizeMax;
        return WithTarget(c, follow, fd, t => SyscallResult.Send(new ListXattr(c.Task, t), reply => CopyOut(c, reply, buffer, size, askedTooMuch)));
    }

    private static SyscallResult Remove(ISyscallContext c, bool follow, bool fd = false)
    {
        var e = Name(c, 1, out var name);
        if (e != Errno.None) return e;
        return WithTarget(c, follow, fd, t => SyscallResult.Send(new RemoveXattr(c.Task, t, name)));
    }

    /// <summary>A size of 0 asks for the length; a smaller buffer than the data is ERANGE (E2BIG if the limit itself was asked).</summary>
    private static SyscallResult CopyOut(ISyscallContext c, KernelReply reply, ulong buffer, ulong size, bool askedTooMuch)
    {
        if (reply is not Bytes b) return reply is Failed f ? f.Errno : Errno.EIO;
        if (size == 0) return b.Data.Length;
        if ((ulong)b.Data.Length > size) return askedTooMuch ? Errno.E2BIG : Errno.ERANGE;
        return c.CopyOut(buffer, b.Data, b.Data.Length);
    }
}
