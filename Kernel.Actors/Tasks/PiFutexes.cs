using System.Runtime.InteropServices;
using Kernel.Actors.Mm;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// Priority-inheritance futexes (Linux's kernel/futex/pi.c), private and shared, in one table per sandbox. The word
/// holds the owner's TID with FUTEX_WAITERS and FUTEX_OWNER_DIED; while a lock has waiters the table keeps its state
/// (the owner and the waiters in priority, then arrival, order) and the unlock hands the lock straight to the first
/// waiter. Every kernel-side change of a word and of the state happens under one lock; the guest's own atomics
/// race only with the compare-and-swaps here, which retry as Linux's do. Private words are keyed by address space
/// and address, shared ones by file and offset as <see cref="SharedFutexes"/> keys them.
/// </summary>
public sealed class PiFutexes
{
    public const uint Waiters = 0x80000000, OwnerDied = 0x40000000, TidMask = 0x3fffffff;
    /// <summary>What <see cref="Lock"/> and <see cref="WaitOnWord"/> return when the caller must sleep.</summary>
    public const long Queued = 1;
    private const int MaxLockDepth = 1024; // max_lock_depth: a longer chain of owners counts as a deadlock
    private const int RetryLimit = 10_000; // a guest that keeps changing the word gets EAGAIN instead of a kernel spin

    /// <summary>Where a waiter stands: waiting for the lock (LOCK_PI), on the plain word (WAIT_REQUEUE_PI), or requeued onto the lock.</summary>
    public enum Phase { Lock, Word, Requeued }

    /// <summary>One sleeping task; <see cref="Wait"/> tells this wait from the task's later ones.</summary>
    public sealed class Waiter(Runner runner, KernelTask task, long wait, (object, long) key, ulong address)
    {
        public Runner Runner { get; } = runner;
        public KernelTask Task { get; } = task;
        public long Wait { get; } = wait;
        /// <summary>SCHED_FIFO/RR priority (higher first); every other policy ranks 0 and waits in arrival order.</summary>
        public int Priority { get; } = task.Settings.RealTimePriority;
        /// <summary>The word it waits on, and its address in the waiter's address space (a requeue moves both).</summary>
        public (object, long) Key { get; internal set; } = key;
        public ulong Address { get; internal set; } = address;
        public Phase Phase { get; internal set; }
        /// <summary>WAIT_REQUEUE_PI's PI futex (uaddr2).</summary>
        public (object, long) TargetKey { get; init; }
        public ulong TargetAddress { get; init; }
    }

    private sealed class Futex
    {
        /// <summary>Whether the PI state exists: while it has waiters (and inside one operation that builds it).</summary>
        public bool HasState;
        public KernelTask? Owner;
        public readonly List<Waiter> Lockers = [];
        public readonly List<Waiter> OnWord = [];
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<(object, long), Futex> _futexes = new();
    private readonly Dictionary<KernelTask, Futex> _blockedOn = new(); // for the deadlock walk along the owners
    private volatile int _count; // words with waiters: plain wakes look here only while there are some

    /// <summary>Whether anybody sleeps on a PI futex or in WAIT_REQUEUE_PI (cheap: plain wakes ask first).</summary>
    public bool InUse => _count > 0;

    /// <summary>Whether waiters of the PI kind sleep on this word (a plain wake or requeue of it is EINVAL).</summary>
    public bool HasWaiters((object, long) key)
    {
        lock (_lock) return _futexes.ContainsKey(key);
    }

    /// <summary>
    /// FUTEX_LOCK_PI(2) and FUTEX_TRYLOCK_PI: 0 when the caller now owns the word, <see cref="Queued"/> when
    /// <paramref name="waiter"/> sleeps until the lock is handed to it, else -errno.
    /// </summary>
    public long Lock(AddressSpace mm, ulong address, Waiter waiter, bool trylock, Func<ulong, bool> plainWaiters)
    {
        lock (_lock)
        {
            var r = LockAtomic(mm, address, waiter.Key, waiter.Task, setWaiters: false, plainWaiters, out var state);
            if (r != 0) return r == 1 ? 0 : r;
            var f = state!;
            if (trylock || WouldDeadlock(f, waiter.Task))
            {
                Tidy(waiter.Key, f);
                return trylock ? -(long)Errno.EAGAIN : -(long)Errno.EDEADLK;
            }
            waiter.Phase = Phase.Lock;
            Enqueue(f, waiter);
            return Queued;
        }
    }

    /// <summary>FUTEX_UNLOCK_PI: the caller must own the word; the first waiter gets the lock.</summary>
    public long Unlock(AddressSpace mm, ulong address, (object, long) key, KernelTask task, Func<ulong, bool> plainWaiters)
    {
        lock (_lock)
        {
            for (var attempt = 0; attempt < RetryLimit; attempt++)
            {
                if (mm.GetSpan(address, 4, write: false, out var read) != Errno.None) return -(long)Errno.EFAULT;
                var uval = Volatile.Read(ref Word(read));
                if ((uval & TidMask) != (uint)task.Tid) return -(long)Errno.EPERM;
                if (mm.GetSpan(address, 4, write: true, out var span) != Errno.None) return -(long)Errno.EFAULT;
                ref var cell = ref Word(span);
                _futexes.TryGetValue(key, out var f);
                if (f is { HasState: true })
                {
                    if (f.Owner != task) return -(long)Errno.EINVAL; // the word says we own it, the state disagrees
                    if (Top(f) is { } top)
                    {
                        // wake_futex_pi: FUTEX_WAITERS stays set while PI state exists, OWNER_DIED goes.
                        var cur = Interlocked.CompareExchange(ref cell, Waiters | (uint)top.Task.Tid, uval);
                        if (cur != uval)
                        {
                            if ((cur & TidMask) == uval) continue; // a waiter set FUTEX_WAITERS meanwhile
                            return -(long)Errno.EINVAL;
                        }
                        HandOff(f, top);
                        Tidy(key, f);
                        return 0;
                    }
                    Tidy(key, f);
                }
                else if (f is not null || plainWaiters(address)) return -(long)Errno.EINVAL; // non-PI waiters on it
                // No waiters in the kernel: the word becomes 0, neither FUTEX_WAITERS nor OWNER_DIED kept.
                return Interlocked.CompareExchange(ref cell, 0, uval) == uval ? 0 : -(long)Errno.EAGAIN;
            }
            return -(long)Errno.EAGAIN;
        }
    }

    /// <summary>FUTEX_WAIT_REQUEUE_PI: <paramref name="waiter"/> sleeps on the plain word if it still holds <paramref name="expected"/>.</summary>
    public long WaitOnWord(AddressSpace mm, ulong address, uint expected, Waiter waiter)
    {
        lock (_lock)
        {
            if (mm.GetSpan(address, 4, write: false, out var span) != Errno.None) return -(long)Errno.EFAULT;
            if (Volatile.Read(ref Word(span)) != expected) return -(long)Errno.EAGAIN;
            waiter.Phase = Phase.Word;
            Insert(Entry(waiter.Key).OnWord, waiter);
            return Queued;
        }
    }

    /// <summary>
    /// FUTEX_CMP_REQUEUE_PI (nr_wake is 1): if the plain word at <paramref name="from"/> holds <paramref name="expected"/>, its first
    /// waiter takes the PI futex at <paramref name="to"/> if it is free (and wakes), and up to <paramref name="requeue"/> others (one
    /// more if it was not free) move to wait for that lock. Returns how many were woken or moved, or -errno.
    /// </summary>
    public long Requeue(AddressSpace mm, ulong from, (object, long) fromKey, ulong to, (object, long) toKey, int requeue, uint expected,
        Func<ulong, bool> plainWaiters)
    {
        lock (_lock)
        {
            if (mm.GetSpan(from, 4, write: false, out var span) != Errno.None) return -(long)Errno.EFAULT;
            if (Volatile.Read(ref Word(span)) != expected) return -(long)Errno.EAGAIN;
            if (plainWaiters(from)) return -(long)Errno.EINVAL; // a FUTEX_WAIT waiter cannot be requeued to a PI futex
            if (!_futexes.TryGetValue(fromKey, out var f1) || f1.OnWord.Count == 0)
                return f1 is { Lockers.Count: > 0 } ? -(long)Errno.EINVAL : 0;
            var top = f1.OnWord[0];
            if (!Equals(top.TargetKey, toKey)) return -(long)Errno.EINVAL;
            // futex_proxy_trylock_atomic: take the PI futex for the first waiter; FUTEX_WAITERS is forced when others follow.
            var r = LockAtomic(mm, to, toKey, top.Task, setWaiters: requeue != 0, plainWaiters, out var state);
            if (r < 0) return r;
            var count = 0;
            if (r == 1)
            {
                f1.OnWord.Remove(top);
                MoveTo(top, toKey);
                Wake(top, 0);
                count = 1;
            }
            long result = 0;
            foreach (var w in f1.OnWord.ToArray())
            {
                if (count - 1 >= requeue || state is null) break;
                if (!Equals(w.TargetKey, toKey))
                {
                    result = -(long)Errno.EINVAL;
                    break;
                }
                if (WouldDeadlock(state, w.Task))
                {
                    result = -(long)Errno.EDEADLK;
                    break;
                }
                f1.OnWord.Remove(w);
                MoveTo(w, toKey);
                w.Phase = Phase.Requeued;
                Enqueue(state, w);
                count++;
            }
            Tidy(fromKey, f1);
            if (state is not null) Tidy(toKey, state);
            return result < 0 ? result : count;
        }
    }

    /// <summary>Takes a waiter out (timeout, signal, exit): the phase it was in, or null when the lock or a wake reached it first.</summary>
    public Phase? Remove(Waiter waiter)
    {
        lock (_lock)
        {
            if (!_futexes.TryGetValue(waiter.Key, out var f)) return null;
            if (!(waiter.Phase == Phase.Word ? f.OnWord.Remove(waiter) : f.Lockers.Remove(waiter))) return null;
            if (waiter.Phase != Phase.Word) _blockedOn.Remove(waiter.Task);
            Tidy(waiter.Key, f);
            return waiter.Phase;
        }
    }

    /// <summary>
    /// exit_pi_state_list: a thread that ends (or execs) while owning PI futexes with waiters hands each to its first
    /// waiter, whose word then says FUTEX_OWNER_DIED (the robust list, walked before, marked the rest).
    /// </summary>
    public void ReleaseOwned(KernelTask task)
    {
        if (_count == 0) return;
        lock (_lock)
        {
            foreach (var (key, f) in _futexes.ToArray())
            {
                if (!f.HasState || f.Owner != task) continue;
                f.Owner = null;
                if (Top(f) is { } top)
                {
                    // fixup_pi_state_owner with no owner left: the new owner's TID, FUTEX_WAITERS and FUTEX_OWNER_DIED.
                    if (top.Task.Process.Mm.GetSpan(top.Address, 4, write: true, out var span) == Errno.None)
                        Interlocked.Exchange(ref Word(span), Waiters | OwnerDied | (uint)top.Task.Tid);
                    HandOff(f, top);
                }
                Tidy(key, f);
            }
        }
    }

    /// <summary>
    /// futex_lock_pi_atomic for <paramref name="task"/>: 1 when it took the free word, 0 when <paramref name="state"/> is the
    /// lock's state (attached to its owner) to wait on, else -errno. A changed word is read again.
    /// </summary>
    private long LockAtomic(AddressSpace mm, ulong address, (object, long) key, KernelTask task, bool setWaiters,
        Func<ulong, bool> plainWaiters, out Futex? state)
    {
        state = null;
        for (var attempt = 0; attempt < RetryLimit; attempt++)
        {
            if (mm.GetSpan(address, 4, write: true, out var span) != Errno.None) return -(long)Errno.EFAULT;
            ref var cell = ref Word(span);
            var uval = Volatile.Read(ref cell);
            if ((uval & TidMask) == (uint)task.Tid) return -(long)Errno.EDEADLK;
            if (_futexes.TryGetValue(key, out var f) && f.HasState)
            {
                if (!Consistent(f, uval)) return -(long)Errno.EINVAL;
                state = f;
                return 0;
            }
            // The first waiter in the kernel is not a PI one (FUTEX_WAIT, WAIT_REQUEUE_PI): user space mixed them up.
            if (f is not null || plainWaiters(address)) return -(long)Errno.EINVAL;
            if ((uval & TidMask) == 0)
            {
                // Free (perhaps with OWNER_DIED, which is kept for the new owner to see).
                var taken = (uval & OwnerDied) | (uint)task.Tid | (setWaiters ? Waiters : 0);
                if (Interlocked.CompareExchange(ref cell, taken, uval) != uval) continue;
                if (setWaiters) state = Attach(key, task);
                return 1;
            }
            // The first waiter sets FUTEX_WAITERS, so the owner's unlock comes to the kernel, then finds the owner.
            var contended = uval | Waiters;
            if (Interlocked.CompareExchange(ref cell, contended, uval) != uval) continue;
            var owner = FindTask(task.Process.Sandbox, (int)(uval & TidMask));
            if (owner is null)
            {
                // handle_exit_race: the owner is gone; a changed word is tried again, else it died without cleanup.
                if (Volatile.Read(ref cell) != contended) continue;
                return -(long)Errno.ESRCH;
            }
            state = Attach(key, owner);
            return 0;
        }
        return -(long)Errno.EAGAIN;
    }

    /// <summary>attach_to_pi_state's checks: the word must name the state's owner (or no one, after an owner died).</summary>
    private static bool Consistent(Futex f, uint uval)
    {
        var pid = uval & TidMask;
        if ((uval & OwnerDied) != 0)
        {
            if (f.Owner is null) return pid == 0;
            if (pid == 0) return true;
        }
        else if (f.Owner is null) return false;
        return pid == (uint)f.Owner.Tid;
    }

    private static KernelTask? FindTask(Sandbox sandbox, int tid)
    {
        if (tid == 0) return null;
        var task = sandbox.FindThread(tid)?.Threads.FirstOrDefault(t => t.Tid == tid);
        // A thread that has begun to exit has released (or is about to release, after us under this lock) its PI futexes.
        return task is { State: not TaskState.Exited } ? task : null;
    }

    private Futex Entry((object, long) key)
    {
        if (!_futexes.TryGetValue(key, out var f))
        {
            _futexes[key] = f = new Futex();
            _count = _futexes.Count;
        }
        return f;
    }

    private Futex Attach((object, long) key, KernelTask owner)
    {
        var f = Entry(key);
        f.HasState = true;
        f.Owner = owner;
        return f;
    }

    /// <summary>The PI state goes with its last waiter, and the entry when nobody waits on the word at all.</summary>
    private void Tidy((object, long) key, Futex f)
    {
        if (f.Lockers.Count == 0)
        {
            f.HasState = false;
            f.Owner = null;
        }
        if (f.Lockers.Count == 0 && f.OnWord.Count == 0 && _futexes.Remove(key)) _count = _futexes.Count;
    }

    private void Enqueue(Futex f, Waiter w)
    {
        Insert(f.Lockers, w);
        _blockedOn[w.Task] = f;
    }

    /// <summary>Priority order, arrival order among equals (the rt_mutex's and the futex hash queue's order).</summary>
    private static void Insert(List<Waiter> list, Waiter w)
    {
        var at = list.Count;
        while (at > 0 && list[at - 1].Priority < w.Priority) at--;
        list.Insert(at, w);
    }

    /// <summary>
    /// Priority inheritance: the real-time priority <paramref name="task"/> runs at, its own (0 if it is not a
    /// real-time thread) or the highest of the threads waiting for PI futexes it owns, through chains of owners.
    /// </summary>
    public int EffectivePriority(KernelTask task)
    {
        var own = task.Settings.RealTimePriority;
        if (!InUse) return own;
        lock (_lock) return Boosted(task, own, 0);
    }

    private int Boosted(KernelTask task, int own, int depth)
    {
        if (depth > MaxLockDepth) return own;
        var best = own;
        foreach (var f in _futexes.Values)
        {
            if (f.Owner != task) continue;
            foreach (var w in f.Lockers) best = Math.Max(best, Boosted(w.Task, w.Task.Settings.RealTimePriority, depth + 1));
        }
        return best;
    }

    /// <summary>rt_mutex deadlock detection: does the chain of owners from <paramref name="f"/> lead back to <paramref name="waiter"/>?</summary>
    private bool WouldDeadlock(Futex f, KernelTask waiter)
    {
        var owner = f.Owner;
        for (var depth = 0; owner is not null; depth++)
        {
            if (owner == waiter || depth > MaxLockDepth) return true;
            owner = _blockedOn.TryGetValue(owner, out var next) ? next.Owner : null;
        }
        return false;
    }

    /// <summary>The first waiter still alive; waiters of a dying process are dropped (their exit takes them out).</summary>
    private Waiter? Top(Futex f)
    {
        while (f.Lockers.Count > 0)
        {
            var w = f.Lockers[0];
            if (w.Task.State != TaskState.Exited && !w.Task.Process.IsExiting) return w;
            f.Lockers.RemoveAt(0);
            _blockedOn.Remove(w.Task);
        }
        return null;
    }

    private void HandOff(Futex f, Waiter top)
    {
        f.Lockers.Remove(top);
        _blockedOn.Remove(top.Task);
        f.Owner = top.Task;
        Wake(top, 0);
    }

    private static void MoveTo(Waiter w, (object, long) key)
    {
        w.Key = key;
        w.Address = w.TargetAddress;
    }

    private static void Wake(Waiter w, long result) => w.Runner.Post(() => w.Runner.EndPiWait(w, result));

    private static ref uint Word(Span<byte> span) => ref MemoryMarshal.Cast<byte, uint>(span)[0];
}
