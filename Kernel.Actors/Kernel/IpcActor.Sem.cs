using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Akka.Actor;
using Kernel.Actors.Ipc;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// Semaphore sets (ipc/sem.c): semget, semop/semtimedop (all operations of a call at once, or none), semctl, SEM_UNDO.
public sealed partial class IpcActor
{
    private const int GetPid = 11, GetVal = 12, GetAll = 13, GetNcnt = 14, GetZcnt = 15, SetVal = 16, SetAll = 17,
        SemStat = 18, SemInfo = 19, SemStatAny = 20;
    private const int SemUsz = 20; // SEMUSZ: sizeof(struct sem_undo)

    private long SemGet(SemGet r)
    {
        var ns = Objects(r);
        if (r.Count < 0 || r.Count > ns.SemMsl) return -(long)Errno.EINVAL;
        var caller = IpcCaller.Of(TaskOf(r));
        return Get(ns.Sets, r.Key, r.Flags, caller, () =>
        {
            if (r.Count == 0) return -(long)Errno.EINVAL;
            if (ns.UsedSems + r.Count > ns.SemMns) return -(long)Errno.ENOSPC;
            var set = new SemSet(r.Key, caller, r.Flags, Now, r.Count);
            var id = ns.Sets.Add(set, ns.SemMni);
            if (id >= 0) ns.UsedSems += r.Count;
            return id;
        }, s => r.Count > s.Values.Length ? -(long)Errno.EINVAL : 0);
    }

    private KernelReply? SemOp(SemOp r, IActorRef sender)
    {
        var ns = Objects(r);
        if (r.Count < 1 || r.Id < 0) return new Failed(Errno.EINVAL);
        if (r.Count > (ulong)ns.SemOpm) return new Failed(Errno.E2BIG);
        var raw = new byte[r.Count * 6];
        if (!CopyIn(r, r.Ops, raw)) return new Failed(Errno.EFAULT);
        var ops = MemoryMarshal.Cast<byte, SemOperation>(raw).ToArray();
        if (r.Timeout is { } t && t < TimeSpan.Zero) return new Failed(Errno.EINVAL);
        int max = 0;
        bool undo = false, alters = false;
        foreach (var op in ops)
        {
            max = Math.Max(max, op.Number);
            undo |= op.HasUndo;
            alters |= op.Op != 0;
        }
        var task = TaskOf(r);
        var set = ns.Sets.Find(r.Id);
        if (set is null) return new Failed(Errno.EINVAL);
        if (max >= set.Values.Length) return new Failed(Errno.EFBIG);
        var caller = IpcCaller.Of(task);
        if (!set.Permits(caller, alters ? IpcFlags.WriteAccess : IpcFlags.ReadAccess)) return new Failed(Errno.EACCES);
        // find_alloc_undo: the task's list is made on its first SEM_UNDO (the task is parked here, nobody else sets it).
        var wait = new SemWait(r, sender, set, ops, undo ? task.SemUndo ??= new SemUndoList() : null, caller.Pid, alters);
        var result = Perform(set, wait);
        if (result == 0)
        {
            if (alters) UpdateQueue(set);
            return new Done(0);
        }
        if (result < 0) return new Failed((Errno)(-result));
        set.Pending.Add(wait);
        Park(wait, r.Timeout);
        return null;
    }

    /// <summary>
    /// perform_atomic_semop: every operation in order on a copy of the values; 0 when all were done (and applied,
    /// with their undo adjustments), 1 when one must wait, or -errno (EAGAIN for IPC_NOWAIT, ERANGE).
    /// </summary>
    private static long Perform(IpcState state, SemSet set, SemWait w, long now)
    {
        var values = (ushort[])set.Values.Clone();
        short[]? adj = null;
        if (w.Undo is { } list && list.Adjustments.TryGetValue(set, out var old)) adj = (short[])old.Clone();
        foreach (var op in w.Ops)
        {
            int value = values[op.Number];
            if ((op.Op == 0 && value != 0) || value + op.Op < 0)
            {
                w.Blocking = op;
                return op.NoWait ? -(long)Errno.EAGAIN : 1;
            }
            value += op.Op;
            if (value > SemSet.ValueMax) return -(long)Errno.ERANGE;
            if (op.HasUndo)
            {
                adj ??= new short[set.Values.Length];
                var undo = adj[op.Number] - op.Op;
                if (undo < -SemSet.AdjustMax - 1 || undo > SemSet.AdjustMax) return -(long)Errno.ERANGE;
                adj[op.Number] = (short)undo;
            }
            values[op.Number] = (ushort)value;
        }
        foreach (var op in w.Ops)
        {
            set.Values[op.Number] = values[op.Number];
            set.Pids[op.Number] = w.Pid;
        }
        if (adj is not null && w.Undo is { } u) state.SetUndo(set, u, adj);
        set.Otime = now;
        return 0;
    }

    private long Perform(SemSet set, SemWait w) => Perform(State, set, w, Now);

    private void UpdateQueue(SemSet set) => UpdateQueue(State, set, Now);

    /// <summary>update_queue: after a change, waiting operations that can now complete do, in arrival order, until none can.</summary>
    private static void UpdateQueue(IpcState state, SemSet set, long now)
    {
        bool again;
        do
        {
            again = false;
            foreach (var w in set.Pending.ToList())
            {
                var result = Perform(state, set, w, now);
                if (result == 1) continue;
                Finish(state, w, result == 0 ? new Done(0) : new Failed((Errno)(-result)));
                if (result == 0 && w.Alters)
                {
                    again = true;
                    break;
                }
            }
        }
        while (again);
    }

    private long SemControl(SemControl r)
    {
        var ns = Objects(r);
        var caller = IpcCaller.Of(TaskOf(r));
        if (r.Id < 0) return -(long)Errno.EINVAL;
        switch (r.Command)
        {
            case IpcFlags.Info or SemInfo:
            {
                Span<byte> b = stackalloc byte[40];
                var info = r.Command == SemInfo;
                BinaryPrimitives.WriteInt32LittleEndian(b, ns.SemMns); // semmap
                BinaryPrimitives.WriteInt32LittleEndian(b[4..], ns.SemMni);
                BinaryPrimitives.WriteInt32LittleEndian(b[8..], ns.SemMns);
                BinaryPrimitives.WriteInt32LittleEndian(b[12..], ns.SemMns); // semmnu
                BinaryPrimitives.WriteInt32LittleEndian(b[16..], ns.SemMsl);
                BinaryPrimitives.WriteInt32LittleEndian(b[20..], ns.SemOpm);
                BinaryPrimitives.WriteInt32LittleEndian(b[24..], ns.SemOpm); // semume
                BinaryPrimitives.WriteInt32LittleEndian(b[28..], info ? ns.Sets.InUse : SemUsz);
                BinaryPrimitives.WriteInt32LittleEndian(b[32..], SemSet.ValueMax);
                BinaryPrimitives.WriteInt32LittleEndian(b[36..], info ? (int)ns.UsedSems : SemSet.AdjustMax);
                return Reply(r, r.Arg, b, Math.Max(ns.Sets.MaxIndex, 0));
            }
            case IpcFlags.Stat or SemStat or SemStatAny:
            {
                var set = r.Command == IpcFlags.Stat ? ns.Sets.Find(r.Id) : ns.Sets.AtIndex(r.Id);
                if (set is null) return -(long)Errno.EINVAL;
                if (r.Command != SemStatAny && !set.Permits(caller, IpcFlags.ReadAccess)) return -(long)Errno.EACCES;
                Span<byte> b = stackalloc byte[88];
                set.WritePerm(b);
                BinaryPrimitives.WriteInt64LittleEndian(b[48..], set.Otime);
                BinaryPrimitives.WriteInt64LittleEndian(b[56..], set.Ctime);
                BinaryPrimitives.WriteUInt64LittleEndian(b[64..], (ulong)set.Values.Length);
                return Reply(r, r.Arg, b, r.Command == IpcFlags.Stat ? 0 : set.Id);
            }
            case SetVal:
            {
                var val = (int)r.Arg;
                if (val > SemSet.ValueMax || val < 0) return -(long)Errno.ERANGE;
                var set = ns.Sets.Find(r.Id);
                if (set is null) return -(long)Errno.EINVAL;
                if (r.Number < 0 || r.Number >= set.Values.Length) return -(long)Errno.EINVAL;
                if (!set.Permits(caller, IpcFlags.WriteAccess)) return -(long)Errno.EACCES;
                ClearUndo(set, r.Number);
                set.Values[r.Number] = (ushort)val;
                set.Pids[r.Number] = caller.Pid;
                set.Ctime = Now;
                UpdateQueue(set);
                return 0;
            }
            case GetAll or SetAll or GetVal or GetPid or GetNcnt or GetZcnt:
                return SemControlMain(r, ns, caller);
            case IpcFlags.Set or IpcFlags.Rmid:
            {
                Span<byte> b = stackalloc byte[88];
                if (r.Command == IpcFlags.Set && !CopyIn(r, r.Arg, b)) return -(long)Errno.EFAULT;
                var set = ns.Sets.Find(r.Id);
                if (set is null) return -(long)Errno.EINVAL;
                if (!set.OwnedBy(caller)) return -(long)Errno.EPERM;
                if (r.Command == IpcFlags.Rmid)
                {
                    RemoveSet(ns, set);
                    return 0;
                }
                var (uid, gid, mode) = IpcObject.ReadPerm(b);
                set.SetPerm(uid, gid, mode, Now);
                return 0;
            }
            default:
                return -(long)Errno.EINVAL;
        }
    }

    private long SemControlMain(SemControl r, IpcObjects ns, IpcCaller caller)
    {
        var set = ns.Sets.Find(r.Id);
        if (set is null) return -(long)Errno.EINVAL;
        var n = set.Values.Length;
        if (!set.Permits(caller, r.Command == SetAll ? IpcFlags.WriteAccess : IpcFlags.ReadAccess)) return -(long)Errno.EACCES;
        if (r.Command == GetAll)
        {
            var b = MemoryMarshal.AsBytes(set.Values.AsSpan());
            return Reply(r, r.Arg, b, 0);
        }
        if (r.Command == SetAll)
        {
            var values = new ushort[n];
            if (!CopyIn(r, r.Arg, MemoryMarshal.AsBytes(values.AsSpan()))) return -(long)Errno.EFAULT;
            if (values.Any(v => v > SemSet.ValueMax)) return -(long)Errno.ERANGE;
            for (var i = 0; i < n; i++)
            {
                set.Values[i] = values[i];
                set.Pids[i] = caller.Pid;
                ClearUndo(set, i);
            }
            set.Ctime = Now;
            UpdateQueue(set);
            return 0;
        }
        if (r.Number < 0 || r.Number >= n) return -(long)Errno.EINVAL;
        return r.Command switch
        {
            GetVal => set.Values[r.Number],
            GetPid => set.Pids[r.Number],
            GetNcnt => set.Pending.Count(w => w.Blocking.Number == r.Number && w.Blocking.Op < 0),
            _ => set.Pending.Count(w => w.Blocking.Number == r.Number && w.Blocking.Op == 0),
        };
    }

    /// <summary>SETVAL and SETALL drop every task's undo adjustment of the semaphores they set.</summary>
    private void ClearUndo(SemSet set, int number)
    {
        foreach (var adj in State.UndoOf(set)) adj[number] = 0;
    }

    /// <summary>freeary: waiters get EIDRM; undo adjustments of the set are forgotten.</summary>
    private void RemoveSet(IpcObjects ns, SemSet set)
    {
        ns.Sets.Remove(set);
        ns.UsedSems -= set.Values.Length;
        foreach (var w in set.Pending.ToList()) Finish(w, new Failed(Errno.EIDRM));
        State.ForgetUndo(set);
    }

    /// <summary>
    /// exit_sem: the last user of an undo list left (exit, unshare(CLONE_SYSVSEM), a new IPC namespace): each
    /// adjustment is added back, clamped to 0..SEMVMX, and waiters that can now go on do. Runs on the exiting task's
    /// thread under the state lock, so that the values are right before its parent learns of the exit.
    /// </summary>
    internal static void ApplyUndo(IpcState state, SemUndoList list, int pid, long now)
    {
        lock (state.Lock)
        {
            foreach (var (set, adj) in list.Adjustments.ToList())
            {
                state.ForgetUndo(set, list);
                if (set.Removed) continue;
                for (var i = 0; i < adj.Length; i++)
                {
                    if (adj[i] == 0) continue;
                    set.Values[i] = (ushort)Math.Clamp(set.Values[i] + adj[i], 0, SemSet.ValueMax);
                    set.Pids[i] = pid;
                }
                set.Otime = now;
                UpdateQueue(state, set, now);
            }
            list.Adjustments.Clear();
        }
    }
}
