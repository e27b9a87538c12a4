using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// inotify: events about changes made inside the sandbox.
public static partial class Events
{
    // ALL_INOTIFY_BITS: the events (0xfff), IN_UNMOUNT, IN_Q_OVERFLOW, IN_IGNORED and the watch flags.
    private const uint InotifyAllBits = 0xfff | 0x2000 | 0x4000 | 0x8000 | 0x01000000 | 0x02000000 | 0x04000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x80000000;

    [Syscall(26, "inotify_init1", Support.Full, "IN_NONBLOCK, IN_CLOEXEC; no per-user instance limit.")]
    public static SyscallResult InotifyInit1(ISyscallContext c)
    {
        var flags = c.Int(0);
        return (flags & ~(OCloexec | ONonblock)) != 0 ? Errno.EINVAL : SyscallResult.Send(new CreateInotify(c.Task, flags));
    }

    [Syscall(27, "inotify_add_watch", Support.Partial, "Events for changes made in the sandbox (create, delete, modify, access, attrib, moves with cookies, open/close, *_SELF); IN_ONESHOT, IN_ONLYDIR, IN_DONT_FOLLOW, IN_MASK_ADD, IN_MASK_CREATE, IN_EXCL_UNLINK. Changes made on the host beneath a host-directory mount are not seen; IN_UNMOUNT never occurs.")]
    public static SyscallResult InotifyAddWatch(ISyscallContext c)
    {
        var mask = c.UInt(2);
        if ((mask & ~InotifyAllBits) != 0 || mask == 0) return Errno.EINVAL;
        var e = c.Path(1, out var path);
        return SyscallResult.Send(new AddInotifyWatch(c.Task, c.Int(0), e == Errno.None ? path : null, e, mask));
    }

    [Syscall(28, "inotify_rm_watch", Support.Full, "Fully supported (IN_IGNORED is queued).")]
    public static SyscallResult InotifyRmWatch(ISyscallContext c) => SyscallResult.Send(new RemoveInotifyWatch(c.Task, c.Int(0), c.Int(1)));
}
