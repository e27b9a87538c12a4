using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>Process lifetime: exit notifications, wait4 (parked until a child exits) and sleeps (parked on a timer).</summary>
public sealed class TaskActor(Sandbox sandbox) : SubsystemActor(sandbox.Log)
{
    /// <summary>Sent by the sandbox when a process has ended.</summary>
    public sealed record ProcessExited(KernelProcess Process);

    private const int WNoHang = 1;

    private WaitState State => sandbox.WaitState;

    protected override KernelReply? Handle(KernelRequest request, IActorRef sender)
    {
        switch (request)
        {
            case Sleep r:
                if (r.Duration <= TimeSpan.Zero) return new Done(0);
                Context.System.Scheduler.ScheduleTellOnce(r.Duration, sender, new Done(0), Self);
                return null;
            case WaitChild r:
                return TryWait(r, sender, park: true);
            case WaitVforkChild r:
            {
                var child = sandbox.FindProcess(r.ChildPid);
                if (child is null || child.VforkRelease.Task.IsCompleted) return new Done(0);
                // Parked on the child's release (exec or exit), which outlives a restart of this actor.
                child.VforkRelease.Task.ContinueWith(_ => sender.Tell(new Done(0)), TaskScheduler.Default);
                return null;
            }
            default:
                return new Failed(Errno.ENOSYS);
        }
    }

    private KernelReply? TryWait(WaitChild r, IActorRef sender, bool park)
    {
        const int WExited = 4, WAll = 0x40000000, WClone = unchecked((int)0x80000000), WNoThread = 0x20000000, WUntraced = 2, WContinued = 8;
        if ((r.Options & ~(WNoHang | WUntraced | WContinued | WExited | WAll | WClone | WNoThread)) != 0) return new Failed(Errno.EINVAL);
        var caller = ((KernelTask)r.Task).Process;
        var children = sandbox.Children(caller.Pid)
            .Where(c => r.Pid switch { > 0 => c.Pid == r.Pid, 0 => c.Pgid == caller.Pgid, -1 => true, _ => c.Pgid == -r.Pid })
            .ToList();
        if (children.Count == 0) return new Failed(Errno.ECHILD);
        var zombie = children.FirstOrDefault(c => c.ExitStatus is not null && c.Exited.IsCompleted);
        if (zombie is not null)
        {
            if (r.StatusAddress != 0 && caller.Mm.Write(r.StatusAddress, BitConverter.GetBytes(zombie.ExitStatus!.Value.WaitStatus)) != Errno.None)
            {
                return new Failed(Errno.EFAULT);
            }
            sandbox.Reap(zombie);
            return new Done(zombie.Pid);
        }
        if ((r.Options & WNoHang) != 0) return new Done(0);
        if (park) State.Waiters.Add((r, sender));
        return null;
    }

    protected override void OnOther(object message)
    {
        if (message is not ProcessExited)
        {
            Unhandled(message);
            return;
        }
        foreach (var waiter in State.Waiters.ToArray())
        {
            var reply = TryWait(waiter.Request, waiter.Sender, park: false);
            if (reply is null) continue;
            State.Waiters.Remove(waiter);
            waiter.Sender.Tell(reply);
        }
    }

    /// <summary>The Task actor's state, owned by the sandbox so that it survives a restart.</summary>
    public sealed class WaitState
    {
        public List<(WaitChild Request, IActorRef Sender)> Waiters { get; } = [];
    }
}
