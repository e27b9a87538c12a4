using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;
using Clock = Kernel.Syscalls.Handlers.Time;

namespace Kernel.Actors.Vfs;

/// <summary>Runs an action once after a delay; the returned action cancels it. (The kernel passes the actor system's scheduler.)</summary>
public delegate Action ScheduleOnce(TimeSpan delay, Action action);

/// <summary>
/// timerfd: a timer on one clock whose expirations are counted. The count is computed from the clock when it is
/// looked at, so reads are exact; a scheduled callback only wakes waiters at the expiry (as Linux's hrtimer does,
/// once per expiry that has not been read).
/// </summary>
public sealed class TimerFdFile : AnonymousFile
{
    public const int AbsoluteTime = 1;       // TFD_TIMER_ABSTIME
    public const int CancelOnSet = 2;        // TFD_TIMER_CANCEL_ON_SET

    private readonly Lock _lock = new();
    private readonly WaitQueue _queue = new();
    private readonly ScheduleOnce _schedule;
    private long _next;       // next expiry in ns on the clock; 0 = disarmed
    private long _interval;   // ns; 0 = one-shot
    private ulong _ticks;     // expirations not yet read
    private Action? _cancel;
    private readonly Func<long> _offset;
    private bool _mightCancel, _canceled;

    /// <summary>
    /// <paramref name="clock"/> is a clock id Time.Now knows; flags may hold TFD_NONBLOCK (O_NONBLOCK);
    /// <paramref name="offset"/> is how far the sandbox has set that clock from the host's.
    /// </summary>
    public TimerFdFile(int clock, int flags, ScheduleOnce schedule, Func<long>? offset = null) : base(O_RDWR | (flags & O_NONBLOCK))
    {
        ClockId = clock;
        _schedule = schedule;
        _offset = offset ?? (() => 0);
    }

    public int ClockId { get; }

    public override WaitQueue Readiness => _queue;

    private long Now => Clock.Now(ClockId)!.Value + _offset();

    /// <summary>The clock was set: a TFD_TIMER_CANCEL_ON_SET timer is canceled (its next read gives ECANCELED). False when it no longer asks for that.</summary>
    public bool ClockWasSet()
    {
        lock (_lock)
        {
            if (!_mightCancel) return false;
            _canceled = true;
        }
        _queue.Notify(Poll.In);
        return true;
    }

    public override int PollEvents()
    {
        lock (_lock)
        {
            Update(Now);
            return _ticks > 0 || _canceled ? Poll.In : 0;
        }
    }

    public override long Read(Span<byte> buffer)
    {
        if (buffer.Length < 8) return Err(Errno.EINVAL);
        ulong ticks;
        lock (_lock)
        {
            var now = Now;
            if (_canceled)
            {
                _canceled = false;
                _ticks = 0;
                return Err(Errno.ECANCELED);
            }
            Update(now);
            if (_ticks == 0) return Err(Errno.EAGAIN);
            ticks = _ticks;
            _ticks = 0;
            Arm(now);
        }
        PutU64(buffer, ticks);
        return 8;
    }

    /// <summary>timerfd_settime: values in ns (validated by the caller); returns the previous setting.</summary>
    public (long Value, long Interval) Set(int flags, long value, long interval)
    {
        lock (_lock)
        {
            var now = Now;
            var old = Current(now);
            _ticks = 0;
            _canceled = false;
            _mightCancel = (flags & (AbsoluteTime | CancelOnSet)) == (AbsoluteTime | CancelOnSet);
            _interval = interval;
            _next = value == 0 ? 0 : (flags & AbsoluteTime) != 0 ? Math.Max(value, 1) : Saturate(now, value);
            Arm(now);
            return old;
        }
    }

    /// <summary>timerfd_gettime: time to the next expiry (0 when disarmed) and the interval, in ns.</summary>
    public (long Value, long Interval) Get()
    {
        lock (_lock) return Current(Now);
    }

    private (long Value, long Interval) Current(long now)
    {
        Update(now);
        return (_next == 0 ? 0 : Math.Max(_next - now, 0), _interval);
    }

    /// <summary>Counts the expirations that have passed and moves a periodic timer to its next one.</summary>
    private void Update(long now)
    {
        if (_next == 0 || now < _next) return;
        if (_interval > 0)
        {
            var n = (now - _next) / _interval + 1;
            _ticks += (ulong)n;
            _next = Saturate(_next, n > long.MaxValue / _interval ? long.MaxValue : n * _interval);
        }
        else
        {
            _ticks++;
            _next = 0;
        }
    }

    /// <summary>Schedules the wake-up for the next expiry (none while an expiry is unread: Linux rearms on read).</summary>
    private void Arm(long now)
    {
        _cancel?.Invoke();
        _cancel = null;
        if (_next == 0 || _ticks > 0) return;
        _cancel = _schedule(TimeSpan.FromTicks(Math.Max(_next - now, 0) / 100 + 1), OnTimer);
    }

    private void OnTimer()
    {
        bool expired;
        lock (_lock)
        {
            _cancel = null;
            var now = Now;
            Update(now);
            expired = _ticks > 0;
            if (!expired) Arm(now); // woken early: wait for the rest
        }
        if (expired) _queue.Notify(Poll.In);
    }

    private static long Saturate(long a, long b) => b > long.MaxValue - a ? long.MaxValue : a + b;

    public override void Release()
    {
        lock (_lock)
        {
            _cancel?.Invoke();
            _cancel = null;
            _next = 0;
        }
    }
}
