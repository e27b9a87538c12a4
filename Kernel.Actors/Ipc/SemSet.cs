using Akka.Actor;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors.Ipc;

/// <summary>One struct sembuf.</summary>
public readonly record struct SemOperation(ushort Number, short Op, short Flags)
{
    public const short Undo = 0x1000;
    public bool HasUndo => (Flags & Undo) != 0;
    public bool NoWait => (Flags & Kernel.Actors.Ipc.IpcFlags.NoWait) != 0;
}

/// <summary>A System V semaphore set (sem_array): values, the pid of each last change, and the operations waiting.</summary>
public sealed class SemSet(int key, IpcCaller creator, int flags, long now, int count) : IpcObject(key, creator, flags, now)
{
    public const int ValueMax = 32767; // SEMVMX
    public const int AdjustMax = ValueMax; // SEMAEM

    public ushort[] Values { get; } = new ushort[count];
    public int[] Pids { get; } = new int[count];
    public long Otime { get; set; }
    /// <summary>Waiting operations in arrival order.</summary>
    public List<SemWait> Pending { get; } = [];
}

/// <summary>A semop waiting until its operations can all be done at once.</summary>
public sealed class SemWait(KernelRequest request, IActorRef sender, SemSet set, SemOperation[] ops, SemUndoList? undo, int pid, bool alters)
    : IpcWait(request, sender)
{
    public SemSet Set { get; } = set;
    public SemOperation[] Ops { get; } = ops;
    public SemUndoList? Undo { get; } = undo;
    public int Pid { get; } = pid;
    public bool Alters { get; } = alters;
    /// <summary>The operation that could not be done (what GETNCNT and GETZCNT count).</summary>
    public SemOperation Blocking { get; set; }
}

/// <summary>
/// A task's SEM_UNDO adjustments (sem_undo_list), shared by the tasks cloned with CLONE_SYSVSEM; applied when the last
/// of them exits (or unshares it). The adjustments change under <see cref="IpcState.Lock"/>; the count of users on
/// the tasks' own threads.
/// </summary>
public sealed class SemUndoList
{
    private int _users = 1;

    /// <summary>Per set, the value to add to each semaphore at exit.</summary>
    public Dictionary<SemSet, short[]> Adjustments { get; } = new(ReferenceEqualityComparer.Instance);

    public void AddUser() => Interlocked.Increment(ref _users);

    /// <summary>One user less: true when it was the last.</summary>
    public bool RemoveUser() => Interlocked.Decrement(ref _users) == 0;
}
