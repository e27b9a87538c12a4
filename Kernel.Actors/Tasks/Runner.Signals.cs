using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors.Tasks;

// Signal delivery, on the vCPU thread. A signal is queued (Queue), the thread that will take it is woken (its
// parked call interrupted), and before a thread next runs guest code its deliverable signals are acted on: ignored,
// fatal, or a frame is pushed and the handler entered. rt_sigreturn pops the frame. This is Linux's
// send_signal/complete_signal/get_signal/handle_signal split, run where the thread's registers live.
public sealed partial class Runner
{
    internal const ulong Unblockable = (1UL << (Sig.SIGKILL - 1)) | (1UL << (Sig.SIGSTOP - 1));
    private const ulong StopSignals = (1UL << (Sig.SIGSTOP - 1)) | (1UL << (Sig.SIGTSTP - 1)) | (1UL << (Sig.SIGTTIN - 1)) | (1UL << (Sig.SIGTTOU - 1));

    private static ulong Bit(int sig) => PendingSignals.Bit(sig);

    private static bool IsIgnored(int sig, SignalAction action) =>
        action.Handler == SignalAction.Ignore || (action.Handler == SignalAction.Default && Sig.IgnoredByDefault(sig));

    /// <summary>
    /// Queues <paramref name="info"/> for <paramref name="thread"/> (null: the process). Must run on this runner's
    /// thread (senders <see cref="Post"/> it). False only when a real-time signal finds no room under RLIMIT_SIGPENDING
    /// (EAGAIN); <paramref name="charge"/> says how the queued siginfo is charged for it.
    /// </summary>
    internal bool Queue(SigInfo info, KernelTask? thread, SignalCharge charge = default)
    {
        var sig = info.Signo;
        if (_process.IsExiting || sig == Sig.SIGKILL)
        {
            // Nothing is queued: a charge the sender made goes back.
            if (charge.How == SignalCharge.Kind.Charged) _sandbox.SignalCharges.Release(charge.Uid);
        }
        if (_process.IsExiting)
        {
            if (sig == Sig.SIGKILL) PtraceAbortStops(); // SIGKILL cuts a PTRACE_EVENT_EXIT stop short
            return true;
        }
        if (sig == Sig.SIGKILL)
        {
            _killed = true;
            Kill(Sig.SIGKILL);
            return true;
        }
        // A continue cancels pending stops and a stop a pending continue (prepare_signal).
        if (sig == Sig.SIGCONT)
        {
            DropPending(StopSignals);
            Continue();
        }
        else if ((Bit(sig) & StopSignals) != 0)
        {
            DropPending(Bit(Sig.SIGCONT));
        }
        var action = _process.SignalActions[sig];
        var target = thread ?? PickThread(sig);
        var blocked = target is null || (target.SignalMask & Bit(sig)) != 0;
        // A thread in sigtimedwait has its set unblocked for the wait; its real mask still counts (real_blocked).
        var realBlocked = blocked || (target!.SignalState is { Wait.Timed: true, SavedMask: { } real } && (real & Bit(sig)) != 0);
        // A tracee's signals all reach its tracer (sig_ignored and complete_signal leave them queued).
        var traced = target?.Ptrace is not null;
        // An ignored signal is discarded at once, unless blocked: its disposition may change before it is unblocked.
        if (!realBlocked && IsIgnored(sig, action) && !traced)
        {
            if (charge.How == SignalCharge.Kind.Charged) _sandbox.SignalCharges.Release(charge.Uid);
            return true;
        }
        if (!(thread?.SignalState.Pending ?? _process.SharedPending).Add(info, charge)) return false;
        _process.SignalQueued.Notify(Poll.In);
        if (blocked) return true;
        if (action.Handler == SignalAction.Default && !realBlocked && !Sig.StopsByDefault(sig) && !traced)
        {
            _killed = true; // every thread goes as if by SIGKILL: no PTRACE_EVENT_EXIT stop
            Kill(sig); // fatal with no handler: the whole group goes now (complete_signal)
            return true;
        }
        Interrupt(target!);
        return true;
    }

    /// <summary>rt_sigaction made <paramref name="sig"/> ignored: its pending instances go.</summary>
    internal void DiscardPending(int sig)
    {
        if (IsIgnored(sig, _process.SignalActions[sig])) DropPending(Bit(sig));
    }

    /// <summary>Whether <paramref name="info"/> (a timer's signal) still waits in a queue of this process.</summary>
    internal bool IsQueued(SigInfo info) =>
        _process.SharedPending.Contains(info) || _process.Threads.Any(t => t.SignalState.Pending.Contains(info));

    internal void Unqueue(SigInfo info)
    {
        _process.SharedPending.Remove(info);
        foreach (var t in _process.Threads) t.SignalState.Pending.Remove(info);
    }

    private void DropPending(ulong set)
    {
        _process.SharedPending.Remove(set);
        foreach (var t in _process.Threads) t.SignalState.Pending.Remove(set);
    }

    /// <summary>The thread a process-directed signal goes to: the main thread if it takes it, else any that does.</summary>
    private KernelTask? PickThread(int sig)
    {
        KernelTask? found = null;
        foreach (var t in _process.Threads)
        {
            if (t.State == TaskState.Exited || (t.SignalMask & Bit(sig)) != 0) continue;
            if (t.Tid == _process.Pid) return t;
            found ??= t;
        }
        return found;
    }

    /// <summary>Dequeues the next signal of <paramref name="among"/> for the task: its own first, then its process's.</summary>
    private SigInfo? Take(KernelTask task, ulong among)
    {
        var info = task.SignalState.Pending.Take(among) ?? _process.SharedPending.Take(among);
        // A timer's signal carries the overruns counted up to its dequeue.
        return info is { Code: SigInfo.SiTimer } && _process.HasTimers ? _process.Timers.Dequeued(info) : info;
    }

    /// <summary>A signalfd read: takes a pending signal of <paramref name="mask"/> for <paramref name="reader"/> (any thread may call).</summary>
    internal SigInfo? TakeForSignalFd(KernelTask reader, ulong mask) => Take(reader, mask);

    private ulong Deliverable(KernelTask task) => (task.SignalState.Pending.Bits | _process.SharedPending.Bits) & ~task.SignalMask;

    /// <summary>A signal for a parked task: its wait ends (EINTR or a restart, decided at delivery).</summary>
    private void Interrupt(KernelTask task)
    {
        if (task.State != TaskState.Parked) return; // a runnable task meets the signal before it next runs
        var s = task.SignalState;
        if (s.Wait is { } w)
        {
            EndSignalWait(task, w);
            return;
        }
        if (task.FutexWaitingOn is not null && _futexWaiters.Remove(task))
        {
            task.FutexWaitingOn = null;
            SetResult(task, -(long)Errno.ERESTARTSYS);
            AddRunnable(task);
            return;
        }
        if (task.SharedFutexWait is { } sw)
        {
            if (_sandbox.Futexes.Remove(sw)) EndSharedFutexWait(sw, -(long)Errno.ERESTARTSYS);
            return;
        }
        if (InterruptFutexWait(task)) return;
        // A call parked in an actor: the actor answers it (ERESTARTSYS or EINTR) if it still waits; if its answer is
        // already on the way, the call completes and the signal is delivered after it.
        if (s.ParkedRequest is { } request) _sandbox.Interrupt(request);
    }

    /// <summary>Stores a syscall's result in x0; an ERESTART* code is kept for delivery, which makes it EINTR or a restart.</summary>
    private static void SetResult(KernelTask task, long value)
    {
        if (value is <= -(long)Errno.ERESTARTSYS and >= -(long)Errno.ERESTART_RESTARTBLOCK)
        {
            task.SignalState.RestartErrno = (Errno)(-value);
            value = -(long)Errno.EINTR;
        }
        task.Context.SetX(0, unchecked((ulong)value));
    }

    /// <summary>Before <paramref name="task"/> runs guest code: acts on its deliverable signals. False when it must not run now.</summary>
    private bool PrepareToRun(KernelTask task)
    {
        var s = task.SignalState;
        if (Deliverable(task) == 0 && s.RestartErrno == Errno.None && s.SavedMask is null && task.Ptrace is null
            && task.PtraceDecided is null) return true;
        DeliverSignals(task);
        return !_process.IsExiting && (!_process.IsStopped || MayRunStopped(task)) && task.State == TaskState.Runnable;
    }

    private void DeliverSignals(KernelTask task)
    {
        var s = task.SignalState;
        // A traced task first owes its syscall-exit stop; each trap or signal-delivery stop below ends this pass,
        // which goes on where it was once the tracer resumes the task.
        if (PtraceSyscallExitPending(task)) return;
        var handled = s.HandledBeforeStop;
        s.HandledBeforeStop = false;
        for (var guard = 0; guard < 128; guard++)
        {
            SigInfo? info;
            if (task.PtraceDecided is { } decided)
            {
                task.PtraceDecided = null;
                info = decided;
            }
            else
            {
                if (task.Ptrace is { } trapping && PtraceTrap(task, trapping))
                {
                    s.HandledBeforeStop = handled;
                    return;
                }
                info = Take(task, ~task.SignalMask);
                if (info is null) break;
                if (task.Ptrace is { } link && info.Signo != Sig.SIGKILL && PtraceSignalStop(task, link, info))
                {
                    s.HandledBeforeStop = handled;
                    return;
                }
            }
            var sig = info.Signo;
            var action = _process.SignalActions[sig];
            if (action.Handler == SignalAction.Ignore) continue;
            if (action.Handler == SignalAction.Default)
            {
                if (Sig.IgnoredByDefault(sig)) continue;
                if (Sig.StopsByDefault(sig))
                {
                    Stop(sig);
                    if (task.Ptrace is not null && _process.IsStopped) continue; // its group-stop trap comes next
                    break; // the interrupted call restarts once the process continues
                }
                Kill(sig);
                return;
            }
            if (!handled) DecideRestart(task, action);
            if (!PushFrame(task, info, action))
            {
                Kill(Sig.SIGSEGV); // the frame could not be written: Linux forces SIGSEGV, fatal here
                return;
            }
            handled = true;
            if (PtraceHandlerStop(task))
            {
                s.HandledBeforeStop = true;
                return;
            }
        }
        if (!handled)
        {
            if (s.RestartErrno != Errno.None) Rewind(task);
            if (s.SavedMask is { } saved) task.SignalMask = saved;
            s.SavedMask = null;
        }
        s.RestartErrno = Errno.None;
    }

    /// <summary>A handler runs after an interrupted call: SA_RESTART restarts what may be restarted, the rest fail with EINTR.</summary>
    private static void DecideRestart(KernelTask task, SignalAction action)
    {
        var restart = task.SignalState.RestartErrno switch
        {
            Errno.ERESTARTNOINTR => true,
            Errno.ERESTARTSYS => (action.Flags & SaFlags.Restart) != 0,
            _ => false,
        };
        if (restart) Rewind(task);
        task.SignalState.RestartErrno = Errno.None;
    }

    /// <summary>
    /// Makes the task execute its interrupted syscall again: back over the svc, with x0 as it was; a call that left a
    /// restart block goes on through restart_syscall instead (x8 = 128), as Linux does.
    /// </summary>
    private static void Rewind(KernelTask task)
    {
        if (task.SignalState.Call is not { } call) return;
        task.Context.Pc -= 4;
        if (task.SignalState.RestartErrno == Errno.ERESTART_RESTARTBLOCK) task.Context.SetX(8, RestartSyscall);
        else task.Context.SetX(0, call.Arg(0));
    }

    private const ulong RestartSyscall = 128;

    private bool PushFrame(KernelTask task, SigInfo info, SignalAction action)
    {
        RseqFixup(task); // a handler never runs inside an rseq critical section
        var ctx = task.Context;
        var regs = ctx.Capture();
        var s = task.SignalState;
        var alt = task.AltStack;
        var onAlt = AltStack.Contains(alt, regs.Sp);
        var top = (action.Flags & SaFlags.OnStack) != 0 && alt.Flags != AltStack.Disable && !onAlt ? alt.Sp + alt.Size : regs.Sp;
        var ucStack = (alt.Sp, alt.Size == 0 ? AltStack.Disable : onAlt ? AltStack.OnStack : 0, alt.Size);
        var saved = s.SavedMask ?? task.SignalMask;
        var fault = info.Signo is Sig.SIGSEGV or Sig.SIGBUS or Sig.SIGILL or Sig.SIGTRAP or Sig.SIGFPE && info.Code > 0 ? info.Addr : 0;
        ulong? esr = null;
        if (info.Signo == Sig.SIGSEGV && info.Code is SigInfo.SegvMaperr or SigInfo.SegvAccerr)
        {
            esr = s.FaultEsr;
            s.FaultEsr = null;
        }
        var (frame, record, bytes) = SignalFrame.Build(regs, top, info, saved, ucStack, fault, esr);
        var mm = _process.Mm;
        Span<byte> link = stackalloc byte[16];
        BitConverter.TryWriteBytes(link, regs.X[29]);
        BitConverter.TryWriteBytes(link[8..], regs.X[30]);
        if (mm.Write(frame, bytes) != Errno.None || mm.Write(record, link) != Errno.None) return false;
        s.SavedMask = null;
        var sig = info.Signo;
        task.SignalMask = (task.SignalMask | action.Mask | ((action.Flags & SaFlags.NoDefer) != 0 ? 0 : Bit(sig))) & ~Unblockable;
        if ((action.Flags & SaFlags.ResetHand) != 0) _process.SignalActions[sig] = SignalAction.DefaultAction;
        ctx.SetX(0, (ulong)sig);
        ctx.SetX(1, frame);
        ctx.SetX(2, frame + SigInfo.Size);
        ctx.SetX(29, record);
        ctx.SetX(30, (action.Flags & SaFlags.Restorer) != 0 ? action.Restorer : mm.SigPage);
        ctx.Sp = frame;
        ctx.Pc = action.Handler;
        return true;
    }

    /// <summary>rt_sigreturn: the registers, mask and alternate stack saved in the frame at sp come back.</summary>
    internal SyscallResult SigReturn(KernelTask task)
    {
        var ctx = task.Context;
        var restored = SignalFrame.Restore(_process.Mm, ctx.Sp, ctx.Capture());
        if (restored is not { } r)
        {
            ForceSignal(task, new SigInfo(Sig.SIGSEGV, SigInfo.SiKernel));
            return SyscallResult.Unchanged;
        }
        ctx.Load(r.Regs);
        task.SignalMask = r.Mask & ~Unblockable;
        var alt = r.AltStack;
        // restore_altstack: applied unless the thread runs on the alternate stack now (sigaltstack's EPERM).
        var onAlt = AltStack.Contains(task.AltStack, r.Regs.Sp);
        if (!onAlt && (alt.Flags & ~AltStack.OnStack) == 0) task.AltStack = (alt.Sp, 0, alt.Size);
        else if (!onAlt && alt.Flags == AltStack.Disable) task.AltStack = (0, AltStack.Disable, 0);
        task.SignalState.RestartErrno = Errno.None;
        return SyscallResult.Unchanged;
    }

    /// <summary>
    /// A synchronous signal the thread caused (a fault): if it is blocked or ignored the default action is forced,
    /// as force_sig_info does, so a faulting thread never loops on its fault.
    /// </summary>
    internal void ForceSignal(KernelTask task, SigInfo info)
    {
        var sig = info.Signo;
        var action = _process.SignalActions[sig];
        if (task.Ptrace is not null)
        {
            // force_sig_info_to_task: a blocked or ignored signal gets its default action and is unblocked; the
            // tracer sees it at its signal-delivery-stop (a debugger's breakpoint SIGTRAP among them).
            if ((task.SignalMask & Bit(sig)) != 0 || action.Handler == SignalAction.Ignore)
            {
                _process.SignalActions[sig] = SignalAction.DefaultAction;
                task.SignalMask &= ~Bit(sig);
            }
            task.SignalState.Pending.Add(info);
            return;
        }
        if ((task.SignalMask & Bit(sig)) != 0 || action.Handler == SignalAction.Ignore)
        {
            Kill(sig);
            return;
        }
        if (action.Handler == SignalAction.Default)
        {
            Kill(sig);
            return;
        }
        task.SignalState.Pending.Add(info);
    }

    /// <summary>rt_sigsuspend: the mask is replaced until a handled signal arrives; the frame saves the old one.</summary>
    internal SyscallResult SigSuspend(KernelTask task, ulong mask)
    {
        var s = task.SignalState;
        s.SavedMask = task.SignalMask;
        task.SignalMask = mask & ~Unblockable;
        if (Deliverable(task) != 0) return Errno.ERESTARTNOHAND;
        s.Wait = new TaskSignals.SignalWait(false, 0, 0, ParkOnFutex(task));
        return SyscallResult.Unchanged;
    }

    /// <summary>rt_sigtimedwait: a pending signal of the set now, or the thread waits with the set unblocked.</summary>
    internal SyscallResult SigTimedWait(KernelTask task, ulong set, TimeSpan? timeout, ulong infoAddress)
    {
        set &= ~Unblockable;
        var s = task.SignalState;
        var info = Take(task, set);
        if (info is not null) return WriteWaitInfo(info, infoAddress);
        if (timeout == TimeSpan.Zero) return Errno.EAGAIN;
        // While it waits, the set is unblocked (real_blocked), so a signal of the set picks and wakes this thread.
        s.SavedMask = task.SignalMask;
        task.SignalMask &= ~set;
        var wait = new TaskSignals.SignalWait(true, set, infoAddress, ParkOnFutex(task));
        s.Wait = wait;
        AfterTimeout(timeout, () =>
        {
            if (s.Wait != wait || task.State != TaskState.Parked) return;
            s.Wait = null;
            task.SignalMask = s.SavedMask ?? task.SignalMask;
            s.SavedMask = null;
            SetResult(task, -(long)Errno.EAGAIN);
            AddRunnable(task);
        });
        return SyscallResult.Unchanged;
    }

    private long WriteWaitInfo(SigInfo info, ulong address) =>
        address != 0 && _process.Mm.Write(address, info.ToBytes()) != Errno.None ? -(long)Errno.EFAULT : info.Signo;

    /// <summary>A signal reached a thread in sigsuspend or sigtimedwait: the wait ends.</summary>
    private void EndSignalWait(KernelTask task, TaskSignals.SignalWait wait)
    {
        var s = task.SignalState;
        s.Wait = null;
        if (!wait.Timed)
        {
            SetResult(task, -(long)Errno.ERESTARTNOHAND); // the saved mask stays for the frame
            AddRunnable(task);
            return;
        }
        task.SignalMask = s.SavedMask ?? task.SignalMask;
        s.SavedMask = null;
        var info = Take(task, wait.Set);
        SetResult(task, info is null ? -(long)Errno.EINTR : WriteWaitInfo(info, wait.InfoAddress));
        AddRunnable(task);
    }
}
