using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// How tracing ends: a tracee that exits becomes a zombie only its tracer reports (then its real parent, for a
/// process), and a tracer that exits lets its tracees go (or kills them, PTRACE_O_EXITKILL), as Linux's exit_notify,
/// exit_ptrace and wait_task_zombie do.
/// </summary>
internal static class PtraceLife
{
    /// <summary>A traced thread other than the leader ended with <paramref name="status"/>: its tracer will reap it.</summary>
    public static void ThreadExited(KernelTask task, int status)
    {
        var table = task.Process.Sandbox.Ptrace;
        PtraceLink? link;
        lock (table.Lock)
        {
            link = task.Ptrace;
            if (link is null || !link.Attached || link.ExitStatus is not null) return;
            link.Stopped = link.Listening = false;
            link.ExitStatus = status;
        }
        var tracer = link.Tracer.Process;
        if (!tracer.IsExiting) SignalActor.Post(tracer, ExitInfo(Sig.SIGCHLD, task.Tid, task.Process.Creds.Uid, status), null);
        task.Process.Sandbox.Supervisor.Tell(new TaskActor.ProcessExited(task.Process), Akka.Actor.ActorRefs.NoSender);
    }

    /// <summary>A thread that vanishes without a report of its own (a leader replaced by exec): its link goes.</summary>
    public static void Forget(KernelTask task)
    {
        var table = task.Process.Sandbox.Ptrace;
        lock (table.Lock)
        {
            if (task.Ptrace is { } link) table.Unlink(link);
        }
    }

    /// <summary>
    /// The process ended: everything its threads traced is let go, and its leader, if traced, is the tracer's
    /// zombie (the tracer is told instead of the parent). True when the leader is traced.
    /// </summary>
    public static bool ProcessEnded(KernelProcess p)
    {
        var table = p.Sandbox.Ptrace;
        List<PtraceLink> traced;
        lock (table.Lock) traced = table.TracedBy(p, null);
        Detach(p.Sandbox, traced);
        PtraceLink? link;
        var status = (p.ExitStatus ?? ProcessExit.Exited(0)).WaitStatus;
        lock (table.Lock)
        {
            link = table.LeaderLink(p);
            if (link is null) return false;
            link.Stopped = link.Listening = false;
            link.ExitStatus = status;
        }
        // The exit signal goes to a tracer that is the real parent, SIGCHLD to any other.
        var tracer = link.Tracer.Process;
        var signo = tracer.Pid == p.Ppid ? p.ExitSignal : Sig.SIGCHLD;
        if (signo > 0 && !tracer.IsExiting) SignalActor.Post(tracer, p.ExitReport(signo), null);
        return true;
    }

    /// <summary>A tracer thread ended: its tracees are let go (killed with PTRACE_O_EXITKILL).</summary>
    public static void TracerGone(KernelTask tracer)
    {
        var table = tracer.Process.Sandbox.Ptrace;
        List<PtraceLink> traced;
        lock (table.Lock) traced = table.TracedBy(tracer.Process, tracer);
        Detach(tracer.Process.Sandbox, traced);
    }

    /// <summary>exit_ptrace: each tracee goes on untraced; a stopped one with the signal it stopped for, unless already reported.</summary>
    private static void Detach(Sandbox sandbox, List<PtraceLink> links)
    {
        foreach (var link in links)
        {
            bool kill, zombie;
            Action? resume = null;
            lock (sandbox.Ptrace.Lock)
            {
                if (!link.Attached) continue;
                zombie = link.ExitStatus is not null;
                kill = !zombie && (link.Options & PtraceAbi.OExitKill) != 0;
                if (link.Stopped)
                {
                    link.ResumeSignal = link.Kind == PtraceStopKind.SignalDelivery ? link.Code : 0;
                    link.Mode = PtraceMode.Cont;
                    link.Stopped = link.Listening = false;
                    var task = link.Tracee;
                    resume = () => task.Process.Runner?.Post(() => task.Process.Runner.PtraceContinue(task));
                }
                sandbox.Ptrace.Unlink(link);
            }
            var tracee = link.Tracee;
            if (kill) SignalActor.Post(tracee.Process, SigInfo.Kernel(Sig.SIGKILL), null);
            resume?.Invoke();
            if (zombie && tracee.Tid == tracee.Process.Pid) ZombieToParent(tracee.Process);
        }
    }

    /// <summary>A zombie process its tracer let go: now its real parent is told and may reap it.</summary>
    public static void ZombieToParent(KernelProcess zombie)
    {
        var sandbox = zombie.Sandbox;
        if (zombie.Ppid == 0) sandbox.Reap(zombie);
        else sandbox.NotifyParent(zombie);
        sandbox.Supervisor.Tell(new TaskActor.ProcessExited(zombie), Akka.Actor.ActorRefs.NoSender);
    }

    /// <summary>The SIGCHLD siginfo (and waitid's) for a task that ended with wait status <paramref name="status"/>.</summary>
    public static SigInfo ExitInfo(int signo, int pid, uint uid, int status)
    {
        var signal = status & 0x7f;
        var code = signal == 0 ? SigInfo.CldExited : (status & 0x80) != 0 ? SigInfo.CldDumped : SigInfo.CldKilled;
        return new SigInfo(signo, code) { Pid = pid, Uid = uid, Status = signal == 0 ? (status >> 8) & 0xff : signal };
    }
}
