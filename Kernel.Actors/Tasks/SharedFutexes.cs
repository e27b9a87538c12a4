using Kernel.Actors.Mm;

namespace Kernel.Actors.Tasks;

/// <summary>
/// Futexes in shared memory (MAP_SHARED mappings, whose pages belong to a tmpfs file: /dev/shm, memfds, shared
/// anonymous memory), keyed by the backing file and offset as Linux keys them by inode and page, so processes
/// that map the same file at different addresses meet on one word. Private futexes stay with their runner.
/// The value check and the enqueue happen under one lock, and so does every wake, so no wake-up is lost between a
/// waiter's check and its sleep (Linux's hash-bucket lock).
/// </summary>
public sealed class SharedFutexes
{
    /// <summary>One sleeping task; <see cref="Wait"/> tells this wait from the task's later ones.</summary>
    public sealed class Waiter(Runner runner, KernelTask task, long wait, uint bitset, (object, long) key)
    {
        public Runner Runner { get; } = runner;
        public KernelTask Task { get; } = task;
        public long Wait { get; } = wait;
        public uint Bitset { get; } = bitset;
        /// <summary>The word it sleeps on (a requeue moves it; changed under the table's lock only).</summary>
        public (object, long) Key { get; internal set; } = key;
        /// <summary>The futex_waitv call this entry is one word of (null for FUTEX_WAIT), and the word's index in it.</summary>
        internal WaitvGroup? Group { get; init; }
        internal int Index { get; init; }
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<(object File, long Offset), List<Waiter>> _queues = new();

    /// <summary>The key of a futex word at <paramref name="address"/>, or null when its memory is not shared.</summary>
    public static (object, long)? KeyOf(AddressSpace mm, ulong address) =>
        mm.Find(address) is { Backing: { } b } ? (b.Pages, b.OffsetAt(address)) : null;

    /// <summary>
    /// Enqueues <paramref name="waiter"/> if the word still holds <paramref name="expected"/>: true when queued,
    /// false for EAGAIN; null when the word cannot be read (EFAULT).
    /// </summary>
    public bool? Enqueue(Func<uint?> read, uint expected, Waiter waiter)
    {
        lock (_lock)
        {
            var value = read();
            if (value is null) return null;
            if (value != expected) return false;
            Add(waiter);
            return true;
        }
    }

    private void Add(Waiter waiter)
    {
        if (!_queues.TryGetValue(waiter.Key, out var queue)) _queues[waiter.Key] = queue = [];
        queue.Add(waiter);
    }

    /// <summary>Whether anybody sleeps on the word (a PI operation on it is EINVAL).</summary>
    public bool HasWaiters((object, long) key)
    {
        lock (_lock) return _queues.ContainsKey(key);
    }

    /// <summary>Takes a waiter out (timeout, exit); false when a wake took it first.</summary>
    public bool Remove(Waiter waiter)
    {
        lock (_lock)
        {
            if (!_queues.TryGetValue(waiter.Key, out var queue) || !queue.Remove(waiter)) return false;
            if (queue.Count == 0) _queues.Remove(waiter.Key);
            return true;
        }
    }

    /// <summary>Wakes up to <paramref name="count"/> waiters whose bitset meets <paramref name="bitset"/>; returns how many.</summary>
    public int Wake((object, long) key, int count, uint bitset) => Requeue(key, key, count, 0, bitset).Woken;

    /// <summary>
    /// Wakes up to <paramref name="wake"/> waiters on <paramref name="from"/> (those whose bitset meets
    /// <paramref name="bitset"/>) and moves up to <paramref name="requeue"/> of the others to <paramref name="to"/>.
    /// </summary>
    public (int Woken, int Moved) Requeue((object, long) from, (object, long) to, int wake, int requeue, uint bitset = uint.MaxValue)
    {
        List<Waiter> woken = [];
        var moved = 0;
        lock (_lock)
        {
            if (!_queues.TryGetValue(from, out var queue)) return (0, 0);
            for (var i = 0; i < queue.Count && (woken.Count < wake || moved < requeue); i++)
            {
                var w = queue[i];
                // A task whose process is going away is dropped, not counted.
                // So is a word of a futex_waitv call that another word, a timeout or a signal ended.
                if (w.Task.State == TaskState.Exited || w.Task.Process.IsExiting || w.Group is { Ended: true })
                {
                    queue.RemoveAt(i--);
                    continue;
                }
                if (woken.Count < wake)
                {
                    if ((w.Bitset & bitset) == 0) continue;
                    queue.RemoveAt(i--);
                    if (w.Group is { } g && !g.Claim(w.Index)) continue;
                    woken.Add(w);
                }
                else if (!Equals(from, to))
                {
                    queue.RemoveAt(i--);
                    w.Key = to;
                    Add(w);
                    moved++;
                }
                else break;
            }
            if (queue.Count == 0) _queues.Remove(from);
        }
        foreach (var w in woken) w.Runner.Post(() => w.Runner.EndSharedFutexWait(w, 0));
        return (woken.Count, moved);
    }
}
