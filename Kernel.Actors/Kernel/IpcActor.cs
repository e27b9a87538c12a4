using Akka.Actor;
using Kernel.Actors.Ipc;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>
/// The Ipc subsystem: System V message queues, semaphore sets and shared memory segments of each IPC namespace.
/// A call that must wait (msgsnd on a full queue, msgrcv on an empty one, semop that cannot complete) is parked on
/// its object in <see cref="IpcState"/> and answered when another call makes it possible, when its object is
/// removed (EIDRM), when its timeout passes or when a signal interrupts it. Requests may run inline on the
/// caller's vCPU thread while the actor is idle (see <see cref="InlineGate"/>).
/// </summary>
public sealed partial class IpcActor(Sandbox sandbox) : SubsystemActor(sandbox.Log, sandbox.Inline(Subsystem.Ipc))
{
    private IpcState State => sandbox.Ipc;

    private sealed record ExpireWait(IpcWait Wait);

    protected override KernelReply? Handle(KernelRequest request, IActorRef sender)
    {
        lock (State.Lock)
        {
            return request switch
            {
                MsgGet r => Result(MsgGet(r)),
                MsgSend r => MsgSend(r, sender),
                MsgReceive r => MsgReceive(r, sender),
                MsgControl r => Result(MsgControl(r)),
                SemGet r => Result(SemGet(r)),
                SemOp r => SemOp(r, sender),
                SemControl r => Result(SemControl(r)),
                ShmGet r => Result(ShmGet(r)),
                ShmControl r => Result(ShmControl(r)),
                _ => new Failed(Errno.ENOSYS),
            };
        }
    }

    protected override void OnOther(object message)
    {
        if (message is not ExpireWait x)
        {
            Unhandled(message);
            return;
        }
        lock (State.Lock)
        {
            if (!State.Waits.ContainsKey(x.Wait.Request)) return;
            // semtimedop's timeout: EAGAIN, as Linux answers a wait that ran out.
            Finish(x.Wait, new Failed(Errno.EAGAIN));
        }
    }

    protected override void OnInterrupt(KernelRequest request)
    {
        lock (State.Lock)
        {
            if (!State.Waits.TryGetValue(request, out var wait)) return;
            // msgsnd and msgrcv restart only when no handler runs (ERESTARTNOHAND); semop always fails with EINTR.
            Finish(wait, new Failed(wait is SemWait ? Errno.EINTR : Errno.ERESTARTNOHAND));
        }
    }

    /// <summary>Keeps a call that must wait; a timeout ends it through the actor's scheduler.</summary>
    private void Park(IpcWait wait, TimeSpan? timeout)
    {
        State.Waits[wait.Request] = wait;
        if (timeout is { } t) wait.Timer = Scheduler.ScheduleTellOnceCancelable(t, Self, new ExpireWait(wait), Self);
    }

    /// <summary>Answers a parked call and forgets it, wherever it waited.</summary>
    internal static void Finish(IpcState state, IpcWait wait, KernelReply reply)
    {
        state.Waits.Remove(wait.Request);
        wait.Timer?.Cancel();
        switch (wait)
        {
            case MsgWait m:
                m.Queue.Receivers.Remove(m);
                m.Queue.Senders.Remove(m);
                break;
            case SemWait s:
                s.Set.Pending.Remove(s);
                break;
        }
        wait.Sender.Tell(reply);
    }

    private void Finish(IpcWait wait, KernelReply reply) => Finish(State, wait, reply);

    private static KernelTask TaskOf(IpcRequest r) => (KernelTask)r.Task;

    private IpcObjects Objects(IpcRequest r) => State.Of(TaskOf(r).Process.Namespaces.Ipc);

    private long Now => IpcState.Now(sandbox);

    /// <summary>Copies from the caller's memory; false for EFAULT.</summary>
    private static bool CopyIn(IpcRequest r, ulong address, Span<byte> destination) =>
        TaskOf(r).Process.Mm.Read(address, destination) == Errno.None;

    private static bool CopyOut(IpcRequest r, ulong address, ReadOnlySpan<byte> source) =>
        TaskOf(r).Process.Mm.Write(address, source) == Errno.None;

    /// <summary>Writes a struct the caller asked for: the value, or EFAULT.</summary>
    private static long Reply(IpcRequest r, ulong address, ReadOnlySpan<byte> data, long value) =>
        CopyOut(r, address, data) ? value : -(long)Errno.EFAULT;

    /// <summary>ipcget: finds the key or makes a new object, with Linux's order of checks.</summary>
    private static long Get<T>(IpcIds<T> ids, int key, int flags, IpcCaller caller, Func<long> create, Func<T, long>? moreChecks = null) where T : IpcObject
    {
        if (key == IpcFlags.Private) return create();
        var found = ids.FindKey(key);
        if (found is null) return (flags & IpcFlags.Create) == 0 ? -(long)Errno.ENOENT : create();
        if ((flags & (IpcFlags.Create | IpcFlags.Exclusive)) == (IpcFlags.Create | IpcFlags.Exclusive)) return -(long)Errno.EEXIST;
        if (moreChecks is not null && moreChecks(found) is var e && e < 0) return e;
        return found.Permits(caller, flags) ? found.Id : -(long)Errno.EACCES;
    }
}
