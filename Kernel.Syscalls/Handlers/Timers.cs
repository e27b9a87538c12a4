using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>Interval timers (setitimer) and POSIX timers (timer_create): the timer engine lives with the process, on its vCPU thread.</summary>
public static class Timers
{
    private const int TimerAbstime = 1;

    [Syscall(103, "setitimer", Support.Full, "ITIMER_REAL (SIGALRM, monotonic), ITIMER_VIRTUAL (SIGVTALRM, user CPU time) and ITIMER_PROF (SIGPROF, user and system CPU time), periodic or once; kept across exec, not inherited by fork.")]
    public static SyscallResult Setitimer(ISyscallContext c)
    {
        var spec = new TimerSpec(0, 0);
        if (c.Arg(1) != 0)
        {
            var raw = new byte[32];
            if (c.Memory.Read(c.Arg(1), raw) != Errno.None) return Errno.EFAULT;
            var interval = Time.PairToNs(raw, Micro);
            var value = Time.PairToNs(raw.AsSpan(16), Micro);
            if (interval < 0 || value < 0) return Errno.EINVAL;
            spec = new TimerSpec(value, interval);
        }
        var r = c.Task.Timers.SetInterval(c.Int(0), spec, out var old);
        if (r < 0 || c.Arg(2) == 0) return r;
        return c.CopyOut(c.Arg(2), Pairs(old, Micro));
    }

    [Syscall(102, "getitimer", Support.Full, "The time left and the period of each interval timer, in microseconds rounded up.")]
    public static SyscallResult Getitimer(ISyscallContext c)
    {
        var r = c.Task.Timers.GetInterval(c.Int(0), out var current);
        return r < 0 ? r : c.CopyOut(c.Arg(1), Pairs(current, Micro));
    }

    [Syscall(107, "timer_create", Support.Full, "REALTIME, MONOTONIC, BOOTTIME, the *_ALARM clocks (with CAP_WAKE_ALARM), PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID and the caller's encoded CPU clocks; SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD_ID (SI_TIMER siginfo with the timer id and value).")]
    public static SyscallResult TimerCreate(ISyscallContext c)
    {
        TimerEvent ev;
        if (c.Arg(1) == 0)
        {
            ev = new TimerEvent(TimerEvent.Signal, Sig.SIGALRM, 0, 0) { ValueIsId = true }; // Linux's default sigevent
        }
        else
        {
            var raw = new byte[64];
            if (c.Memory.Read(c.Arg(1), raw) != Errno.None) return Errno.EFAULT;
            ev = new TimerEvent(BitConverter.ToInt32(raw, 12), BitConverter.ToInt32(raw, 8), BitConverter.ToUInt64(raw), BitConverter.ToInt32(raw, 16));
        }
        var id = c.Task.Timers.Create(c.Int(0), ev);
        if (id < 0) return id;
        if (c.Memory.Write(c.Arg(2), BitConverter.GetBytes((int)id)) != Errno.None)
        {
            c.Task.Timers.Delete((int)id);
            return Errno.EFAULT;
        }
        return 0;
    }

    [Syscall(110, "timer_settime", Support.Full, "Relative or TIMER_ABSTIME, periodic or once; a time already past fires at once; missed periods count as overruns.")]
    public static SyscallResult TimerSettime(ISyscallContext c)
    {
        if (c.Arg(2) == 0) return Errno.EINVAL;
        var raw = new byte[32];
        if (c.Memory.Read(c.Arg(2), raw) != Errno.None) return Errno.EFAULT;
        var interval = Time.PairToNs(raw, Nano);
        var value = Time.PairToNs(raw.AsSpan(16), Nano);
        if (interval < 0 || value < 0) return Errno.EINVAL;
        var r = c.Task.Timers.Set(c.Int(0), (c.Int(1) & TimerAbstime) != 0, new TimerSpec(value, interval), out var old);
        if (r < 0 || c.Arg(3) == 0) return r;
        return c.CopyOut(c.Arg(3), Pairs(old, Nano));
    }

    [Syscall(108, "timer_gettime", Support.Full, "The time left and the period.")]
    public static SyscallResult TimerGettime(ISyscallContext c)
    {
        var r = c.Task.Timers.Get(c.Int(0), out var current);
        return r < 0 ? r : c.CopyOut(c.Arg(1), Pairs(current, Nano));
    }

    [Syscall(109, "timer_getoverrun", Support.Full, "The overruns counted up to the last signal's delivery.")]
    public static SyscallResult TimerGetoverrun(ISyscallContext c) => c.Task.Timers.Overrun(c.Int(0));

    [Syscall(111, "timer_delete", Support.Full, "Disarms the timer and drops its pending signal.")]
    public static SyscallResult TimerDelete(ISyscallContext c) => c.Task.Timers.Delete(c.Int(0));

    private const long Micro = 1000, Nano = 1;

    /// <summary>struct itimerval or itimerspec {interval, value} in the given unit (microseconds are rounded up, as Linux reports a running timer).</summary>
    private static byte[] Pairs(TimerSpec spec, long unitNs)
    {
        var b = new byte[32];
        Time.NsToPair(b, spec.IntervalNs, unitNs);
        Time.NsToPair(b.AsSpan(16), spec.ValueNs, unitNs);
        return b;
    }
}
