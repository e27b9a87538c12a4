using System.Runtime.CompilerServices;
using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors.Ipc;

/// <summary>
/// The System V objects and limits of one IPC namespace (Linux's ipc_namespace): queues, semaphore sets and
/// segments, and the sysctls of /proc/sys/kernel that belong to it.
/// </summary>
public sealed class IpcObjects
{
    public const ulong ShmDefaultMax = ulong.MaxValue - (1UL << 24);

    public IpcIds<MsgQueue> Queues { get; } = new();
    public IpcIds<SemSet> Sets { get; } = new();
    public IpcIds<ShmSegment> Segments { get; } = new();

    public int MsgMax { get; set; } = 8192;
    public int MsgMnb { get; set; } = 16384;
    public int MsgMni { get; set; } = 32000;
    /// <summary>kernel.sem: SEMMSL, SEMMNS, SEMOPM, SEMMNI.</summary>
    public int SemMsl { get; set; } = 32000;
    public int SemMns { get; set; } = 1024000000;
    public int SemOpm { get; set; } = 500;
    public int SemMni { get; set; } = 32000;
    public ulong ShmMax { get; set; } = ShmDefaultMax;
    public ulong ShmAll { get; set; } = ShmDefaultMax;
    public int ShmMni { get; set; } = 4096;

    /// <summary>Semaphores in all sets (used_sems), pages in all segments (shm_tot), messages and their bytes queued.</summary>
    public long UsedSems { get; set; }
    public ulong ShmPages { get; set; }
    public long Messages { get; set; }
    public long MessageBytes { get; set; }
}

/// <summary>
/// Everything the Ipc actor keeps, owned by the sandbox so that a restart of the actor loses nothing: the objects
/// of each IPC namespace and the calls parked on them. One lock guards it all: the actor holds it around every
/// message, and the few other threads that touch it (an exiting task's SEM_UNDO, shmat in the MM actor, /proc)
/// take it too.
/// </summary>
public sealed class IpcState
{
    private readonly ConditionalWeakTable<IpcNamespace, IpcObjects> _namespaces = new();

    public Lock Lock { get; } = new();

    /// <summary>Where segments' pages live (unlinked files; not counted against any size= limit, as Linux's shm_mnt).</summary>
    public static Vfs.Tmpfs SegmentFs { get; } = new("tmpfs");

    private readonly ConditionalWeakTable<Vfs.TmpRegular, ShmSegment> _segments = new();

    /// <summary>The segment whose pages are <paramref name="pages"/> (what shmdt finds through the mapping).</summary>
    public ShmSegment? SegmentOf(Vfs.TmpRegular pages) => _segments.TryGetValue(pages, out var s) ? s : null;

    public void AddSegment(ShmSegment s) => _segments.AddOrUpdate(s.Pages, s);

    /// <summary>The calls parked on a queue or a set, by their request (a signal names the request it interrupts).</summary>
    public Dictionary<KernelRequest, IpcWait> Waits { get; } = new(ReferenceEqualityComparer.Instance);

    // Which undo lists hold adjustments for a set (SETVAL and removal reach them; Linux keeps the set's list_id).
    private readonly Dictionary<SemSet, HashSet<SemUndoList>> _undo = new(ReferenceEqualityComparer.Instance);

    /// <summary>Records <paramref name="list"/>'s adjustments of <paramref name="set"/>.</summary>
    public void SetUndo(SemSet set, SemUndoList list, short[] adjustments)
    {
        list.Adjustments[set] = adjustments;
        if (!_undo.TryGetValue(set, out var lists)) _undo[set] = lists = new(ReferenceEqualityComparer.Instance);
        lists.Add(list);
    }

    /// <summary>Every task's adjustments of <paramref name="set"/>.</summary>
    public IEnumerable<short[]> UndoOf(SemSet set) =>
        _undo.TryGetValue(set, out var lists) ? lists.Select(l => l.Adjustments[set]) : [];

    /// <summary>Drops the adjustments of <paramref name="set"/>: of one list, or of all (the set was removed).</summary>
    public void ForgetUndo(SemSet set, SemUndoList? only = null)
    {
        if (!_undo.TryGetValue(set, out var lists)) return;
        foreach (var l in lists.Where(l => only is null || ReferenceEquals(l, only)).ToList())
        {
            l.Adjustments.Remove(set);
            lists.Remove(l);
        }
        if (lists.Count == 0) _undo.Remove(set);
    }

    /// <summary>The objects of <paramref name="ns"/>, made on first use (a namespace that goes away takes them along).</summary>
    public IpcObjects Of(IpcNamespace ns) => _namespaces.GetValue(ns, _ => new IpcObjects());

    /// <summary>The seconds of the sandbox's CLOCK_REALTIME (the *_time fields).</summary>
    public static long Now(Sandbox sandbox) => (long)((DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000L + sandbox.RealtimeOffsetNs) / 1_000_000_000L);
}

/// <summary>A call parked on an IPC object: whom to answer, and the timer of a semtimedop.</summary>
public abstract class IpcWait(KernelRequest request, IActorRef sender)
{
    public KernelRequest Request { get; } = request;
    public IActorRef Sender { get; } = sender;
    public ICancelable? Timer { get; set; }
}
