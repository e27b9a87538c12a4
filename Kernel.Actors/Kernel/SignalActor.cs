using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>
/// Signal dispositions and sending. Default actions that terminate are carried out; delivery into guest
/// handlers (signal frames) is the next step and is reported as unsupported in the table's notes.
/// </summary>
public sealed class SignalActor(Sandbox sandbox) : SubsystemActor(sandbox.Log)
{
    /// <summary>A signal the kernel itself sends to a process group (a terminal's ISIG characters, SIGWINCH, SIGHUP).</summary>
    public sealed record SignalGroup(int Pgid, int Signal);

    /// <summary>A signal the kernel itself sends to one process (SIGHUP to a session leader whose terminal hung up).</summary>
    public sealed record SignalProcess(int Pid, int Signal);

    protected override void OnOther(object message)
    {
        switch (message)
        {
            case SignalGroup g:
                foreach (var p in sandbox.AllProcesses().Where(p => p.Pgid == g.Pgid).ToList()) Deliver(p, g.Signal);
                break;
            case SignalProcess s when sandbox.FindProcess(s.Pid) is { } target:
                Deliver(target, s.Signal);
                break;
            case SignalProcess:
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override KernelReply? Handle(KernelRequest request, IActorRef sender)
    {
        switch (request)
        {
            case SetSignalAction r:
            {
                var process = ((KernelTask)r.Task).Process;
                var old = process.SignalActions[r.Signal];
                if (r.New is { } n) process.SignalActions[r.Signal] = new SignalAction(n.Handler, n.Flags, n.Restorer, n.Mask);
                return new OldDisposition(new SignalDisposition(old.Handler, old.Flags, old.Restorer, old.Mask));
            }
            case SendSignal r:
                return Send(r);
            default:
                return new Failed(Errno.ENOSYS);
        }
    }

    private KernelReply Send(SendSignal r)
    {
        var caller = ((KernelTask)r.Task).Process;
        IEnumerable<KernelProcess> targets;
        if (r.Tid > 0)
        {
            var owner = sandbox.FindThread(r.Tid);
            if (owner is null || (r.Pid > 0 && owner.Pid != r.Pid)) return new Failed(Errno.ESRCH);
            targets = [owner];
        }
        else if (r.Pid > 0)
        {
            var p = sandbox.FindProcess(r.Pid);
            if (p is null) return new Failed(Errno.ESRCH);
            targets = [p];
        }
        else if (r.Pid == 0)
        {
            targets = sandbox.AllProcesses().Where(p => p.Pgid == caller.Pgid).ToList();
        }
        else if (r.Pid == -1)
        {
            targets = sandbox.AllProcesses().Where(p => p.Pid != 1 && p != caller).Append(caller).ToList();
        }
        else
        {
            targets = sandbox.AllProcesses().Where(p => p.Pgid == -r.Pid).ToList();
        }
        var list = targets.ToList();
        if (list.Count == 0) return new Failed(Errno.ESRCH);
        if (r.Signal == 0) return new Done(0);
        foreach (var target in list) Deliver(target, r.Signal);
        return new Done(0);
    }

    private void Deliver(KernelProcess target, int signal)
    {
        var action = target.SignalActions[signal];
        if (signal != Sig.SIGKILL)
        {
            if (action.Handler == SignalAction.Ignore) return;
            if (action.Handler == SignalAction.Default && (Sig.IgnoredByDefault(signal) || Sig.StopsByDefault(signal))) return;
            if (action.Handler != SignalAction.Default)
            {
                Log.Warning("signal {Signal} to {Process} has a handler; handler delivery is not implemented yet, so it is dropped", signal, target);
                return;
            }
        }
        target.Runner?.Post(() => target.Runner.Kill(signal));
    }
}
