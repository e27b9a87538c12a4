using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

// Job control: a stop signal's default action stops every thread of the process until SIGCONT (or SIGKILL);
// the parent hears of both through SIGCHLD (unless SA_NOCLDSTOP) and wait4/waitid with WUNTRACED/WCONTINUED.
public sealed partial class Runner
{
    /// <summary>The default action of <paramref name="sig"/>: the group stops (do_signal_stop).</summary>
    private void Stop(int sig)
    {
        if (_process.IsStopped)
        {
            PtraceGroupStop(); // tracees let go during the stop trap again
            return;
        }
        // The terminal stops are discarded in an orphaned process group: nobody in the session could continue it.
        if (sig != Sig.SIGSTOP && _process.Sandbox.IsOrphanedGroup(_process.Pgid)) return;
        _process.SetStopped(sig);
        PtraceGroupStop();
        // A parent that traces the process hears of it from the tracees' traps instead.
        if (!TracedByParent()) NotifyParentOfState(SigInfo.CldStopped, sig);
    }

    private bool TracedByParent()
    {
        lock (PtraceLinks.Lock) return PtraceLinks.LeaderLink(_process) is { } l && l.Tracer.Process.Pid == _process.Ppid;
    }

    /// <summary>SIGCONT reached a stopped process: it runs again, whatever the signal's disposition.</summary>
    private void Continue()
    {
        PtraceGroupContinue(); // seized tracees hear of every SIGCONT (ptrace_trap_notify)
        if (!_process.IsStopped) return;
        _process.SetContinued();
        NotifyParentOfState(SigInfo.CldContinued, Sig.SIGCONT);
        _wake.Release();
    }

    private void NotifyParentOfState(int code, int status)
    {
        var sandbox = _process.Sandbox;
        sandbox.Supervisor.Tell(new TaskActor.ProcessExited(_process), Akka.Actor.ActorRefs.NoSender); // re-checks wait4/waitid callers
        if (sandbox.FindProcess(_process.Ppid) is not { IsExiting: false } parent) return;
        if ((parent.SignalActions[Sig.SIGCHLD].Flags & SaFlags.NoCldStop) != 0) return;
        SignalActor.Post(parent, new SigInfo(Sig.SIGCHLD, code) { Pid = _process.Pid, Uid = _process.Creds.Uid, Status = status }, null);
    }
}
