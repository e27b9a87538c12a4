using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>POSIX message queues: argument copies and checks here, the queues in the VFS actor (mqueue filesystem per IPC namespace).</summary>
public static partial class Mqueue
{
    private const int PathMax = 4096, MqPrioMax = 32768, AttrSize = 64;

    [Syscall(180, "mq_open", Support.Full, "Queues in the mqueue filesystem of the caller's IPC namespace (mountable with mount -t mqueue): O_CREAT/O_EXCL, " +
        "access modes and O_NONBLOCK, mq_attr sizes within fs.mqueue's limits (the hard ones with CAP_SYS_RESOURCE), queues_max (ENOSPC), " +
        "RLIMIT_MSGQUEUE (EMFILE), permissions with the umask.")]
    public static SyscallResult MqOpen(ISyscallContext c)
    {
        (long, long)? attr = null;
        if (c.Arg(3) != 0)
        {
            var a = new byte[AttrSize];
            if (c.Memory.Read(c.Arg(3), a) != Errno.None) return Errno.EFAULT;
            attr = (BitConverter.ToInt64(a, 8), BitConverter.ToInt64(a, 16));
        }
        var e = ReadName(c, out var name);
        if (e != Errno.None) return e;
        return SyscallResult.Send(new OpenMqueue(c.Task, name, c.Int(1), c.UInt(2), attr));
    }

    [Syscall(181, "mq_unlink", Support.Full, "Removes the name; the queue lives on while descriptors refer to it. Sticky-directory rules (EPERM), EACCES, ENOENT.")]
    public static SyscallResult MqUnlink(ISyscallContext c)
    {
        var e = ReadName(c, out var name);
        return e != Errno.None ? e : SyscallResult.Send(new UnlinkMqueue(c.Task, name));
    }

    [Syscall(182, "mq_timedsend", Support.Full, "Priority order (FIFO within a priority); a full queue parks the caller until there is room, " +
        "its absolute CLOCK_REALTIME timeout (ETIMEDOUT) or a signal (restarted under SA_RESTART); O_NONBLOCK gives EAGAIN; EMSGSIZE, EBADF, EINVAL.")]
    public static SyscallResult MqTimedsend(ISyscallContext c)
    {
        var e = ReadTimeout(c, c.Arg(4), out var timeout);
        if (e != Errno.None) return e;
        if (c.Arg(3) >= MqPrioMax) return Errno.EINVAL;
        return SyscallResult.Send(new SendMqueue(c.Task, c.Int(0), c.Arg(1), c.Arg(2), (uint)c.Arg(3), timeout));
    }

    [Syscall(183, "mq_timedreceive", Support.Full, "The oldest message of the highest priority; an empty queue parks the caller as mq_timedsend does; " +
        "EMSGSIZE for a buffer smaller than mq_msgsize.")]
    public static SyscallResult MqTimedreceive(ISyscallContext c)
    {
        var e = ReadTimeout(c, c.Arg(4), out var timeout);
        if (e != Errno.None) return e;
        return SyscallResult.Send(new ReceiveMqueue(c.Task, c.Int(0), c.Arg(1), c.Arg(2), c.Arg(3), timeout));
    }

    [Syscall(184, "mq_notify", Support.Full, "SIGEV_SIGNAL (si_code SI_MESGQ with the sender's pid and uid and sigev_value) and SIGEV_NONE, one registration " +
        "per queue (EBUSY), sent when a message reaches an empty queue that no receiver waits on; SIGEV_THREAD needs a netlink socket " +
        "(EBADF or ENOTSOCK without one, as glibc's path makes one first).")]
    public static SyscallResult MqNotify(ISyscallContext c)
    {
        const int sigevSignal = 0, sigevNone = 1, sigevThread = 2;
        (int, int, ulong)? notify = null;
        if (c.Arg(1) != 0)
        {
            var ev = new byte[64];
            if (c.Memory.Read(c.Arg(1), ev) != Errno.None) return Errno.EFAULT;
            ulong value = BitConverter.ToUInt64(ev, 0);
            int signo = BitConverter.ToInt32(ev, 8), how = BitConverter.ToInt32(ev, 12);
            if (how is not (sigevSignal or sigevNone or sigevThread)) return Errno.EINVAL;
            if (how == sigevSignal && (uint)signo > 64) return Errno.EINVAL;
            // SIGEV_THREAD: a 32-byte cookie at sigev_value for a netlink socket named by sigev_signo; the sandbox has no sockets yet.
            if (how == sigevThread)
                return c.Memory.Read(value, new byte[32]) != Errno.None ? Errno.EFAULT : c.Task.File(signo) is null ? Errno.EBADF : Errno.ENOTSOCK;
            notify = (how, signo, value);
        }
        return SyscallResult.Send(new NotifyMqueue(c.Task, c.Int(0), notify));
    }

    [Syscall(185, "mq_getsetattr", Support.Full, "Reports mq_flags, mq_maxmsg, mq_msgsize and mq_curmsgs; sets O_NONBLOCK only (EINVAL for other flags).")]
    public static SyscallResult MqGetsetattr(ISyscallContext c)
    {
        long? flags = null;
        if (c.Arg(1) != 0)
        {
            var a = new byte[AttrSize];
            if (c.Memory.Read(c.Arg(1), a) != Errno.None) return Errno.EFAULT;
            flags = BitConverter.ToInt64(a, 0);
            if ((flags & ~OpenFlags.O_NONBLOCK) != 0) return Errno.EINVAL;
        }
        return SyscallResult.Send(new MqueueAttributes(c.Task, c.Int(0), flags), reply => reply switch
        {
            Bytes b when c.Arg(2) != 0 => c.CopyOut(c.Arg(2), b.Data),
            Bytes => 0,
            Failed f => f.Errno,
            _ => Errno.EIO,
        });
    }

    /// <summary>The queue's name as the kernel takes it (glibc strips the leading '/'): EFAULT, ENOENT for "", ENAMETOOLONG.</summary>
    private static Errno ReadName(ISyscallContext c, out string name)
    {
        var e = c.Memory.ReadCString(c.Arg(0), PathMax, out name);
        if (e != Errno.None) return e;
        return name.Length == 0 ? Errno.ENOENT : Errno.None;
    }

    /// <summary>The absolute CLOCK_REALTIME timeout as time from now; null waits for ever. EFAULT and EINVAL come before anything else.</summary>
    private static Errno ReadTimeout(ISyscallContext c, ulong address, out TimeSpan? timeout)
    {
        timeout = null;
        if (address == 0) return Errno.None;
        var e = Time.ReadTimespec(c, address, out var sec, out var nsec);
        if (e != Errno.None) return e;
        timeout = Time.UntilAbsolute(c, Time.ClockRealtime, sec, nsec);
        return Errno.None;
    }
}
