using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// wait4/waitid for a tracer (kernel/exit.c's ptrace_do_wait and wait_consider_task with ptrace set): its tracees'
// ptrace-stops and exits are reported to any thread of its group (only the tracer thread with __WNOTHREAD), whether
// or not they are its children, with status 0x7f | code << 8 or CLD_TRAPPED, and no WUNTRACED needed.
public sealed partial class TaskActor
{
    /// <summary>
    /// The caller's tracees matching the wait's id. Children traced by the caller's own group leave
    /// <paramref name="children"/> (their stops are ptrace stops); zombies of children another process traces are
    /// <paramref name="hidden"/> (still waited for, not yet reaped).
    /// </summary>
    private List<PtraceLink> PtraceWaitables(KernelTask caller, int options, Func<int, int, bool> matches,
        List<KernelProcess> children, out HashSet<KernelProcess> hidden)
    {
        hidden = [];
        var table = sandbox.Ptrace;
        lock (table.Lock)
        {
            var tracees = table.TracedBy(caller.Process, (options & WNoThread) != 0 ? caller : null)
                .Where(l => matches(l.Tracee.Tid, l.Tracee.Process.Pgid)).ToList();
            foreach (var child in children.ToList())
            {
                if (table.LeaderLink(child) is not { } link) continue;
                if (link.Tracer.Process == caller.Process) children.Remove(child);
                else hidden.Add(child);
            }
            // A process's threads are reported before its leader (delay_group_leader).
            return tracees.OrderBy(l => l.Tracee.Tid == l.Tracee.Process.Pid ? 1 : 0).ToList();
        }
    }

    /// <summary>The first tracee with something to report: an unreported ptrace-stop or an exit (reaped unless WNOWAIT).</summary>
    private KernelReply? PtraceReport(TaskRequest request, KernelProcess caller, List<PtraceLink> tracees, int options)
    {
        var table = sandbox.Ptrace;
        KernelProcess? toParent = null, toReap = null;
        KernelReply? reply = null;
        lock (table.Lock)
        {
            foreach (var link in tracees)
            {
                if (!link.Attached) continue;
                var task = link.Tracee;
                var peek = (options & WNoWait) != 0;
                if (link.ExitStatus is { } status)
                {
                    if ((options & WExited) == 0) continue;
                    var leader = task.Tid == task.Process.Pid;
                    // The leader's status is final only once its process has finished exiting.
                    if (leader && !task.Process.Exited.IsCompleted) continue;
                    var usage = leader ? task.Process.FinalUsage + task.Process.ChildrenUsage : task.GetUsage(1);
                    reply = Report(request, caller, task.Tid, status, PtraceLife.ExitInfo(Sig.SIGCHLD, task.Tid, task.Process.Creds.Uid, status), usage);
                    if (reply is Done && !peek)
                    {
                        table.Unlink(link);
                        if (leader)
                        {
                            // The tracer is the parent: this is the reaping. Otherwise the parent's turn comes now.
                            if (task.Process.Ppid == caller.Pid)
                            {
                                caller.ChildrenUsage += usage;
                                toReap = task.Process;
                            }
                            else
                            {
                                toParent = task.Process;
                            }
                        }
                    }
                    break;
                }
                if (link.Stopped && !link.Listening && link.Code != 0)
                {
                    var info = new SigInfo(Sig.SIGCHLD, SigInfo.CldTrapped) { Pid = task.Tid, Uid = task.Process.Creds.Uid, Status = link.Code };
                    reply = Report(request, caller, task.Tid, (link.Code << 8) | 0x7f, info, task.Process.SelfUsage());
                    if (reply is Done && !peek) link.Code = 0;
                    break;
                }
            }
        }
        if (toReap is not null) sandbox.Reap(toReap);
        if (toParent is not null) PtraceLife.ZombieToParent(toParent);
        return reply;
    }

    /// <summary>wait4's status word and rusage, or waitid's siginfo and rusage, for task <paramref name="tid"/>.</summary>
    private static KernelReply Report(TaskRequest request, KernelProcess caller, int tid, int status, SigInfo info, Kernel.Syscalls.Usage usage)
    {
        ulong rusage;
        if (request is WaitChild w)
        {
            if (w.StatusAddress != 0 && caller.Mm.Write(w.StatusAddress, BitConverter.GetBytes(status)) != Errno.None) return new Failed(Errno.EFAULT);
            rusage = w.RusageAddress;
        }
        else
        {
            var i = (WaitChildInfo)request;
            if (i.InfoAddress != 0 && caller.Mm.Write(i.InfoAddress, info.ToBytes()) != Errno.None) return new Failed(Errno.EFAULT);
            rusage = i.RusageAddress;
        }
        if (rusage != 0 && caller.Mm.Write(rusage, usage.ToRusage()) != Errno.None) return new Failed(Errno.EFAULT);
        return new Done(request is WaitChild ? tid : 0);
    }
}
