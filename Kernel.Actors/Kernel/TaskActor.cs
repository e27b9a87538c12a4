using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>Process lifetime: exit notifications, wait4 (parked until a child exits) and sleeps (parked on a timer).</summary>
public sealed partial class TaskActor(Sandbox sandbox) : SubsystemActor(sandbox.Log)
{
    /// <summary>Sent when a process has ended, stopped or continued: wait4/waitid callers look again.</summary>
    public sealed record ProcessExited(KernelProcess Process);

    private const int WNoHang = 1;

    private WaitState State => sandbox.WaitState;

    protected override KernelReply? Handle(KernelRequest request, IActorRef sender)
    {
        switch (request)
        {
            case Sleep r:
            {
                if (r.Duration <= TimeSpan.Zero) return new Done(0);
                var end = System.Diagnostics.Stopwatch.GetTimestamp() + (long)(r.Duration.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
                State.Sleeps[r] = (sender, end, Scheduler.ScheduleTellOnceCancelable(r.Duration, Self, new SleepEnded(r), Self));
                return null;
            }
            case WaitChild or WaitChildInfo:
                return TryWait((TaskRequest)request, sender, park: true);
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

    private const int WNoWait = 0x01000000, WExited = 4, WStopped = 2, WContinued = 8;
    private const int WAll = 0x40000000, WClone = unchecked((int)0x80000000), WNoThread = 0x20000000;

    /// <summary>wait4 and waitid: reap (or, with WNOWAIT, report) a matching zombie; park when none is ready.</summary>
    private KernelReply? TryWait(TaskRequest request, IActorRef sender, bool park)
    {
        var callerTask = (KernelTask)request.Task;
        var caller = callerTask.Process;
        Func<int, int, bool> matches; // by (pid, pgid): processes for a parent, threads for a tracer
        int options;
        if (request is WaitChild w)
        {
            if ((w.Options & ~(WNoHang | WStopped | WContinued | WExited | WAll | WClone | WNoThread)) != 0) return new Failed(Errno.EINVAL);
            options = w.Options | WExited;
            matches = w.Pid switch
            {
                > 0 => (pid, _) => pid == w.Pid,
                0 => (_, pgid) => pgid == caller.Pgid,
                -1 => (_, _) => true,
                _ => (_, pgid) => pgid == -w.Pid,
            };
        }
        else
        {
            var r = (WaitChildInfo)request;
            if ((r.Options & ~(WNoHang | WStopped | WContinued | WExited | WNoWait | WAll | WClone | WNoThread)) != 0) return new Failed(Errno.EINVAL);
            if ((r.Options & (WExited | WStopped | WContinued)) == 0) return new Failed(Errno.EINVAL);
            options = r.Options;
            switch (r.IdType)
            {
                case 0: matches = (_, _) => true; break;
                case 1 when r.Id > 0: matches = (pid, _) => pid == r.Id; break;
                case 2 when r.Id >= 0:
                    var group = r.Id == 0 ? caller.Pgid : r.Id;
                    matches = (_, pgid) => pgid == group;
                    break;
                case 3: return new Failed(Errno.EBADF); // no pidfds exist yet
                default: return new Failed(Errno.EINVAL);
            }
        }
        // __WNOTHREAD: only the children the calling thread made (or whose maker has gone: they passed to it).
        var threads = caller.Threads;
        bool Own(KernelProcess c) => (options & WNoThread) == 0 || c.ParentTid == 0 || c.ParentTid == callerTask.Tid
            || threads.All(t => t.Tid != c.ParentTid);
        var children = sandbox.Children(caller.Pid).Where(c => matches(c.Pid, c.Pgid) && Own(c)).ToList();
        // Tracees report to their tracer; children traced by the caller's group are among them, and a zombie
        // child that another process traces stays its tracer's until that one lets it go.
        var tracees = PtraceWaitables(callerTask, options, matches, children, out var hidden);
        if (children.Count == 0 && tracees.Count == 0) return new Failed(Errno.ECHILD);
        var zombie = (options & WExited) != 0
            // A child its exit is reaping (the parent keeps no zombies) is never reported: wait then gives ECHILD.
            ? children.FirstOrDefault(c => c.ExitStatus is not null && c.Exited.IsCompleted && !hidden.Contains(c) && !c.ReapingAtExit)
            : null;
        if (zombie is null && (options & (WStopped | WContinued)) != 0)
        {
            // A stop or continue not yet reported (consumed unless WNOWAIT).
            foreach (var c in children)
            {
                if (c.IsExiting) continue;
                var sig = c.TakeStateReport((options & WStopped) != 0, (options & WContinued) != 0, (options & WNoWait) != 0);
                if (sig != 0) return ReportState(request, caller, c, sig);
            }
        }
        if (zombie is null && PtraceReport(request, caller, tracees, options) is { } traced) return traced;
        if (zombie is null)
        {
            if ((options & WNoHang) != 0)
            {
                if (request is WaitChildInfo { EagainIfNone: true }) return new Failed(Errno.EAGAIN); // a PIDFD_NONBLOCK pidfd
                return request is WaitChildInfo i && WriteInfo(caller, i.InfoAddress, null) is { } f ? f : new Done(0);
            }
            if (park) State.Waiters.Add((request, sender));
            return null;
        }
        var exit = zombie.ExitStatus!.Value;
        var usage = zombie.FinalUsage + zombie.ChildrenUsage;
        ulong rusageAddress;
        if (request is WaitChild wc)
        {
            if (wc.StatusAddress != 0 && caller.Mm.Write(wc.StatusAddress, BitConverter.GetBytes(exit.WaitStatus)) != Errno.None)
                return new Failed(Errno.EFAULT);
            rusageAddress = wc.RusageAddress;
        }
        else
        {
            var info = (WaitChildInfo)request;
            if (WriteInfo(caller, info.InfoAddress, zombie) is { } failed) return failed;
            rusageAddress = info.RusageAddress;
        }
        if (rusageAddress != 0 && caller.Mm.Write(rusageAddress, usage.ToRusage()) != Errno.None) return new Failed(Errno.EFAULT);
        if ((options & WNoWait) != 0) return new Done(request is WaitChild ? zombie.Pid : 0);
        caller.ChildrenUsage += usage;
        sandbox.Reap(zombie);
        return new Done(request is WaitChild ? zombie.Pid : 0);
    }

    /// <summary>wait4's status word or waitid's siginfo for a child that stopped (by <paramref name="sig"/>) or continued.</summary>
    private static KernelReply ReportState(TaskRequest request, KernelProcess caller, KernelProcess child, int sig)
    {
        var continued = sig == Sig.SIGCONT;
        if (request is WaitChild w)
        {
            var status = continued ? 0xffff : (sig << 8) | 0x7f;
            if (w.StatusAddress != 0 && caller.Mm.Write(w.StatusAddress, BitConverter.GetBytes(status)) != Errno.None) return new Failed(Errno.EFAULT);
            if (w.RusageAddress != 0 && caller.Mm.Write(w.RusageAddress, child.SelfUsage().ToRusage()) != Errno.None) return new Failed(Errno.EFAULT);
            return new Done(child.Pid);
        }
        var i = (WaitChildInfo)request;
        if (i.InfoAddress != 0)
        {
            var info = new SigInfo(Sig.SIGCHLD, continued ? SigInfo.CldContinued : SigInfo.CldStopped) { Pid = child.Pid, Uid = child.Creds.Uid, Status = sig };
            if (caller.Mm.Write(i.InfoAddress, info.ToBytes()) != Errno.None) return new Failed(Errno.EFAULT);
        }
        return new Done(0);
    }

    /// <summary>The siginfo_t waitid fills: SIGCHLD, CLD_EXITED/KILLED/DUMPED, pid, uid, status; zeros when none.</summary>
    private static Failed? WriteInfo(KernelProcess caller, ulong address, KernelProcess? child)
    {
        if (address == 0) return null;
        var info = child?.ExitReport(Sig.SIGCHLD).ToBytes() ?? new byte[SigInfo.Size];
        return caller.Mm.Write(address, info) == Errno.None ? null : new Failed(Errno.EFAULT);
    }

    private sealed record SleepEnded(Sleep Request);

    protected override void OnInterrupt(KernelRequest request)
    {
        if (request is Sleep sleep && State.Sleeps.Remove(sleep, out var s))
        {
            s.Timer.Cancel();
            var left = System.Diagnostics.Stopwatch.GetElapsedTime(System.Diagnostics.Stopwatch.GetTimestamp(), s.End);
            s.Sender.Tell(new SleepInterrupted(left > TimeSpan.Zero ? left : TimeSpan.Zero));
            return;
        }
        var i = State.Waiters.FindIndex(w => ReferenceEquals(w.Request, request));
        if (i < 0) return;
        var waiter = State.Waiters[i];
        State.Waiters.RemoveAt(i);
        // A child that ended meanwhile (the SIGCHLD that interrupts is often its own) is reported, as do_wait looks
        // for one before it looks at signals.
        waiter.Sender.Tell(TryWait(waiter.Request, waiter.Sender, park: false) ?? new Failed(Errno.ERESTARTSYS));
    }

    protected override void OnOther(object message)
    {
        if (message is SleepEnded ended)
        {
            if (State.Sleeps.Remove(ended.Request, out var s)) s.Sender.Tell(new Done(0));
            return;
        }
        if (message is not ProcessExited)
        {
            Unhandled(message);
            return;
        }
        foreach (var waiter in State.Waiters.ToArray())
        {
            // A waiter whose process died meanwhile is dropped: nobody reads the answer, and no child may be reaped
            // for it (its memory may already be gone).
            if (((KernelTask)waiter.Request.Task).Process.IsExiting)
            {
                State.Waiters.Remove(waiter);
                continue;
            }
            var reply = TryWait(waiter.Request, waiter.Sender, park: false);
            if (reply is null) continue;
            State.Waiters.Remove(waiter);
            waiter.Sender.Tell(reply);
        }
    }

    /// <summary>The Task actor's state, owned by the sandbox so that it survives a restart.</summary>
    public sealed class WaitState
    {
        public List<(TaskRequest Request, IActorRef Sender)> Waiters { get; } = [];
        /// <summary>Sleeps in progress, by request (reference): whom to answer, the end (Stopwatch ticks), the timer.</summary>
        public Dictionary<Sleep, (IActorRef Sender, long End, ICancelable Timer)> Sleeps { get; } = new(ReferenceEqualityComparer.Instance);
    }
}
