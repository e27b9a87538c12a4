using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>
/// Signal dispositions and sending: finds the target processes, checks the sender's permission, and hands each
/// signal to the target's vCPU thread, which queues it and delivers it (see Runner.Signals).
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
                foreach (var p in sandbox.AllProcesses().Where(p => p.Pgid == g.Pgid).ToList()) Post(p, SigInfo.Kernel(g.Signal), null);
                break;
            case SignalProcess s when sandbox.FindProcess(s.Pid) is { } target:
                Post(target, SigInfo.Kernel(s.Signal), null);
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
                if (r.New is { } n)
                {
                    var action = new SignalAction(n.Handler, n.Flags, n.Restorer, n.Mask);
                    process.SignalActions[r.Signal] = action;
                    // A signal now ignored is discarded where it is pending (do_sigaction).
                    if (n.Handler == SignalAction.Ignore || (n.Handler == SignalAction.Default && Sig.IgnoredByDefault(r.Signal)))
                    {
                        process.Runner?.Post(() => process.Runner.DiscardPending(r.Signal));
                    }
                }
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
        var callerTask = (KernelTask)r.Task;
        var caller = callerTask.Process;
        KernelTask? thread = null;
        List<KernelProcess> targets;
        if (r.Tid > 0)
        {
            var owner = sandbox.FindThread(r.Tid);
            if (owner is null || (r.Pid > 0 && owner.Pid != r.Pid)) return new Failed(Errno.ESRCH);
            thread = owner.Threads.FirstOrDefault(t => t.Tid == r.Tid);
            if (thread is null) return new Failed(Errno.ESRCH);
            targets = [owner];
        }
        else if (r.Pid > 0)
        {
            var p = sandbox.FindProcess(r.Pid);
            if (p is null || p.IsReaped) return new Failed(Errno.ESRCH);
            targets = [p];
        }
        else if (r.Pid == 0)
        {
            var pgid = caller.Pgid;
            if (r.GroupOf > 0)
            {
                if (sandbox.FindProcess(r.GroupOf) is not { IsReaped: false } leader) return new Failed(Errno.ESRCH);
                pgid = leader.Pgid;
            }
            targets = sandbox.AllProcesses().Where(p => p.Pgid == pgid).ToList();
        }
        else if (r.Pid == -1)
        {
            // Every process the caller may signal, except init and itself (kill(2)); it still succeeds alone.
            targets = sandbox.AllProcesses().Where(p => p.Pid != 1 && p != caller).ToList();
            if (targets.Count == 0) return new Failed(Errno.ESRCH);
            var sent = targets.Where(p => MaySignal(callerTask, p, r.Signal)).ToList();
            if (sent.Count == 0) return new Failed(Errno.EPERM);
            if (r.Signal != 0) foreach (var p in sent) Post(p, InfoFor(r, callerTask), null);
            return new Done(0);
        }
        else
        {
            targets = sandbox.AllProcesses().Where(p => p.Pgid == -r.Pid).ToList();
        }
        targets.RemoveAll(p => p.IsReaped);
        if (targets.Count == 0) return new Failed(Errno.ESRCH);
        // A group succeeds when any member could be signalled (kill_pgrp_info); else the last error, EPERM.
        var allowed = targets.Where(p => MaySignal(callerTask, p, r.Signal)).ToList();
        if (allowed.Count == 0) return new Failed(Errno.EPERM);
        if (r.Signal == 0) return new Done(0);
        var info = InfoFor(r, callerTask);
        if (allowed.Count == 1 && !SignalCharge.Overrides(info))
        {
            // The receiver's RLIMIT_SIGPENDING is checked now, where the sender can still be told EAGAIN.
            var target = allowed[0];
            var uid = target.Creds.Uid;
            if (sandbox.SignalCharges.TryCharge(uid, target.GetLimit(Limits.SigPending).Cur))
            {
                Post(target, info, thread, SignalCharge.ChargedTo(uid));
                return new Done(0);
            }
            if (SignalCharge.FailsWithoutRoom(info)) return new Failed(Errno.EAGAIN);
        }
        foreach (var target in allowed) Post(target, info, thread);
        return new Done(0);
    }

    private static SigInfo InfoFor(SendSignal r, KernelTask caller) =>
        r.Info is { } given ? given with { Signo = r.Signal }
        : SigInfo.FromUser(r.Signal, r.Tid > 0 ? SigInfo.SiTkill : SigInfo.SiUser, caller.Pid, caller.Process.Creds.Uid);

    /// <summary>check_kill_permission: same thread group, CAP_KILL, matching uids, or SIGCONT within the session.</summary>
    private static bool MaySignal(KernelTask callerTask, KernelProcess target, int signal)
    {
        var caller = callerTask.Process;
        if (caller == target) return true;
        if (callerTask.Settings.Has(Capabilities.Kill)) return true;
        var c = caller.Creds;
        var t = target.Creds;
        if (c.Euid == t.Suid || c.Euid == t.Uid || c.Uid == t.Suid || c.Uid == t.Uid) return true;
        return signal == Sig.SIGCONT && caller.Sid == target.Sid;
    }

    /// <summary>Hands the signal to the target's vCPU thread, where pending signals live.</summary>
    internal static void Post(KernelProcess target, SigInfo info, KernelTask? thread, SignalCharge charge = default)
    {
        if (target.Runner is not { } runner)
        {
            if (charge.How == SignalCharge.Kind.Charged) target.Sandbox.SignalCharges.Release(charge.Uid);
            return;
        }
        runner.Post(() => runner.Queue(info, thread, charge));
    }
}
