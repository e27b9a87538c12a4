using Akka.Actor;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A byte-range lock of fcntl: bytes Start..End inclusive (End = <see cref="long.MaxValue"/>: to the end of any file).
/// A POSIX lock's owner is the fd table of the process that took it; an OFD lock's owner is its open file description.
/// </summary>
public sealed record RecordLock(object Owner, bool Ofd, int Pid, short Type, long Start, long End)
{
    public const short Read = 0, Write = 1, Unlock = 2;

    public bool Overlaps(RecordLock other) => End >= other.Start && other.End >= Start;

    /// <summary>Same owner and type, and the ranges overlap or touch: Linux merges such locks.</summary>
    public bool Touches(RecordLock other) =>
        Overlaps(other) || (End != long.MaxValue && End + 1 == other.Start) || (other.End != long.MaxValue && other.End + 1 == Start);

    /// <summary>Locks of different owners conflict where they overlap and either writes.</summary>
    public bool ConflictsWith(RecordLock held) =>
        !ReferenceEquals(Owner, held.Owner) && Overlaps(held) && (Type == Write || held.Type == Write);
}

/// <summary>
/// Every record (fcntl) and flock lock of a sandbox, keyed by the locked file (its inode, or the pipe). The two kinds
/// are independent, as on Linux. Thread-safe: locks are released from whatever thread closes the last descriptor.
/// A request that must wait is kept with the actor that asked (answered <see cref="Done"/> when granted), never a thread.
/// </summary>
public sealed class FileLocks
{
    /// <summary>What <see cref="SetRecord"/> and <see cref="Flock"/> return when the request was parked.</summary>
    public const long Parked = 1;
    private const int MaxDeadlockSteps = 10; // Linux's MAX_DEADLK_ITERATIONS

    private readonly object _gate = new();
    private readonly Dictionary<object, List<RecordLock>> _records = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<object, List<(OpenFile File, short Type)>> _flocks = new(ReferenceEqualityComparer.Instance);
    private readonly List<Waiter> _waiters = [];
    private readonly List<IActorRef> _granted = [];

    /// <summary>A parked request: a record lock or a flock (<paramref name="FlockFile"/> set), and who waits for it.</summary>
    private sealed record Waiter(object Key, RecordLock? Record, OpenFile? FlockFile, short FlockType, object Process, IActorRef Sender);

    /// <summary>Who waits if a request must: the reply goes to <paramref name="Sender"/>; <paramref name="Process"/> (its fd table) drops it on exit.</summary>
    public sealed record Waiting(IActorRef Sender, object Process);

    public int WaiterCount { get { lock (_gate) return _waiters.Count; } }

    /// <summary>
    /// F_GETLK: the first lock that would block <paramref name="probe"/>, or null. An unlock probe (F_OFD_GETLK with F_UNLCK)
    /// finds instead the first lock of its own owner in the range.
    /// </summary>
    public RecordLock? TestRecord(object key, RecordLock probe)
    {
        lock (_gate)
        {
            if (!_records.TryGetValue(key, out var list)) return null;
            foreach (var held in list)
            {
                if (probe.Type == RecordLock.Unlock ? ReferenceEquals(held.Owner, probe.Owner) && held.Overlaps(probe) : probe.ConflictsWith(held))
                    return held;
            }
            return null;
        }
    }

    /// <summary>
    /// F_SETLK(W): applies <paramref name="request"/> (an unlock always succeeds). On a conflict: -EAGAIN without
    /// <paramref name="wait"/>; with it, -EDEADLK when waiting would close a cycle of POSIX owners, else <see cref="Parked"/>.
    /// </summary>
    public long SetRecord(object key, RecordLock request, Waiting? wait)
    {
        return Run(() =>
        {
            if (request.Type != RecordLock.Unlock && FirstConflict(key, request) is { } blocker)
            {
                if (wait is null) return -(long)Errno.EAGAIN;
                if (!request.Ofd && WouldDeadlock(request, blocker)) return -(long)Errno.EDEADLK;
                _waiters.Add(new Waiter(key, request, null, 0, wait.Process, wait.Sender));
                return Parked;
            }
            Apply(key, request);
            WakeLocked(key);
            return 0;
        });
    }

    /// <summary>flock(2) on <paramref name="file"/>'s description: a conversion drops the old lock first, as Linux does.</summary>
    public long Flock(object key, OpenFile file, short type, Waiting? wait)
    {
        return Run(() =>
        {
            var list = _flocks.TryGetValue(key, out var l) ? l : _flocks[key] = [];
            int mine = list.FindIndex(f => ReferenceEquals(f.File, file));
            if (mine >= 0 && list[mine].Type == type) return 0;
            bool changed = mine >= 0;
            if (changed) list.RemoveAt(mine);
            long result = 0;
            if (type != RecordLock.Unlock)
            {
                if (FlockConflicts(list, file, type))
                {
                    if (wait is null) result = -(long)Errno.EAGAIN;
                    else
                    {
                        _waiters.Add(new Waiter(key, null, file, type, wait.Process, wait.Sender));
                        result = Parked;
                    }
                }
                else
                {
                    list.Add((file, type));
                    file.LockTable = this;
                }
            }
            if (changed) WakeLocked(key);
            return result;
        });
    }

    /// <summary>A process closed a descriptor of the file: its POSIX locks on that file go, whichever descriptor took them.</summary>
    public void ReleasePosix(object key, object process)
    {
        Run(() =>
        {
            if (_records.TryGetValue(key, out var list) && list.RemoveAll(x => !x.Ofd && ReferenceEquals(x.Owner, process)) > 0)
                WakeLocked(key);
            return 0L;
        });
    }

    /// <summary>The last descriptor of an open file description closed: its OFD and flock locks go.</summary>
    public void ReleaseDescription(OpenFile file)
    {
        var key = file.LockKey;
        Run(() =>
        {
            int removed = 0;
            if (_records.TryGetValue(key, out var list)) removed += list.RemoveAll(x => x.Ofd && ReferenceEquals(x.Owner, file));
            if (_flocks.TryGetValue(key, out var fl)) removed += fl.RemoveAll(x => ReferenceEquals(x.File, file));
            if (removed > 0) WakeLocked(key);
            return 0L;
        });
    }

    /// <summary>
    /// Drops the parked request whose reply would go to <paramref name="sender"/> (a signal interrupts the wait, and the
    /// caller answers EINTR itself); false if that request is not waiting here.
    /// </summary>
    public bool CancelWait(IActorRef sender)
    {
        lock (_gate) return _waiters.RemoveAll(w => w.Sender.Equals(sender)) > 0;
    }

    /// <summary>A process ended: its POSIX locks and its parked requests go.</summary>
    public void ReleaseProcess(object process)
    {
        Run(() =>
        {
            _waiters.RemoveAll(w => ReferenceEquals(w.Process, process));
            foreach (var (key, list) in _records.ToList())
                if (list.RemoveAll(x => !x.Ofd && ReferenceEquals(x.Owner, process)) > 0) WakeLocked(key);
            return 0L;
        });
    }

    /// <summary>
    /// Runs <paramref name="body"/> under the table's lock, then answers the requests it granted: a reply may run the
    /// task's continuation right away (a reply sink), which must not happen while the lock is held.
    /// </summary>
    private T Run<T>(Func<T> body)
    {
        T result;
        IActorRef[] granted;
        lock (_gate)
        {
            result = body();
            granted = [.. _granted];
            _granted.Clear();
        }
        foreach (var sender in granted) sender.Tell(new Done(0));
        return result;
    }

    private RecordLock? FirstConflict(object key, RecordLock request)
    {
        if (!_records.TryGetValue(key, out var list)) return null;
        foreach (var held in list)
            if (request.ConflictsWith(held)) return held;
        return null;
    }

    /// <summary>
    /// Linux's deadlock check: follow "the owner of the blocking lock waits for a lock held by ..." through parked
    /// POSIX requests; meeting the requester again means waiting would never end.
    /// </summary>
    private bool WouldDeadlock(RecordLock request, RecordLock blocker)
    {
        var owner = blocker.Owner;
        for (int step = 0; step <= MaxDeadlockSteps; step++)
        {
            var waiter = _waiters.Find(w => w.Record is { Ofd: false } r && ReferenceEquals(r.Owner, owner));
            if (waiter is null) return false;
            var next = FirstConflict(waiter.Key, waiter.Record!);
            if (next is null) return false;
            if (ReferenceEquals(next.Owner, request.Owner)) return true;
            owner = next.Owner;
        }
        return false;
    }

    /// <summary>
    /// Puts <paramref name="request"/> into the owner's locks: pieces of its other locks under the range are cut away
    /// (splitting a lock around it), and locks of the same type that overlap or touch it merge into one.
    /// </summary>
    private void Apply(object key, RecordLock request)
    {
        var list = _records.TryGetValue(key, out var l) ? l : _records[key] = [];
        var result = new List<RecordLock>(list.Count + 2);
        long start = request.Start, end = request.End;
        foreach (var held in list)
        {
            if (!ReferenceEquals(held.Owner, request.Owner)) result.Add(held);
            else if (request.Type != RecordLock.Unlock && held.Type == request.Type && held.Touches(request))
            {
                start = Math.Min(start, held.Start);
                end = Math.Max(end, held.End);
            }
            else if (held.Overlaps(request))
            {
                if (held.Start < request.Start) result.Add(held with { End = request.Start - 1 });
                if (held.End > request.End) result.Add(held with { Start = request.End + 1 });
            }
            else result.Add(held);
        }
        if (request.Type != RecordLock.Unlock)
        {
            // Keep an owner's locks together and sorted by start, as Linux's list is.
            var merged = request with { Start = start, End = end };
            int at = result.FindIndex(x => ReferenceEquals(x.Owner, request.Owner) && x.Start > start);
            if (at < 0)
            {
                int last = result.FindLastIndex(x => ReferenceEquals(x.Owner, request.Owner));
                at = last >= 0 ? last + 1 : result.Count;
            }
            result.Insert(at, merged);
            if (request.Ofd && request.Owner is OpenFile file) file.LockTable = this;
        }
        if (result.Count == 0) _records.Remove(key);
        else _records[key] = result;
    }

    private static bool FlockConflicts(List<(OpenFile File, short Type)> list, OpenFile file, short type) =>
        list.Any(f => !ReferenceEquals(f.File, file) && (f.Type == RecordLock.Write || type == RecordLock.Write));

    /// <summary>Grants, in arrival order, the parked requests on <paramref name="key"/> that no longer conflict.</summary>
    private void WakeLocked(object key)
    {
        for (int i = 0; i < _waiters.Count; i++)
        {
            var w = _waiters[i];
            if (!ReferenceEquals(w.Key, key)) continue;
            if (w.Record is { } record)
            {
                if (FirstConflict(key, record) is not null) continue;
                Apply(key, record);
            }
            else
            {
                var list = _flocks.TryGetValue(key, out var l) ? l : _flocks[key] = [];
                if (FlockConflicts(list, w.FlockFile!, w.FlockType)) continue;
                list.RemoveAll(f => ReferenceEquals(f.File, w.FlockFile));
                list.Add((w.FlockFile!, w.FlockType));
                w.FlockFile!.LockTable = this;
            }
            _waiters.RemoveAt(i--);
            _granted.Add(w.Sender);
        }
    }
}
