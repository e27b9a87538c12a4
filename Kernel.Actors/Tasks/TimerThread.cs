using System.Diagnostics;

namespace Kernel.Actors.Tasks;

/// <summary>
/// One thread per sandbox that fires every wall-clock timer of its processes (interval and POSIX timers): a heap
/// ordered by due time, so thousands of timers cost one sleeping thread. A firing only posts the expiry to the
/// process's vCPU thread; nothing guest-visible runs here. (The host's pooled timers added milliseconds of lateness
/// per expiry on a busy machine: a 1 kHz timer ran at a quarter of its rate.)
/// </summary>
public sealed class TimerThread
{
    /// <summary>A scheduled firing; <see cref="Cancel"/> makes it never fire.</summary>
    public sealed class Entry(long due, Action fire)
    {
        internal long Due { get; } = due;
        internal Action Fire { get; } = fire;
        internal volatile bool Cancelled;
        public void Cancel() => Cancelled = true;
    }

    private readonly PriorityQueue<Entry, long> _heap = new();
    private readonly object _lock = new(); // Monitor: the thread waits on it
    private Thread? _thread;

    /// <summary>Fires <paramref name="fire"/> (on the timer thread: it must only post) after <paramref name="delay"/>.</summary>
    public Entry Schedule(TimeSpan delay, Action fire)
    {
        var entry = new Entry(Stopwatch.GetTimestamp() + (long)(delay.TotalSeconds * Stopwatch.Frequency), fire);
        lock (_lock)
        {
            _heap.Enqueue(entry, entry.Due);
            if (_thread is null)
            {
                _thread = new Thread(Loop) { IsBackground = true, Name = "kernel-timers" };
                _thread.Start();
            }
            else if (_heap.Peek() == entry)
            {
                Monitor.Pulse(_lock); // the new entry is the earliest: the thread must wake sooner
            }
        }
        return entry;
    }

    private void Loop()
    {
        var due = new List<Entry>();
        while (true)
        {
            lock (_lock)
            {
                while (true)
                {
                    while (_heap.TryPeek(out var e, out _) && e.Cancelled) _heap.Dequeue();
                    if (_heap.Count == 0)
                    {
                        Monitor.Wait(_lock);
                        continue;
                    }
                    var wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _heap.Peek().Due);
                    if (wait <= TimeSpan.Zero) break;
                    Monitor.Wait(_lock, wait);
                }
                var now = Stopwatch.GetTimestamp();
                while (_heap.TryPeek(out var e, out var at) && at <= now)
                {
                    _heap.Dequeue();
                    if (!e.Cancelled) due.Add(e);
                }
            }
            foreach (var e in due)
            {
                try
                {
                    e.Fire();
                }
                catch (Exception)
                {
                    // A firing only posts to a vCPU; a process that is gone has nobody to tell.
                }
            }
            due.Clear();
        }
    }
}
