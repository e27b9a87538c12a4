namespace Kernel.Actors.Vfs;

/// <summary>
/// The readiness notifications of a file (Linux's poll wait queue). A waiter subscribes with the events it cares
/// about; the file calls <see cref="Notify"/> with the events that may have become ready (0: unknown, wake all).
/// Callbacks run on the notifying thread, outside the file's locks, and must not block.
/// The protocol that loses no wake-up: subscribe first, then check <see cref="OpenFile.PollEvents"/>.
/// </summary>
public class WaitQueue
{
    /// <summary>One subscription. <see cref="Callback"/> returns whether it woke a waiter (for exclusive waiters).</summary>
    public sealed class Waiter(int interest, Func<int, bool> callback, bool exclusive)
    {
        public int Interest { get; } = interest;
        public bool Exclusive { get; } = exclusive;
        internal Func<int, bool> Callback { get; } = callback;
    }

    private readonly Lock _gate = new();
    // Non-exclusive waiters first, then exclusive ones in subscription order (as Linux queues them).
    private volatile Waiter[] _waiters = [];

    public bool HasWaiters => _waiters.Length > 0;

    public Waiter Subscribe(int interest, Func<int, bool> callback, bool exclusive = false)
    {
        var w = new Waiter(interest, callback, exclusive);
        lock (_gate)
        {
            var old = _waiters;
            var list = new List<Waiter>(old.Length + 1);
            if (exclusive)
            {
                list.AddRange(old);
                list.Add(w);
            }
            else
            {
                list.Add(w);
                list.AddRange(old);
            }
            _waiters = [.. list];
        }
        OnSubscribed(interest);
        return w;
    }

    public void Unsubscribe(Waiter waiter)
    {
        lock (_gate)
        {
            var old = _waiters;
            var i = Array.IndexOf(old, waiter);
            if (i < 0) return;
            var copy = new Waiter[old.Length - 1];
            Array.Copy(old, copy, i);
            Array.Copy(old, i + 1, copy, i, old.Length - i - 1);
            _waiters = copy;
        }
    }

    /// <summary>
    /// Wakes the waiters interested in <paramref name="events"/>: every non-exclusive one, and exclusive ones in turn
    /// until one reports that it woke somebody (EPOLLEXCLUSIVE).
    /// </summary>
    public void Notify(int events)
    {
        foreach (var w in _waiters)
        {
            if (events != 0 && (events & w.Interest) == 0) continue;
            if (w.Callback(events) && w.Exclusive) break;
        }
    }

    /// <summary>A waiter arrived (host files start watching the host fd for these events).</summary>
    protected virtual void OnSubscribed(int interest) { }
}
