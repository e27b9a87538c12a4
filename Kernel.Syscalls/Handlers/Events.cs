using System.Diagnostics;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Readiness and event files: eventfd, epoll (here), poll/select, timerfd and inotify (Events.*.cs). The handlers
/// check what Linux checks before touching descriptors; the VFS actor owns the files and parks the calls that wait.
/// </summary>
public static partial class Events
{
    private const int OCloexec = 0x80000, ONonblock = 0x800;
    private const int EfdSemaphore = 1;
    private const int EpollCtlDel = 2;
    /// <summary>INT_MAX / sizeof(struct epoll_event), the most events one epoll_wait may ask for (EP_MAX_EVENTS).</summary>
    private const int EpollMaxEvents = int.MaxValue / 16;
    /// <summary>arm64's user address space (48-bit): what access_ok accepts.</summary>
    private const ulong TaskSize = 1UL << 48;
    private const string SignalsNote = "the signal mask applies while the call runs, and a handled signal ends the wait with EINTR";

    [Syscall(19, "eventfd2", Support.Full, "EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC; blocking reads and writes wait parked in the VFS actor.")]
    public static SyscallResult EventFd2(ISyscallContext c)
    {
        var flags = c.Int(1);
        if ((flags & ~(EfdSemaphore | OCloexec | ONonblock)) != 0) return Errno.EINVAL;
        return SyscallResult.Send(new CreateEventFd(c.Task, c.UInt(0), flags));
    }

    [Syscall(20, "epoll_create1", Support.Full, "Fully supported.")]
    public static SyscallResult EpollCreate1(ISyscallContext c)
    {
        var flags = c.Int(0);
        return (flags & ~OCloexec) != 0 ? Errno.EINVAL : SyscallResult.Send(new CreateEpoll(c.Task, flags));
    }

    [Syscall(21, "epoll_ctl", Support.Full, "Level- and edge-triggered, EPOLLONESHOT, EPOLLEXCLUSIVE, nesting with loop and depth checks; EPOLLWAKEUP is accepted and has no effect (nothing suspends).")]
    public static SyscallResult EpollCtl(ISyscallContext c)
    {
        var op = c.Int(1);
        uint events = 0;
        ulong data = 0;
        if (op != EpollCtlDel)
        {
            // struct epoll_event on arm64: u32 events, 4 bytes of padding, u64 data.
            Span<byte> ev = stackalloc byte[16];
            if (c.Memory.Read(c.Arg(3), ev) != Errno.None) return Errno.EFAULT;
            events = BitConverter.ToUInt32(ev);
            data = BitConverter.ToUInt64(ev[8..]);
        }
        return SyscallResult.Send(new ControlEpoll(c.Task, c.Int(0), op, c.Int(2), events, data));
    }

    [Syscall(22, "epoll_pwait", Support.Full, "Waits parked in the VFS actor with the actor's timers; " + SignalsNote + ".")]
    public static SyscallResult EpollPwait(ISyscallContext c)
    {
        var e = ApplySigmask(c, c.Arg(4), c.Arg(5));
        if (e != Errno.None) return e;
        var timeout = c.Int(3);
        return EpollWait(c, timeout < 0 ? null : TimeSpan.FromMilliseconds(timeout));
    }

    [Syscall(441, "epoll_pwait2", Support.Full, "As epoll_pwait, with a timespec timeout; " + SignalsNote + ".")]
    public static SyscallResult EpollPwait2(ISyscallContext c)
    {
        TimeSpan? timeout = null;
        if (c.Arg(3) != 0)
        {
            var e = ReadTimeout(c, c.Arg(3), out var ns);
            if (e != Errno.None) return e;
            timeout = ToTimeout(ns);
        }
        var s = ApplySigmask(c, c.Arg(4), c.Arg(5));
        return s != Errno.None ? s : EpollWait(c, timeout);
    }

    private static SyscallResult EpollWait(ISyscallContext c, TimeSpan? timeout)
    {
        var max = c.Int(2);
        if (max <= 0 || max > EpollMaxEvents) return Errno.EINVAL;
        if (!UserRange(c.Arg(1), (ulong)max * 16)) return Errno.EFAULT;
        // Events ready (or no wait wanted): answered on the task's thread; otherwise the VFS actor parks the call.
        if (c.Task.File(c.Int(0)) is IEpollInstance ep)
        {
            var n = Readiness.Harvest(ep, c.Memory, c.Arg(1), max);
            if (n != 0 || timeout == TimeSpan.Zero) return n;
        }
        return SyscallResult.Send(new WaitEpoll(c.Task, c.Int(0), c.Arg(1), max, timeout));
    }

    /// <summary>
    /// set_user_sigmask: the size must be 8 and the set readable; the set then replaces the thread's mask until the
    /// call returns (or, if a handler runs, until it returns).
    /// </summary>
    internal static Errno ApplySigmask(ISyscallContext c, ulong set, ulong size)
    {
        if (set == 0) return Errno.None;
        if (size != 8) return Errno.EINVAL;
        Span<byte> raw = stackalloc byte[8];
        if (c.Memory.Read(set, raw) != Errno.None) return Errno.EFAULT;
        c.Task.Signals.MaskForCall(BitConverter.ToUInt64(raw));
        return Errno.None;
    }

    /// <summary>access_ok: the range lies in the user address space (whether it is mapped is found out when copying).</summary>
    /// <summary>Linux's access_ok: the range lies below the top of user space (mapped or not).</summary>
    internal static bool UserRange(ulong address, ulong length) => length <= TaskSize && address <= TaskSize - length;

    /// <summary>A struct timespec timeout in ns (saturated), EFAULT or EINVAL as poll_select_set_timeout checks it.</summary>
    internal static Errno ReadTimeout(ISyscallContext c, ulong address, out long ns)
    {
        ns = 0;
        var e = Time.ReadTimespec(c, address, out var sec, out var nsec);
        if (e != Errno.None) return e;
        ns = sec > (long.MaxValue - nsec) / 1_000_000_000 ? long.MaxValue : sec * 1_000_000_000 + nsec;
        return Errno.None;
    }

    /// <summary>A timeout for a parked call, rounded up to the tick; beyond 30 years it never ends.</summary>
    internal static TimeSpan? ToTimeout(long ns) => ns >= 1_000_000_000L * 86400 * 365 * 30 ? null : TimeSpan.FromTicks((ns + 99) / 100);

    /// <summary>
    /// ppoll and pselect6 write back the time left (Linux's poll_select_finish): nothing for a zero timeout, zero once it
    /// has passed. A failure to write is ignored.
    /// </summary>
    internal static void WriteRemaining(ISyscallContext c, ulong address, long timeoutNs, long started)
    {
        if (address == 0 || timeoutNs == 0) return;
        var elapsed = (long)(Stopwatch.GetElapsedTime(started).Ticks * 100);
        var left = Math.Max(timeoutNs - elapsed, 0);
        var ts = new byte[16];
        BitConverter.TryWriteBytes(ts, left / 1_000_000_000);
        BitConverter.TryWriteBytes(ts.AsSpan(8), left % 1_000_000_000);
        c.Memory.Write(address, ts);
    }
}
