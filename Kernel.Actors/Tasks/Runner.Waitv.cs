using Kernel.Syscalls;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// One futex_waitv call's wait: it sleeps on several words, and the first of them to be woken ends it (with that
/// word's index); a timeout or a signal ends it too. Whoever ends it claims it first, so a later wake of another of
/// its words finds it gone and wakes somebody else.
/// </summary>
public sealed class WaitvGroup(KernelTask task)
{
    private const int Waiting = -2;
    private int _index = Waiting;

    public KernelTask Task { get; } = task;
    /// <summary>Its shared words' entries in the sandbox's table.</summary>
    internal List<SharedFutexes.Waiter> Shared { get; } = [];
    /// <summary>The index of the word that woke it; -1 when a timeout, a signal or an error ended it.</summary>
    public int Index => Volatile.Read(ref _index);
    public bool Ended => Index != Waiting;

    public bool Claim(int index) => Interlocked.CompareExchange(ref _index, index, Waiting) == Waiting;
}

public sealed partial class Runner
{
    /// <summary>The private words futex_waitv callers sleep on (their wakers all run on this thread).</summary>
    private readonly List<(WaitvGroup Group, ulong Address, int Index)> _waitv = [];

    /// <summary>
    /// futex_waitv: every word is checked (alignment, and shared words' pages) before any value, then each value in
    /// order is compared and the word queued; a differing value (EAGAIN) or a fault undoes the queued ones.
    /// </summary>
    internal SyscallResult FutexWaitAny(KernelTask task, IReadOnlyList<WaitvEntry> futexes, TimeSpan? timeout)
    {
        var keys = new (object, long)?[futexes.Count];
        for (var i = 0; i < futexes.Count; i++)
        {
            var e = futexes[i];
            if ((e.Address & 3) != 0) return Errno.EINVAL;
            if (!e.Shared) continue;
            if (ReadWord(e.Address) is null) return Errno.EFAULT;
            keys[i] = SharedFutexes.KeyOf(_process.Mm, e.Address);
        }
        var group = new WaitvGroup(task);
        for (var i = 0; i < futexes.Count; i++)
        {
            var e = futexes[i];
            Errno failed = Errno.None;
            if (keys[i] is { } key)
            {
                var waiter = new SharedFutexes.Waiter(this, task, 0, uint.MaxValue, key) { Group = group, Index = i };
                switch (_sandbox.Futexes.Enqueue(() => ReadWord(e.Address), e.Value, waiter))
                {
                    case null: failed = Errno.EFAULT; break;
                    case false: failed = Errno.EAGAIN; break;
                    default: group.Shared.Add(waiter); break;
                }
            }
            else
            {
                var word = ReadWord(e.Address);
                if (word is null) failed = Errno.EFAULT;
                else if (word != e.Value) failed = Errno.EAGAIN;
                else _waitv.Add((group, e.Address, i));
            }
            if (failed == Errno.None) continue;
            // A word queued before may have been woken meanwhile (by another process): that index is the answer.
            var mine = group.Claim(-1);
            EndWaitv(group, 0);
            return mine ? failed : group.Index;
        }
        ParkOnFutex(task);
        task.Waitv = group;
        AfterTimeout(timeout, () =>
        {
            if (group.Claim(-1)) EndWaitv(group, -(long)Errno.ETIMEDOUT);
        });
        return SyscallResult.Unchanged;
    }

    /// <summary>FUTEX_WAKE of a private word reaches the futex_waitv callers sleeping on it too.</summary>
    private int WakeWaitv(ulong address, int count)
    {
        List<WaitvGroup>? woken = null;
        foreach (var (g, a, index) in _waitv)
        {
            if (woken is not null && woken.Count >= count) break;
            if (a == address && g.Claim(index)) (woken ??= []).Add(g);
        }
        if (woken is null) return 0;
        foreach (var g in woken) EndWaitv(g, g.Index);
        return woken.Count;
    }

    /// <summary>FUTEX_(CMP_)REQUEUE of a private word moves futex_waitv callers' entries on it too.</summary>
    private int RequeueWaitv(ulong from, ulong to, int count)
    {
        var moved = 0;
        for (var i = 0; i < _waitv.Count && moved < count; i++)
        {
            var (g, a, index) = _waitv[i];
            if (a != from || g.Ended) continue;
            _waitv[i] = (g, to, index);
            moved++;
        }
        return moved;
    }

    /// <summary>Takes a futex_waitv call's words out of the queues; if it still sleeps, it runs on with <paramref name="result"/>.</summary>
    internal void EndWaitv(WaitvGroup group, long result)
    {
        _waitv.RemoveAll(e => e.Group == group);
        foreach (var w in group.Shared) _sandbox.Futexes.Remove(w);
        var task = group.Task;
        if (task.Waitv != group || task.State != TaskState.Parked) return;
        task.Waitv = null;
        SetResult(task, result);
        AddRunnable(task);
    }
}
