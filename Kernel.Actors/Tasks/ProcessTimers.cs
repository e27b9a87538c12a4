using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;

namespace Kernel.Actors.Tasks;

/// <summary>
/// A process's timers: the three interval timers (setitimer) and its POSIX timers (timer_create). Every change
/// and every expiry runs on the process's vCPU thread; a wall-clock timer only asks the host's timer queue to post
/// its expiry there (no thread sleeps per timer), and CPU-time timers are checked as the vCPU accounts CPU time.
/// </summary>
public sealed class ProcessTimers(KernelProcess process) : IDisposable
{
    private const int ItimerReal = 0, ItimerVirtual = 1, ItimerProf = 2;
    private const int ClockRealtimeAlarm = 8, ClockBoottimeAlarm = 9;

    private readonly Dictionary<int, Timer> _posix = new();
    private readonly Timer?[] _itimers = new Timer?[3];
    private int _nextId;
    private int _cpuArmed;

    /// <summary>A CPU-time timer is armed: the vCPU must check it as time passes (and tick even with one thread).</summary>
    public bool CpuArmed => _cpuArmed > 0;

    private sealed class Timer(int id, int clock, TimerEvent ev, KernelTask? clockThread, KernelTask? signalThread, bool kernelSignal)
    {
        public int Id { get; } = id;
        public int Clock { get; } = clock;
        public TimerEvent Event { get; } = ev;
        /// <summary>The thread whose CPU time a THREAD_CPUTIME_ID timer counts.</summary>
        public KernelTask? ClockThread { get; } = clockThread;
        /// <summary>The thread SIGEV_THREAD_ID signals.</summary>
        public KernelTask? SignalThread { get; } = signalThread;
        /// <summary>Interval timers send SI_KERNEL signals; POSIX timers SI_TIMER ones.</summary>
        public bool KernelSignal { get; } = kernelSignal;
        /// <summary>The next expiry on <see cref="Clock"/> in ns; 0 when disarmed.</summary>
        public long Expiry;
        public long Interval;
        public int Overrun, LastOverrun;
        public SigInfo? Queued;
        public TimerThread.Entry? Host;
        public long Generation;
        /// <summary>The real uid a POSIX timer's preallocated siginfo is charged to (RLIMIT_SIGPENDING); null for interval timers.</summary>
        public uint? ChargedUid;
        public bool IsCpu => Clock is Time.ClockProcessCputime or Time.ClockThreadCputime || Clock < 0;
    }

    // ---- clocks ----

    /// <summary>CPU time in ns of a CPU clock id: 2 and 3 for the caller, negative ids for a pid (or a tid with bit 2).</summary>
    internal long CpuNow(KernelTask caller, int clock)
    {
        if (clock == Time.ClockProcessCputime) return ProcessCpu(process, prof: true);
        if (clock == Time.ClockThreadCputime) return ThreadCpu(caller, prof: true);
        if (clock >= 0 || (clock & 3) == 3) return -(long)Errno.EINVAL;
        var id = ~(clock >> 3);
        var prof = (clock & 3) != 1; // CPUCLOCK_VIRT counts user time only
        if ((clock & 4) != 0)
        {
            var thread = id == 0 ? caller : process.Threads.FirstOrDefault(t => t.Tid == id);
            return thread is null ? -(long)Errno.EINVAL : ThreadCpu(thread, prof);
        }
        var target = id == 0 ? process : process.Sandbox.FindProcess(id);
        return target is null ? -(long)Errno.EINVAL : ProcessCpu(target, prof);
    }

    private static long Ns(long ticks) => (long)(ticks * (1e9 / System.Diagnostics.Stopwatch.Frequency));

    private static long ThreadCpu(KernelTask t, bool prof) => Ns(t.LiveUserTicks + (prof ? t.SystemTicks : 0));

    internal static long ProcessCpu(KernelProcess p, bool prof)
    {
        var ticks = p.EndedUserTicks + (prof ? p.EndedSystemTicks : 0);
        foreach (var t in p.Threads) ticks += t.LiveUserTicks + (prof ? t.SystemTicks : 0);
        return Ns(ticks);
    }

    private long Now(Timer t) => t.Clock switch
    {
        Time.ClockProcessCputime => ProcessCpu(process, prof: true),
        Time.ClockThreadCputime => ThreadCpu(t.ClockThread!, prof: true),
        < 0 => ProcessCpu(process, prof: (t.Clock & 3) != 1),
        ClockRealtimeAlarm or Time.ClockRealtime => Time.Now(Time.ClockRealtime)!.Value + Interlocked.Read(ref process.Sandbox.RealtimeOffsetNs),
        ClockBoottimeAlarm => Time.Now(Time.ClockBoottime)!.Value + process.Namespaces.Time.OffsetOf(t.Clock),
        _ => Time.Now(t.Clock)!.Value + process.Namespaces.Time.OffsetOf(t.Clock),
    };

    // ---- POSIX timers ----

    internal long Create(KernelTask caller, int clock, TimerEvent ev)
    {
        switch (clock)
        {
            case Time.ClockRealtime or Time.ClockMonotonic or Time.ClockBoottime or Time.ClockProcessCputime or Time.ClockThreadCputime:
                break;
            case ClockRealtimeAlarm or ClockBoottimeAlarm:
                if (!caller.Settings.Has(Capabilities.WakeAlarm)) return -(long)Errno.EPERM;
                break;
            case Time.ClockMonotonicRaw or Time.ClockRealtimeCoarse or Time.ClockMonotonicCoarse:
                return -(long)Errno.EOPNOTSUPP; // clocks that exist but cannot drive timers
            case < 0:
                // CPU clocks of the caller's own process or threads (another process's are not offered).
                var id = ~(clock >> 3);
                if ((clock & 3) == 3 || (id != 0 && id != process.Pid && ((clock & 4) == 0 || process.Threads.All(t => t.Tid != id))))
                    return -(long)Errno.EINVAL;
                break;
            default:
                return -(long)Errno.EINVAL;
        }
        var notify = ev.Notify;
        if (notify is not (TimerEvent.Signal or TimerEvent.None or TimerEvent.Thread or TimerEvent.ThreadId)) return -(long)Errno.EINVAL;
        if (notify != TimerEvent.None && ev.Signo is < 1 or > Sig.SIGRTMAX) return -(long)Errno.EINVAL;
        KernelTask? signalThread = null;
        if (notify == TimerEvent.ThreadId)
        {
            signalThread = process.Threads.FirstOrDefault(t => t.Tid == ev.Tid);
            if (signalThread is null) return -(long)Errno.EINVAL;
        }
        // Each POSIX timer holds a preallocated siginfo, charged to the caller's real uid (alloc_posix_timer).
        var uid = process.Creds.Uid;
        if (!process.Sandbox.SignalCharges.TryCharge(uid, process.GetLimit(Limits.SigPending).Cur)) return -(long)Errno.EAGAIN;
        var timerId = _nextId++;
        if (ev.ValueIsId) ev = ev with { Value = (ulong)timerId };
        _posix[timerId] = new Timer(timerId, clock, ev, clock == Time.ClockThreadCputime ? caller : null, signalThread, kernelSignal: false)
        {
            ChargedUid = uid,
        };
        return timerId;
    }

    internal long Set(int id, bool absolute, TimerSpec spec, out TimerSpec old)
    {
        old = default;
        if (!_posix.TryGetValue(id, out var t)) return -(long)Errno.EINVAL;
        old = Current(t);
        // A signal still queued from the old setting is dropped (Linux 6.13+ drops signals of re-armed timers).
        if (t.Queued is { } q) process.Runner?.Unqueue(q);
        t.Queued = null;
        Arm(t, spec, absolute);
        return 0;
    }

    internal long Get(int id, out TimerSpec current)
    {
        current = default;
        if (!_posix.TryGetValue(id, out var t)) return -(long)Errno.EINVAL;
        current = Current(t);
        return 0;
    }

    internal long Overrun(int id) => _posix.TryGetValue(id, out var t) ? t.LastOverrun : -(long)Errno.EINVAL;

    internal long Delete(int id)
    {
        if (!_posix.Remove(id, out var t)) return -(long)Errno.EINVAL;
        Discard(t);
        if (t.Queued is { } q) process.Runner?.Unqueue(q);
        return 0;
    }

    // ---- interval timers ----

    internal long SetInterval(int which, TimerSpec spec, out TimerSpec old)
    {
        old = default;
        if (which is < ItimerReal or > ItimerProf) return -(long)Errno.EINVAL;
        var t = _itimers[which] ??= new Timer(-1 - which, which switch
        {
            ItimerReal => Time.ClockMonotonic,
            ItimerVirtual => ~0 << 3 | 1, // this process's CPUCLOCK_VIRT
            _ => ~0 << 3,                 // CPUCLOCK_PROF
        }, new TimerEvent(TimerEvent.Signal, which switch { ItimerReal => Sig.SIGALRM, ItimerVirtual => Sig.SIGVTALRM, _ => Sig.SIGPROF }, 0, 0), null, null, kernelSignal: true);
        old = Current(t);
        Arm(t, spec, absolute: false);
        return 0;
    }

    internal long GetInterval(int which, out TimerSpec current)
    {
        current = default;
        if (which is < ItimerReal or > ItimerProf) return -(long)Errno.EINVAL;
        current = _itimers[which] is { } t ? Current(t) : default;
        return 0;
    }

    // ---- arming and expiry ----

    private TimerSpec Current(Timer t) => t.Expiry == 0 ? new TimerSpec(0, t.Interval) : new TimerSpec(Math.Max(t.Expiry - Now(t), 1), t.Interval);

    private void Arm(Timer t, TimerSpec spec, bool absolute)
    {
        Disarm(t);
        t.Interval = spec.IntervalNs;
        if (spec.ValueNs == 0) return;
        t.Expiry = absolute ? spec.ValueNs : Now(t) + spec.ValueNs;
        if (t.Expiry <= 0) t.Expiry = 1;
        if (t.IsCpu)
        {
            _cpuArmed++;
            CheckCpu();
        }
        else
        {
            Schedule(t);
        }
    }

    private void Disarm(Timer t)
    {
        if (t.Expiry != 0 && t.IsCpu) _cpuArmed--;
        t.Expiry = 0;
        t.Generation++;
        t.Host?.Cancel();
        t.Host = null;
    }

    /// <summary>Asks the host's timer queue to post the expiry to the vCPU thread (never early: re-checked there).</summary>
    private void Schedule(Timer t)
    {
        var delayNs = Math.Clamp(t.Expiry - Now(t), 0, 86_400_000_000_000L); // a longer wait is re-checked daily
        var generation = t.Generation;
        t.Host?.Cancel();
        t.Host = process.Sandbox.TimerThread.Schedule(TimeSpan.FromTicks(delayNs / 100), () =>
        {
            var runner = process.Runner;
            runner?.Post(() => Expired(t, generation));
        });
    }

    private void Expired(Timer t, long generation)
    {
        if (t.Generation != generation || t.Expiry == 0) return;
        var now = Now(t);
        if (now < t.Expiry)
        {
            Schedule(t); // the host timer came a little early
            return;
        }
        Fire(t, now);
        if (t.Expiry != 0) Schedule(t);
    }

    /// <summary>The vCPU accounted CPU time: CPU-time timers that have run out fire.</summary>
    internal void CheckCpu()
    {
        if (_cpuArmed == 0) return;
        foreach (var t in _itimers.Concat(_posix.Values).ToList())
        {
            if (t is null || !t.IsCpu || t.Expiry == 0) continue;
            var now = Now(t);
            if (now < t.Expiry) continue;
            var wasArmed = t.Expiry != 0;
            Fire(t, now);
            if (wasArmed && t.Expiry == 0) _cpuArmed--;
        }
    }

    /// <summary>One expiry: the next one is set (missed periods count as overruns) and the signal sent, unless still pending.</summary>
    private void Fire(Timer t, long now)
    {
        if (t.Interval > 0)
        {
            var missed = (now - t.Expiry) / t.Interval;
            t.Overrun += (int)Math.Min(missed, int.MaxValue - t.Overrun);
            t.Expiry += (missed + 1) * t.Interval;
        }
        else
        {
            t.Expiry = 0;
            t.Generation++;
        }
        if (t.Event.Notify == TimerEvent.None) return;
        var runner = process.Runner;
        if (runner is null) return;
        if (t.Queued is { } q && runner.IsQueued(q))
        {
            if (t.Overrun < int.MaxValue) t.Overrun++; // one signal per timer at a time; the rest are overruns
            return;
        }
        var info = t.KernelSignal
            ? SigInfo.Kernel(t.Event.Signo)
            : new SigInfo(t.Event.Signo, SigInfo.SiTimer) { TimerId = t.Id, Value = t.Event.Value };
        t.Queued = info;
        var thread = t.Event.Notify == TimerEvent.ThreadId ? t.SignalThread : null;
        runner.Queue(info, thread is { State: not TaskState.Exited } ? thread : null, SignalCharge.Preallocated);
    }

    /// <summary>A timer's signal left its queue: it reports the overruns counted until now, and the count starts again.</summary>
    internal SigInfo Dequeued(SigInfo info)
    {
        if (!_posix.TryGetValue(info.TimerId, out var t) || !ReferenceEquals(t.Queued, info)) return info;
        t.Queued = null;
        t.LastOverrun = t.Overrun;
        t.Overrun = 0;
        return info with { Overrun = t.LastOverrun };
    }

    /// <summary>exec: POSIX timers go; interval timers stay armed (as Linux keeps them).</summary>
    internal void OnExec()
    {
        foreach (var t in _posix.Values) Discard(t);
        _posix.Clear();
    }

    /// <summary>A POSIX timer goes: disarmed, and its preallocated siginfo's charge released.</summary>
    private void Discard(Timer t)
    {
        Disarm(t);
        if (t.ChargedUid is { } uid) process.Sandbox.SignalCharges.Release(uid);
        t.ChargedUid = null;
    }

    public void Dispose()
    {
        foreach (var t in _posix.Values) Discard(t);
        foreach (var t in _itimers) if (t is not null) Disarm(t);
        _posix.Clear();
    }
}

/// <summary>The timer calls as one task sees them (THREAD_CPUTIME_ID is the caller's).</summary>
internal sealed class TaskTimers(KernelTask task) : ITaskTimers
{
    private ProcessTimers Timers => task.Process.Timers;

    public long CpuClock(int clock) => Timers.CpuNow(task, clock);
    public long Create(int clock, TimerEvent ev) => Timers.Create(task, clock, ev);
    public long Set(int id, bool absolute, TimerSpec spec, out TimerSpec old) => Timers.Set(id, absolute, spec, out old);
    public long Get(int id, out TimerSpec current) => Timers.Get(id, out current);
    public long Overrun(int id) => Timers.Overrun(id);
    public long Delete(int id) => Timers.Delete(id);
    public long SetInterval(int which, TimerSpec spec, out TimerSpec old) => Timers.SetInterval(which, spec, out old);
    public long GetInterval(int which, out TimerSpec current) => Timers.GetInterval(which, out current);

    public long NamespaceOffsetNs(int clock) => task.Process.Namespaces.Time.OffsetOf(clock);

    public long RealtimeOffsetNs
    {
        get => Interlocked.Read(ref task.Process.Sandbox.RealtimeOffsetNs);
        set
        {
            Interlocked.Exchange(ref task.Process.Sandbox.RealtimeOffsetNs, value);
            task.Process.Sandbox.ClockWasSet();
        }
    }
}
