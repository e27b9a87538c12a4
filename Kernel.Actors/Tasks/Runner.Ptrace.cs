using Kernel.Platform;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.PtraceAbi;

namespace Kernel.Actors.Tasks;

// The tracee's side of ptrace, on its vCPU thread. A ptrace-stop parks the task (off the run queue, never a waiting
// host thread) with a snapshot of its registers in its link and a continuation; the tracer's resume is posted here,
// loads the registers back and runs the continuation. Stops come where Linux makes them: at syscall entry and exit
// (HandleSyscall, Complete, PrepareToRun), for each dequeued signal (DeliverSignals), for group-stop and
// PTRACE_EVENT_STOP traps, for events a syscall owes (fork, clone, exec...), and at exit.
public sealed partial class Runner
{
    /// <summary>The tracer asked for one instruction at a time (PTRACE_SINGLESTEP, PTRACE_SYSEMU_SINGLESTEP).</summary>
    private static bool Stepping(KernelTask task) => task.Ptrace is { Mode: PtraceMode.SingleStep or PtraceMode.SysEmuStep };

    private PtraceTable PtraceLinks => _sandbox.Ptrace;

    /// <summary>The task that began the process's exit (exit_group, a fatal signal): the one PTRACE_EVENT_EXIT stops.</summary>
    private KernelTask? _exitInitiator;

    /// <summary>The process was killed as by SIGKILL (a fatal signal's group kill): no thread stops on its way out.</summary>
    private bool _killed;

    /// <summary>
    /// Parks <paramref name="task"/> in a ptrace-stop and tells its tracer. False when no stop happens (the link is
    /// gone, or the process is dying): the caller then goes on as if the tracer had answered at once.
    /// </summary>
    private bool PtraceStop(KernelTask task, PtraceLink link, PtraceStopKind kind, int code, SigInfo? info, ulong message,
        Action<int> resumed, ulong? shownX0 = null)
    {
        if (_process.IsExiting && kind != PtraceStopKind.Exit) return false;
        var regs = task.Context.Capture();
        lock (PtraceLinks.Lock)
        {
            if (!link.Attached || task.Ptrace != link) return false;
            if (kind is PtraceStopKind.SyscallEntry or PtraceStopKind.SyscallExit)
            {
                // The tracer sees x7 as the stop's direction (0 entry, 1 exit); its own value comes back afterwards.
                link.SavedX7 = regs.X[7];
                regs.X[7] = kind == PtraceStopKind.SyscallEntry ? 0UL : 1UL;
            }
            if (shownX0 is { } shown)
            {
                link.ActualX0 = regs.X[0];
                link.ShownX0 = shown;
                regs.X[0] = shown;
            }
            link.Regs = regs;
            link.RegsDirty = false;
            link.SyscallNo = task.SyscallNo;
            link.SyscallNoSet = false;
            link.Stopped = true;
            link.Listening = false;
            link.Kind = kind;
            link.Code = code;
            link.LastInfo = info;
            link.Message = message;
            // Any trap ends a pending STOP trap; an EVENT_STOP trap ends a pending notification; a group-stop trap
            // is this task's part in the group stop.
            link.TrapStop = false;
            if (info is { } i && i.Code >> 8 == EventStop) link.TrapNotify = false;
            if (kind == PtraceStopKind.Group) link.GroupStopPending = false;
        }
        task.VoluntarySwitches++;
        task.State = TaskState.Parked;
        _runQueue.Remove(task);
        task.PtraceStopLink = link;
        task.PtraceResumed = resumed;
        NotifyTracer(task, link, kind == PtraceStopKind.Group ? SigInfo.CldStopped : SigInfo.CldTrapped, code);
        return true;
    }

    /// <summary>do_notify_parent_cldstop for the tracer: SIGCHLD (unless SA_NOCLDSTOP), and its waits look again.</summary>
    private void NotifyTracer(KernelTask task, PtraceLink link, int why, int code)
    {
        var tracer = link.Tracer.Process;
        if (!tracer.IsExiting && (tracer.SignalActions[Sig.SIGCHLD].Flags & SaFlags.NoCldStop) == 0)
        {
            var status = why == SigInfo.CldStopped ? _process.StopSignal : code & 0x7f;
            SignalActor.Post(tracer, new SigInfo(Sig.SIGCHLD, why) { Pid = task.Tid, Uid = _process.Creds.Uid, Status = status }, null);
        }
        _sandbox.Supervisor.Tell(new TaskActor.ProcessExited(_process), Akka.Actor.ActorRefs.NoSender);
    }

    /// <summary>The tracer resumed (or detached) <paramref name="task"/>: its registers come back and it goes on.</summary>
    internal void PtraceContinue(KernelTask task)
    {
        if (task.PtraceResumed is not { } resumed || task.PtraceStopLink is not { } link || task.State != TaskState.Parked) return;
        CpuState? regs;
        int signal;
        var s = task.SignalState;
        lock (PtraceLinks.Lock)
        {
            if (link.Stopped && link.Attached) return; // still stopped (LISTEN does not resume)
            signal = link.ResumeSignal;
            regs = link.RegsDirty ? link.Regs : null;
            if (regs is not null && link.Kind is PtraceStopKind.SyscallEntry or PtraceStopKind.SyscallExit) regs.X[7] = link.SavedX7;
            if (regs is not null && link.Kind == PtraceStopKind.SyscallExit)
            {
                // A tracer that changed x0 at syscall exit decides the result: no restart of the interrupted call.
                if (regs.X[0] == link.ShownX0) regs.X[0] = link.ActualX0;
                else s.RestartErrno = Errno.None;
            }
            // A syscall number set to -1 at a stop after the call (gdb does so before it moves the pc) ends any restart.
            if (link.SyscallNoSet && link.SyscallNo == -1 && link.Kind is not (PtraceStopKind.SyscallEntry or PtraceStopKind.Event)) s.RestartErrno = Errno.None;
            if (link.Kind != PtraceStopKind.SyscallEntry) task.SyscallNo = link.SyscallNo;
        }
        task.PtraceResumed = null;
        task.PtraceStopLink = null;
        if (regs is not null) task.Context.Load(regs);
        AddRunnable(task);
        resumed(signal);
        if (_process.IsExiting) _exitInitiator ??= task; // the syscall it went on with may have been exit_group
    }

    /// <summary>PTRACE_ATTACH/SEIZE reached the tracee: ATTACH's SIGSTOP, and a trap if its group is stopped now.</summary>
    internal void PtraceAttached(KernelTask task, PtraceLink link, bool sendStop)
    {
        if (_process.IsExiting || task.State == TaskState.Exited) return;
        if (sendStop) Queue(SigInfo.Kernel(Sig.SIGSTOP), task);
        if (!_process.IsStopped) return;
        lock (PtraceLinks.Lock)
        {
            if (!link.Attached) return;
            link.TrapStop = true;
        }
        // Stopped and not in a syscall: it traps now, before anything posted after the attach (a SIGCONT) is seen,
        // as Linux's JOBCTL_TRAPPING makes the attach wait for that trap.
        if (task.State == TaskState.Runnable) PtraceTrap(task, link);
        else PtraceKick(task);
    }

    /// <summary>A trap is pending for <paramref name="task"/>: a call it waits in ends (to be restarted), so it traps soon.</summary>
    internal void PtraceKick(KernelTask task)
    {
        if (task.State == TaskState.Parked && task.PtraceResumed is null) Interrupt(task);
        _wake.Release();
    }

    /// <summary>Before the task's signals: the syscall-exit stop a completed syscall owes. True when the task stopped.</summary>
    private bool PtraceSyscallExitPending(KernelTask task)
    {
        if (!task.PtraceExitPending) return false;
        task.PtraceExitPending = false;
        // Stepping over a syscall reports the step after it: a SIGTRAP (user_single_step_report).
        if (Stepping(task)) task.SignalState.Pending.Add(new SigInfo(Sig.SIGTRAP, SigInfo.SiUser));
        return task.Ptrace is { Mode: PtraceMode.Syscall } link && PtraceSyscallExit(task, link);
    }

    /// <summary>A handler was entered while stepping: the tracer sees the task at its first instruction (signal_setup_done).</summary>
    private bool PtraceHandlerStop(KernelTask task) =>
        Stepping(task) && task.Ptrace is { } link
        && PtraceStop(task, link, PtraceStopKind.Event, Sig.SIGTRAP, TrapInfo(task, Sig.SIGTRAP), 0, _ => { });

    private bool PtraceSyscallExit(KernelTask task, PtraceLink link)
    {
        var s = task.SignalState;
        var x0 = task.Context.GetX(0);
        var shown = s.RestartErrno != Errno.None ? unchecked((ulong)-(long)s.RestartErrno) : x0;
        var code = SyscallStopCode(link);
        return PtraceStop(task, link, PtraceStopKind.SyscallExit, code, TrapInfo(task, code), MsgSyscallExit,
            sig => InjectAfterSyscallStop(task, sig), shown);
    }

    private static int SyscallStopCode(PtraceLink link) => Sig.SIGTRAP | (link.SysGood ? 0x80 : 0);

    /// <summary>The siginfo of a syscall or event stop (ptrace_do_notify): SIGTRAP, the stop's code, the tracee's ids.</summary>
    private SigInfo TrapInfo(KernelTask task, int code) => new(Sig.SIGTRAP, code) { Pid = task.Tid, Uid = _process.Creds.Uid };

    /// <summary>A signal given when resuming from a syscall stop is sent to the tracee (ptrace_report_syscall).</summary>
    private void InjectAfterSyscallStop(KernelTask task, int sig)
    {
        if (sig != 0) Queue(SigInfo.Kernel(sig), task);
    }

    /// <summary>do_jobctl_trap: a group-stop or PTRACE_EVENT_STOP trap if one is pending. True when the task stopped.</summary>
    private bool PtraceTrap(KernelTask task, PtraceLink link)
    {
        bool seized;
        lock (PtraceLinks.Lock)
        {
            if (!link.HasPendingTrap) return false;
            seized = link.Seized;
        }
        int sig, code;
        SigInfo? info = null;
        if (seized)
        {
            sig = _process.IsStopped ? _process.StopSignal : Sig.SIGTRAP;
            code = sig | (EventStop << 8);
            info = new SigInfo(sig, code) { Pid = task.Tid, Uid = _process.Creds.Uid };
        }
        else
        {
            code = sig = _process.StopSignal != 0 ? _process.StopSignal : Sig.SIGSTOP;
        }
        var stopped = PtraceStop(task, link, PtraceStopKind.Group, code, info, 0, _ =>
        {
            // Resumed while its group stays stopped: this tracee runs on (the others wait for SIGCONT).
            lock (PtraceLinks.Lock) link.Released = _process.IsStopped;
        });
        if (!stopped)
        {
            lock (PtraceLinks.Lock) link.TrapStop = link.TrapNotify = link.GroupStopPending = false;
        }
        return stopped;
    }

    /// <summary>ptrace_signal: the tracer sees <paramref name="info"/> before it is acted on. True when the task stopped.</summary>
    private bool PtraceSignalStop(KernelTask task, PtraceLink link, SigInfo info) =>
        PtraceStop(task, link, PtraceStopKind.SignalDelivery, info.Signo, info, 0, sig => PtraceSignalDecided(task, link, info, sig));

    /// <summary>The tracer's verdict on a signal: none, the same one (with its possibly rewritten siginfo), or another.</summary>
    private void PtraceSignalDecided(KernelTask task, PtraceLink link, SigInfo original, int sig)
    {
        if (sig == 0) return;
        SigInfo info;
        lock (PtraceLinks.Lock) info = link.LastInfo ?? original;
        if (sig != info.Signo)
        {
            lock (PtraceLinks.Lock) info = SigInfo.FromUser(sig, SigInfo.SiUser, link.Tracer.Tid, link.Tracer.Process.Creds.Uid);
        }
        // A signal now blocked goes back to the queue.
        if ((task.SignalMask & Bit(sig)) != 0)
        {
            task.SignalState.Pending.Add(info);
            return;
        }
        task.PtraceDecided = info;
    }

    /// <summary>Syscall-entry stop (PTRACE_SYSCALL, PTRACE_SYSEMU). True when the task stopped.</summary>
    private bool PtraceSyscallEntry(KernelTask task, PtraceLink link, SyscallCall call, long started)
    {
        var emu = link.Mode is PtraceMode.SysEmu or PtraceMode.SysEmuStep;
        // syscall(-1) fails with ENOSYS unless the tracer says otherwise; x0 shows it at the stop.
        if (call.Number == -1) task.Context.SetX(0, unchecked((ulong)-(long)Errno.ENOSYS));
        lock (PtraceLinks.Lock) link.OrigX0 = call.Arg(0);
        var code = SyscallStopCode(link);
        return PtraceStop(task, link, PtraceStopKind.SyscallEntry, code, TrapInfo(task, code), MsgSyscallEntry,
            sig => AfterSyscallEntry(task, link, call, started, emu, sig));
    }

    /// <summary>After the entry stop: the (possibly changed) syscall runs with the registers as they are now, or is skipped.</summary>
    private void AfterSyscallEntry(KernelTask task, PtraceLink link, SyscallCall call, long started, bool emu, int sig)
    {
        InjectAfterSyscallStop(task, sig);
        long nr;
        lock (PtraceLinks.Lock) nr = link.SyscallNo;
        if (emu || nr == -1)
        {
            task.SyscallNo = nr;
            SkippedSyscall(task);
            return;
        }
        var ctx = task.Context;
        var next = new SyscallCall(task, (int)nr, ctx.GetX(0), ctx.GetX(1), ctx.GetX(2), ctx.GetX(3), ctx.GetX(4), ctx.GetX(5));
        task.SyscallNo = nr;
        RunSyscall(task, next, started);
    }

    /// <summary>A syscall that did not run (skipped by the tracer or seccomp): x0 stays as it is; the exit stop still comes.</summary>
    private static void SkippedSyscall(KernelTask task)
    {
        if (task.Ptrace is not null) task.PtraceExitPending = true;
    }

    /// <summary>Events the syscall owes the tracer (fork, vfork, clone, exec, vfork-done), one stop each. True when it stopped.</summary>
    private bool PtraceEventStop(KernelTask task, SyscallCall call, SyscallResult result, long started)
    {
        while (task.PtraceEvents.TryDequeue(out var e))
        {
            if (task.Ptrace is not { } link || !link.Wants(e.Event)) continue;
            var code = Sig.SIGTRAP | (e.Event << 8);
            if (PtraceStop(task, link, PtraceStopKind.Event, code, TrapInfo(task, code), e.Message,
                    _ => Complete(task, call, result, started))) return true;
        }
        return false;
    }

    /// <summary>PTRACE_EVENT_EXIT for a thread that leaves alone (exit): true when it stopped first.</summary>
    private bool PtraceThreadExitStop(KernelTask task, int code)
    {
        if (task.ExitStopDone || task.Ptrace is not { } link || !link.Wants(EventExit) || _process.IsExiting) return false;
        task.ExitStopDone = true;
        var stopCode = Sig.SIGTRAP | (EventExit << 8);
        return PtraceStop(task, link, PtraceStopKind.Exit, stopCode, TrapInfo(task, stopCode), (ulong)ProcessExit.Exited(code).WaitStatus,
            _ => ExitThread(task, code));
    }

    /// <summary>
    /// The process is exiting: the task that began it stops at PTRACE_EVENT_EXIT first if its tracer asked (not when
    /// SIGKILL ends it). True while that stop lasts.
    /// </summary>
    private bool PtraceGroupExitStop()
    {
        var t = _exitInitiator;
        if (t is null || t.State == TaskState.Exited) return false;
        if (t.PtraceResumed is not null) return true;
        if (t.ExitStopDone || t.Ptrace is not { } link || !link.Wants(EventExit)) return false;
        t.ExitStopDone = true;
        if (_killed || _process.ExitStatus is not { } exit || exit.Signal == Sig.SIGKILL) return false;
        var code = Sig.SIGTRAP | (EventExit << 8);
        return PtraceStop(t, link, PtraceStopKind.Exit, code, TrapInfo(t, code), (ulong)exit.WaitStatus, _ => { });
    }

    /// <summary>SIGKILL ends every ptrace-stop of the process at once (TASK_TRACED is killable).</summary>
    private void PtraceAbortStops()
    {
        foreach (var t in _process.Threads)
        {
            if (t.PtraceResumed is null) continue;
            t.PtraceResumed = null;
            if (t.PtraceStopLink is { } link)
            {
                lock (PtraceLinks.Lock) link.Stopped = link.Listening = false;
            }
            t.PtraceStopLink = null;
        }
        _wake.Release();
    }

    /// <summary>A traced task's clone: the event its tracer asked for, and the child traced too (PTRACE_O_TRACE*, CLONE_PTRACE).</summary>
    internal void PtraceCloned(KernelTask parent, KernelTask child, ulong flags, int exitSignal)
    {
        if (parent.Ptrace is not { } link) return;
        var evt = (flags & CloneFlags.Untraced) != 0 ? 0
            : (flags & CloneFlags.Vfork) != 0 ? EventVfork
            : exitSignal != Sig.SIGCHLD ? EventClone
            : EventFork;
        lock (PtraceLinks.Lock)
        {
            if (!link.Attached) return;
            if (evt != 0 && !link.Wants(evt)) evt = 0;
            if (evt == 0 && (flags & CloneFlags.Ptrace) == 0) return;
            var childLink = PtraceLinks.Link(child, link.Tracer, link.Seized, link.Options);
            // A seized child starts with a PTRACE_EVENT_STOP trap, any other with SIGSTOP pending.
            if (link.Seized) childLink.TrapStop = true;
            else child.SignalState.Pending.Add(SigInfo.Kernel(Sig.SIGSTOP));
        }
        if (evt != 0) parent.PtraceEvents.Enqueue((evt, (ulong)child.Tid));
    }

    /// <summary>A traced task exec'd: PTRACE_EVENT_EXEC (with the old thread id), or the legacy SIGTRAP for an attached tracee.</summary>
    internal void PtraceExeced(KernelTask task, int oldTid)
    {
        if (task.Ptrace is not { } link) return;
        if (link.Wants(EventExec)) task.PtraceEvents.Enqueue((EventExec, (ulong)oldTid));
        else if (!link.Seized) Queue(SigInfo.FromUser(Sig.SIGTRAP, SigInfo.SiUser, _process.Pid, _process.Creds.Uid), task);
    }

    /// <summary>The vfork child has exec'd or exited: PTRACE_EVENT_VFORK_DONE is owed before vfork returns.</summary>
    private void PtraceVforkDone(KernelTask task, int child)
    {
        if (task.Ptrace is { } link && link.Wants(EventVforkDone)) task.PtraceEvents.Enqueue((EventVforkDone, (ulong)child));
    }

    /// <summary>seccomp's SECCOMP_RET_TRACE with a tracer that asked for it: a PTRACE_EVENT_SECCOMP stop. True when it stopped.</summary>
    private bool PtraceSeccompStop(KernelTask task, SyscallCall call, int data, long started)
    {
        if (task.Ptrace is not { } link || !link.Wants(EventSeccomp)) return false;
        lock (PtraceLinks.Lock) link.OrigX0 = call.Arg(0);
        var code = Sig.SIGTRAP | (EventSeccomp << 8);
        return PtraceStop(task, link, PtraceStopKind.Event, code, TrapInfo(task, code), (ulong)data, _ =>
        {
            long nr;
            lock (PtraceLinks.Lock) nr = link.SyscallNo;
            task.SyscallNo = nr;
            if (nr < 0)
            {
                SkippedSyscall(task); // the tracer skipped it (x0 is what it set)
                return;
            }
            // The filters run again on the syscall as the tracer left it; a second TRACE lets it through.
            var ctx = task.Context;
            var next = new SyscallCall(task, (int)nr, ctx.GetX(0), ctx.GetX(1), ctx.GetX(2), ctx.GetX(3), ctx.GetX(4), ctx.GetX(5));
            RunSyscall(task, next, started, afterTrace: true);
        });
    }

    /// <summary>Whether a traced task may run while its group is stopped: to trap, or released by its tracer.</summary>
    private static bool MayRunStopped(KernelTask task)
    {
        if (task.Ptrace is not { } link) return false;
        return link.HasPendingTrap || link.Released || task.PtraceExitPending;
    }

    /// <summary>The group stops: each tracee of it traps (and is told) instead of stopping silently.</summary>
    private void PtraceGroupStop()
    {
        foreach (var t in _process.Threads)
        {
            if (t.Ptrace is not { } link) continue;
            lock (PtraceLinks.Lock)
            {
                link.Released = false;
                link.GroupStopPending = true;
                if (link.Seized) link.TrapNotify = true;
            }
            PtraceNotifyListening(link);
            PtraceKick(t);
        }
    }

    /// <summary>SIGCONT: the group stop is over; seized tracees are told by a PTRACE_EVENT_STOP trap.</summary>
    private void PtraceGroupContinue()
    {
        foreach (var t in _process.Threads)
        {
            if (t.Ptrace is not { } link) continue;
            lock (PtraceLinks.Lock)
            {
                link.Released = false;
                link.GroupStopPending = false;
                if (!link.Seized) continue;
                link.TrapNotify = true;
            }
            PtraceNotifyListening(link);
            if (t.PtraceResumed is null) PtraceKick(t);
        }
    }

    /// <summary>A listening tracee wakes to trap again (ptrace_trap_notify).</summary>
    private void PtraceNotifyListening(PtraceLink link)
    {
        Action? wake = null;
        lock (PtraceLinks.Lock)
        {
            if (link.Listening) wake = PtraceRequests.Wake(link);
        }
        wake?.Invoke();
    }

    /// <summary>SECCOMP_RET_TRACE's rule: a tracee with PTRACE_O_SUSPEND_SECCOMP runs outside its filters.</summary>
    private static bool SeccompSuspended(KernelTask task) => ((task.Ptrace?.Options ?? 0) & OSuspendSeccomp) != 0;
}
