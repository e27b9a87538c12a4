using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// timerfd: timers whose expirations are read from a descriptor.
public static partial class Events
{
    private const int TfdTimerAbstime = 1, TfdTimerCancelOnSet = 2;
    private const int ClockRealtimeAlarm = 8, ClockBoottimeAlarm = 9;

    [Syscall(85, "timerfd_create", Support.Full, "CLOCK_REALTIME, MONOTONIC, BOOTTIME (and the _ALARM clocks, for root, as their plain clocks); TFD_NONBLOCK, TFD_CLOEXEC.")]
    public static SyscallResult TimerfdCreate(ISyscallContext c)
    {
        var clock = c.Int(0);
        var flags = c.Int(1);
        if ((flags & ~(OCloexec | ONonblock)) != 0) return Errno.EINVAL;
        if (clock is not (Time.ClockRealtime or Time.ClockMonotonic or Time.ClockBoottime or ClockRealtimeAlarm or ClockBoottimeAlarm))
            return Errno.EINVAL;
        if (clock is ClockRealtimeAlarm or ClockBoottimeAlarm)
        {
            if (!c.Task.Settings.Has(Capabilities.WakeAlarm)) return Errno.EPERM;
            clock = clock == ClockRealtimeAlarm ? Time.ClockRealtime : Time.ClockBoottime;
        }
        return SyscallResult.Send(new CreateTimerFd(c.Task, clock, flags));
    }

    [Syscall(86, "timerfd_settime", Support.Full, "Relative and TFD_TIMER_ABSTIME one-shot and interval timers on the sandbox's clocks; with TFD_TIMER_CANCEL_ON_SET an absolute CLOCK_REALTIME timer is canceled (ECANCELED) when the sandbox's clock is set.")]
    public static SyscallResult TimerfdSettime(ISyscallContext c)
    {
        // struct itimerspec: it_interval, then it_value.
        var e = Time.ReadTimespec(c, c.Arg(2), out var isec, out var insec);
        if (e == Errno.EFAULT) return e;
        var v = Time.ReadTimespec(c, c.Arg(2) + 16, out var vsec, out var vnsec);
        if (v == Errno.EFAULT) return v;
        if ((c.Int(1) & ~(TfdTimerAbstime | TfdTimerCancelOnSet)) != 0 || e != Errno.None || v != Errno.None) return Errno.EINVAL;
        var oldAddress = c.Arg(3);
        return SyscallResult.Send(new SetTimerFd(c.Task, c.Int(0), c.Int(1), Nanoseconds(vsec, vnsec), Nanoseconds(isec, insec)),
            reply => CopyTimerSetting(c, oldAddress, reply));
    }

    [Syscall(87, "timerfd_gettime", Support.Full, "Fully supported.")]
    public static SyscallResult TimerfdGettime(ISyscallContext c)
    {
        var address = c.Arg(1);
        return SyscallResult.Send(new GetTimerFd(c.Task, c.Int(0)), reply => CopyTimerSetting(c, address, reply));
    }

    private static long Nanoseconds(long sec, long nsec) =>
        sec > (long.MaxValue - nsec) / 1_000_000_000 ? long.MaxValue : sec * 1_000_000_000 + nsec;

    /// <summary>Writes a struct itimerspec (interval, value) unless the address is 0 (settime's old value is optional).</summary>
    private static SyscallResult CopyTimerSetting(ISyscallContext c, ulong address, KernelReply reply)
    {
        if (reply is not TimerSetting t) return reply is Failed f ? f.Errno : Errno.EIO;
        if (address == 0) return 0;
        var b = new byte[32];
        BitConverter.TryWriteBytes(b, t.Interval / 1_000_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(8), t.Interval % 1_000_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(16), t.Value / 1_000_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(24), t.Value % 1_000_000_000);
        return c.CopyOut(address, b);
    }
}
