using System.Diagnostics;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>Clocks and sleeps. Reading a clock stays on the task's thread; a sleep is parked on a timer.</summary>
public static partial class Time
{
    public const int ClockRealtime = 0, ClockMonotonic = 1, ClockProcessCputime = 2, ClockThreadCputime = 3,
        ClockMonotonicRaw = 4, ClockRealtimeCoarse = 5, ClockMonotonicCoarse = 6, ClockBoottime = 7;

    private static readonly long StartTimestamp = Stopwatch.GetTimestamp();

    /// <summary>Nanoseconds on <paramref name="clock"/>, or null for an unknown clock (EINVAL).</summary>
    public static long? Now(int clock) => clock switch
    {
        ClockRealtime or ClockRealtimeCoarse => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100,
        ClockMonotonic or ClockMonotonicRaw or ClockMonotonicCoarse or ClockBoottime =>
            (long)(Stopwatch.GetElapsedTime(StartTimestamp).Ticks * 100 + 1_000_000_000L * 1000),
        ClockProcessCputime or ClockThreadCputime => (long)(Environment.CpuUsage.TotalTime.Ticks * 100),
        _ => null,
    };

    private static byte[] Timespec(long ns)
    {
        var b = new byte[16];
        NsToPair(b, ns, 1);
        return b;
    }

    /// <summary>
    /// A {seconds, fraction} pair (a timespec with <paramref name="unitNs"/> 1, a timeval with 1000) in ns; -1 when it
    /// is invalid (negative, or the fraction out of range). Values beyond a few centuries saturate.
    /// </summary>
    internal static long PairToNs(ReadOnlySpan<byte> raw, long unitNs)
    {
        var sec = BitConverter.ToInt64(raw);
        var frac = BitConverter.ToInt64(raw[8..]);
        if (sec < 0 || frac < 0 || frac >= 1_000_000_000 / unitNs) return -1;
        return sec > long.MaxValue / 1_000_000_000 - 1 ? long.MaxValue / 2 : sec * 1_000_000_000 + frac * unitNs;
    }

    /// <summary>Writes <paramref name="ns"/> as a {seconds, fraction} pair, the fraction rounded up to the unit.</summary>
    internal static void NsToPair(Span<byte> destination, long ns, long unitNs)
    {
        var units = (ns + unitNs - 1) / unitNs;
        var perSecond = 1_000_000_000 / unitNs;
        BitConverter.TryWriteBytes(destination, units / perSecond);
        BitConverter.TryWriteBytes(destination[8..], units % perSecond);
    }

    [Syscall(113, "clock_gettime", Support.Full, "REALTIME, MONOTONIC(_RAW/_COARSE), BOOTTIME (with the offsets of the caller's time namespace); PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID and the CPU clocks glibc encodes for a pid or tid count the guest's own CPU time (its code and its syscalls), as times and getrusage do.")]
    public static SyscallResult ClockGettime(ISyscallContext c)
    {
        var ns = TaskNow(c, c.Int(0));
        return ns < 0 ? (Errno)(-ns) : c.CopyOut(c.Arg(1), Timespec(ns));
    }

    /// <summary>A clock as the calling task reads it: CPU clocks are its own; -EINVAL for an unknown clock.</summary>
    internal static long TaskNow(ISyscallContext c, int clock) => clock switch
    {
        ClockProcessCputime or ClockThreadCputime or < 0 => c.Task.Timers.CpuClock(clock),
        ClockRealtime or ClockRealtimeCoarse => Now(clock)!.Value + c.Task.Timers.RealtimeOffsetNs,
        _ => Now(clock) is { } ns ? ns + c.Task.Timers.NamespaceOffsetNs(clock) : -(long)Errno.EINVAL,
    };

    [Syscall(114, "clock_getres", Support.Full, "Fully supported.")]
    public static SyscallResult ClockGetres(ISyscallContext c)
    {
        var clock = c.Int(0);
        if (TaskNow(c, clock) < 0) return Errno.EINVAL;
        if (c.Arg(1) == 0) return 0;
        var res = clock is ClockRealtimeCoarse or ClockMonotonicCoarse ? 4_000_000 : 1;
        return c.CopyOut(c.Arg(1), Timespec(res));
    }

    [Syscall(169, "gettimeofday", Support.Full, "Fully supported.")]
    public static SyscallResult GetTimeOfDay(ISyscallContext c)
    {
        if (c.Arg(0) != 0)
        {
            var ns = TaskNow(c, ClockRealtime);
            var b = new byte[16];
            BitConverter.TryWriteBytes(b, ns / 1_000_000_000);
            BitConverter.TryWriteBytes(b.AsSpan(8), ns % 1_000_000_000 / 1000);
            var r = c.CopyOut(c.Arg(0), b);
            if (r.Value != 0) return r;
        }
        return c.Arg(1) != 0 ? c.CopyOut(c.Arg(1), new byte[8]) : 0;
    }

    /// <summary>Copies in a struct timespec: EFAULT for a bad pointer, EINVAL for a negative or unnormalised value.</summary>
    internal static Errno ReadTimespec(ISyscallContext c, ulong address, out long sec, out long nsec)
    {
        sec = nsec = 0;
        var ts = new byte[16];
        if (c.Memory.Read(address, ts) != Errno.None) return Errno.EFAULT;
        sec = BitConverter.ToInt64(ts);
        nsec = BitConverter.ToInt64(ts, 8);
        return sec < 0 || nsec is < 0 or >= 1_000_000_000 ? Errno.EINVAL : Errno.None;
    }

    internal static TimeSpan Relative(long sec, long nsec) => TimeSpan.FromSeconds(sec) + TimeSpan.FromTicks(nsec / 100);

    /// <summary>Time from now until an absolute time on <paramref name="clock"/> (zero if it has passed).</summary>
    internal static TimeSpan UntilAbsolute(ISyscallContext c, int clock, long sec, long nsec)
    {
        var delta = sec * 1_000_000_000 + nsec - TaskNow(c, clock);
        return delta <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks(delta / 100);
    }

    [Syscall(101, "nanosleep", Support.Full, "Parked on a timer; a handled signal ends it with EINTR and the time left in rem.")]
    public static SyscallResult Nanosleep(ISyscallContext c)
    {
        var e = ReadTimespec(c, c.Arg(0), out var sec, out var nsec);
        if (e != Errno.None) return e;
        return SleepFor(c, Relative(sec, nsec), c.Arg(1));
    }

    /// <summary>
    /// Parks the caller for <paramref name="duration"/>. Interrupted, the time left goes to <paramref name="remaining"/>
    /// (when not 0) and a restart block is left, so that a sleep resumed after a stop waits only for the rest.
    /// </summary>
    private static SyscallResult SleepFor(ISyscallContext c, TimeSpan duration, ulong remaining) =>
        SyscallResult.Send(new Sleep(c.Task, duration), reply =>
        {
            if (reply is not SleepInterrupted si) return reply is Failed f ? f.Errno : 0;
            if (remaining != 0)
            {
                if (c.Memory.Write(remaining, Timespec(si.Remaining.Ticks * 100)) != Errno.None) return Errno.EFAULT;
            }
            var end = Now(ClockMonotonic)!.Value + si.Remaining.Ticks * 100;
            c.Task.Signals.SetRestartBlock(rc => SleepFor(rc, TimeSpan.FromTicks(Math.Max(0, end - Now(ClockMonotonic)!.Value) / 100), remaining));
            return Errno.ERESTART_RESTARTBLOCK;
        });

    [Syscall(115, "clock_nanosleep", Support.Full, "Relative and TIMER_ABSTIME sleeps on every clock, process CPU clocks included (until the process has used that much CPU time; thread CPU clocks give EINVAL, as in Linux); a handled signal ends them with EINTR (and the time left of a relative sleep).")]
    public static SyscallResult ClockNanosleep(ISyscallContext c)
    {
        var clock = c.Int(0);
        var e = ReadTimespec(c, c.Arg(2), out var sec, out var nsec);
        var absolute = (c.Int(1) & 1) != 0;
        var remaining = absolute ? 0 : c.Arg(3); // only a relative sleep reports the time left
        if (clock is ClockProcessCputime or ClockThreadCputime or < 0)
        {
            var now = TaskNow(c, clock);
            if (now < 0) return (Errno)(-now);
            if (e != Errno.None) return e;
            // posix_cpu_nsleep: a thread's clock cannot be slept on; a process's (its own or another's) can.
            if (clock == ClockThreadCputime || (clock < 0 && (clock & CpuClockPerThread) != 0)) return Errno.EINVAL;
            return SleepOnCpuClock(c, clock, (absolute ? 0 : now) + sec * 1_000_000_000 + nsec, remaining);
        }
        if (Now(clock) is null) return Errno.EINVAL;
        if (e != Errno.None) return e;
        return SleepFor(c, absolute ? UntilAbsolute(c, clock, sec, nsec) : Relative(sec, nsec), remaining);
    }

    private const int CpuClockPerThread = 4; // CPUCLOCK_PERTHREAD_MASK

    /// <summary>
    /// Sleeps until CPU clock <paramref name="clock"/> reads <paramref name="targetNs"/>. A process's CPU time advances no
    /// faster than the wall clock (its threads share one vCPU), so the task sleeps for what is left and looks again;
    /// an idle process's clock never gets there, as on Linux.
    /// </summary>
    private static SyscallResult SleepOnCpuClock(ISyscallContext c, int clock, long targetNs, ulong remaining)
    {
        var now = TaskNow(c, clock);
        if (now < 0) return (Errno)(-now);
        if (now >= targetNs) return 0;
        var wait = TimeSpan.FromTicks(Math.Max((targetNs - now) / 100, TimeSpan.TicksPerMillisecond));
        return SyscallResult.Send(new Sleep(c.Task, wait), reply =>
        {
            if (reply is Failed f) return f.Errno;
            if (reply is not SleepInterrupted) return SleepOnCpuClock(c, clock, targetNs, remaining);
            var left = Math.Max(0, targetNs - Math.Max(0, TaskNow(c, clock)));
            if (remaining != 0 && c.Memory.Write(remaining, Timespec(left)) != Errno.None) return Errno.EFAULT;
            c.Task.Signals.SetRestartBlock(rc => SleepOnCpuClock(rc, clock, targetNs, remaining));
            return Errno.ERESTART_RESTARTBLOCK;
        });
    }
}
