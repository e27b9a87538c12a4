using System.Collections.Concurrent;
using System.Diagnostics;
using Kernel.Platform;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Serilog;

namespace Kernel.Actors.Tasks;

/// <summary>
/// The virtual CPU of one process: a host thread that runs the process's threads one at a time on its CPU,
/// handles their traps, and takes fast-path syscalls itself. A thread waiting for a kernel actor is parked and
/// the others run; replies come back through <see cref="Post"/>.
/// </summary>
public sealed partial class Runner
{
    private static readonly ConcurrentDictionary<Runner, byte> Active = new();
    private static readonly Timer Preemption = new(_ => TickAll(), null, 10, 10);

    private readonly Sandbox _sandbox;
    private readonly KernelProcess _process;
    private readonly ConcurrentQueue<Action> _inbox = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly LinkedList<KernelTask> _runQueue = new();
    private readonly Thread _thread;
    private readonly ILogger _log;
    private int _exclusive; // a memory-map request is in flight: nothing of this process may run

    public Runner(Sandbox sandbox, KernelProcess process)
    {
        _sandbox = sandbox;
        _process = process;
        _log = sandbox.Log.ForContext("Pid", process.Pid);
        _thread = new Thread(Loop) { IsBackground = true, Name = $"vcpu-{process.Pid}" };
    }

    public void Start()
    {
        Active[this] = 0;
        _thread.Start();
    }

    /// <summary>Runs <paramref name="action"/> on this runner's thread, between guest time slices.</summary>
    public void Post(Action action)
    {
        _inbox.Enqueue(action);
        _wake.Release();
        _process.Mm.Cpu.Interrupt();
    }

    public void AddRunnable(KernelTask task)
    {
        task.State = TaskState.Runnable;
        _runQueue.AddLast(task);
        Place(task);
    }

    /// <summary>
    /// The task to run next: the first runnable one; while the group is stopped only a tracee that must trap or that
    /// its tracer let go; none while a memory-map request is in flight.
    /// </summary>
    private KernelTask? NextTask()
    {
        if (_runQueue.Count == 0 || _exclusive > 0) return null;
        if (!_process.IsStopped) return _runQueue.First!.Value;
        foreach (var t in _runQueue)
        {
            if (MayRunStopped(t)) return t;
        }
        return null;
    }

    private static void TickAll()
    {
        foreach (var r in Active.Keys)
        {
            // Also a lone thread while a CPU-time timer or RLIMIT_CPU is armed: it must be checked as the time passes.
            if (r._runQueue.Count > 1 || (r._process.HasTimers && r._process.Timers.CpuArmed) || r._process.CpuLimit != ulong.MaxValue
                || r._process.RtTimeLimit != ulong.MaxValue)
                r._process.Mm.Cpu.Interrupt();
        }
    }

    private void Loop()
    {
        try
        {
            while (true)
            {
                while (_inbox.TryDequeue(out var action)) action();
                if (_process.IsExiting)
                {
                    if (PtraceGroupExitStop())
                    {
                        _wake.Wait(); // the tracer looks at the exiting task first
                        continue;
                    }
                    FinishExit();
                    return;
                }
                if (NextTask() is not { } task)
                {
                    _wake.Wait();
                    continue;
                }
                if (!PrepareToRun(task))
                {
                    if (_process.IsExiting) _exitInitiator ??= task;
                    continue;
                }
                _process.Mm.SyncStaleCpu(); // a mapped file changed length meanwhile
                FollowHostNice(task);
                SwitchUsage(task);
                var t0 = Stopwatch.GetTimestamp();
                task.BeginRun(t0);
                var trap = Stepping(task) ? _process.Mm.Cpu.Step(task.Context) : _process.Mm.Cpu.Run(task.Context);
                var t1 = Stopwatch.GetTimestamp();
                task.EndRun(t1 - t0);
                HandleTrap(task, trap);
                if (_process.IsExiting) _exitInitiator ??= task;
                var t2 = Stopwatch.GetTimestamp();
                task.SystemTicks += t2 - t1;
                if (task.State != TaskState.Parked) task.RunTicksSinceBlock += t2 - t0;
                Charge(task, t2 - t0);
                if (_process.HasTimers && _process.Timers.CpuArmed) _process.Timers.CheckCpu();
                if (_process.CpuLimit != ulong.MaxValue) CheckCpuLimit();
                if (_process.RtTimeLimit != ulong.MaxValue) CheckRtTimeLimit(task);
            }
        }
        catch (Exception e)
        {
            _log.Error(e, "vCPU of {Process} failed; killing it", _process);
            _process.BeginExit(ProcessExit.Killed(Sig.SIGKILL));
            FinishExit();
        }
        finally
        {
            Active.TryRemove(this, out _);
        }
    }

    private void HandleTrap(KernelTask task, Trap trap)
    {
        if (trap.Kind != TrapKind.Syscall) task.SyscallNo = -1; // not in a syscall (regs->syscallno = NO_SYSCALL)
        switch (trap.Kind)
        {
            case TrapKind.Syscall:
                HandleSyscall(task);
                break;
            case TrapKind.Interrupted:
                RseqFixup(task);
                // The slice ended at a block boundary: the thread that should run next goes first.
                if (_runQueue.Count > 1 && _runQueue.First?.Value == task && Reschedule(task)) task.InvoluntarySwitches++;
                break;
            case TrapKind.MemoryFault:
                switch (_process.Mm.ClassifyFault(trap.Address, trap.Access))
                {
                    case Mm.FaultKind.Retry:
                        task.Context.Pc = trap.Pc;
                        return;
                    case Mm.FaultKind.Bus:
                        Fault(task, trap, new SigInfo(Sig.SIGBUS, BusAdrerr) { Addr = trap.Address });
                        return;
                }
                _log.Debug("{Task}: {Access} fault at {Address:x} (pc {Pc:x}, {Kind})", task, trap.Access, trap.Address, trap.Pc, trap.Unmapped ? "unmapped" : "protection");
                // The frame's esr_context: a data (EC 0x24) or instruction (0x20) abort from EL0, WnR for a store,
                // a level-3 translation (0x07) or permission (0x0f) fault.
                task.SignalState.FaultEsr = ((trap.Access == MemoryAccess.Execute ? 0x20UL : 0x24UL) << 26) | (1UL << 25)
                    | (trap.Access == MemoryAccess.Write ? 1UL << 6 : 0) | (trap.Unmapped ? 0x07UL : 0x0FUL);
                Fault(task, trap, new SigInfo(Sig.SIGSEGV, trap.Unmapped ? SigInfo.SegvMaperr : SigInfo.SegvAccerr) { Addr = trap.Address });
                break;
            case TrapKind.Undefined:
                _log.Debug("{Task}: undefined instruction at {Pc:x}", task, trap.Pc);
                Fault(task, trap, new SigInfo(Sig.SIGILL, SigInfo.IllIllopc) { Addr = trap.Pc });
                break;
            case TrapKind.Breakpoint:
                Fault(task, trap, new SigInfo(Sig.SIGTRAP, SigInfo.TrapBrkpt) { Addr = trap.Pc });
                break;
            case TrapKind.Alignment:
                Fault(task, trap, new SigInfo(Sig.SIGBUS, BusAdraln) { Addr = trap.Address }); // do_alignment_fault
                break;
            case TrapKind.Step:
                // PTRACE_SINGLESTEP: the instruction ran; SIGTRAP (TRAP_TRACE) reports it (single_step_handler).
                ForceSignal(task, new SigInfo(Sig.SIGTRAP, TrapTrace) { Addr = trap.Pc });
                break;
            default:
                _log.Debug("{Task}: CPU fault {Code} at {Pc:x}", task, trap.Code, trap.Pc);
                Fault(task, trap, new SigInfo(Sig.SIGSEGV, SigInfo.SiKernel));
                break;
        }
    }

    /// <summary>Ends the process with a fatal signal; the status says "core dumped" when Linux would write one.</summary>
    public void Kill(int signal) => _process.BeginExit(ProcessExit.Killed(signal, Sig.DumpsCore(signal) && WouldDumpCore()));

    /// <summary>do_coredump's checks that come before the core pattern: a dumpable process and RLIMIT_CORE of a page at least.</summary>
    private bool WouldDumpCore() => _process.Settings.Dumpable && _process.GetLimit(RlimitCore).Cur >= 4096;

    private const int RlimitCore = 4;
    private const int TrapTrace = 2, BusAdraln = 1, BusAdrerr = 2;

    /// <summary>A fault: the thread stands at the faulting instruction, and gets the signal (handled, or fatal).</summary>
    private void Fault(KernelTask task, Trap trap, SigInfo info)
    {
        task.Context.Pc = trap.Pc;
        ForceSignal(task, info);
    }

    private void HandleSyscall(KernelTask task)
    {
        var ctx = task.Context;
        var number = (int)ctx.GetX(8);
        var call = new SyscallCall(task, number, ctx.GetX(0), ctx.GetX(1), ctx.GetX(2), ctx.GetX(3), ctx.GetX(4), ctx.GetX(5));
        task.SignalState.Call = call;
        task.SyscallNo = number;
        var started = _sandbox.Strace ? Stopwatch.GetTimestamp() : 0;
        if (task.Ptrace is { Mode: PtraceMode.Syscall or PtraceMode.SysEmu or PtraceMode.SysEmuStep } link
            && PtraceSyscallEntry(task, link, call, started)) return;
        RunSyscall(task, call, started);
    }

    /// <summary>A syscall past its entry stop: seccomp's filters, then the handler.</summary>
    private void RunSyscall(KernelTask task, SyscallCall call, long started, bool afterTrace = false)
    {
        if (task.Settings.SeccompMode != 0 && !SeccompSuspended(task) && !SeccompAllows(task, call, started, afterTrace)) return;
        using var current = CurrentTask.Enter(task); // what a file read on this thread sees as its reader (signalfd)
        var result = _sandbox.Syscalls.Invoke(call);
        Complete(task, call, result, started);
    }

    private void Complete(KernelTask task, SyscallCall call, SyscallResult result, long started)
    {
        if (task.PtraceEvents.Count > 0 && PtraceEventStop(task, call, result, started)) return;
        if (result.IsPending)
        {
            Park(task, call, result, started);
            return;
        }
        if (_sandbox.Strace) _sandbox.Syscalls.Trace(call, result, started);
        if (task.State == TaskState.Exited || _process.IsExiting || task.PtraceResumed is not null) return;
        if (task.Ptrace is not null) task.PtraceExitPending = true;
        if (!result.NoReturnValue) SetResult(task, result.Value);
        if (result.Value == -(long)Errno.EPIPE && RaisesSigpipe(call.Number)) Queue(SigInfo.FromUser(Sig.SIGPIPE, SigInfo.SiUser, _process.Pid, _process.Creds.Uid), task);
        else if (result.Value == -(long)Errno.EFBIG && GrowsFiles(call.Number) && _process.GetLimit(Kernel.Syscalls.Handlers.Limits.FSize).Cur != ulong.MaxValue)
            Queue(SigInfo.FromUser(Sig.SIGXFSZ, SigInfo.SiUser, _process.Pid, _process.Creds.Uid), task); // RLIMIT_FSIZE was passed
    }

    private void Park(KernelTask task, SyscallCall call, SyscallResult result, long started)
    {
        task.VoluntarySwitches++;
        task.RunTicksSinceBlock = 0; // it sleeps: a real-time thread's RLIMIT_RTTIME count starts again
        task.State = TaskState.Parked;
        task.ParkedSyscall = call.Number;
        _runQueue.Remove(task);
        var exclusive = result.Request!.Subsystem == Subsystem.Mm;
        if (exclusive) _exclusive++;
        var then = result.Then!;
        if (result.Request is WaitVforkChild vfork && task.Ptrace is not null)
        {
            var done = then;
            then = reply =>
            {
                PtraceVforkDone(task, vfork.ChildPid);
                return done(reply);
            };
        }
        // A signal may interrupt the wait, except a memory-map request's (short) and a vfork parent's (killable only).
        if (!exclusive && result.Request is not WaitVforkChild) task.SignalState.ParkedRequest = result.Request;
        // Memory-map requests stop the whole process and always go through the MM actor's mailbox.
        if (_sandbox.Submit(result.Request!, reply => Post(() => Resume(task, call, then, reply, started, exclusive)), !exclusive, out var now))
        {
            Resume(task, call, then, now!, started, exclusive);
        }
        else if (Deliverable(task) != 0)
        {
            Interrupt(task); // unblocked by the call's own mask (ppoll, pselect6, epoll_pwait)
        }
    }

    /// <summary>The reply to a parked call arrived: the task runs again with its result.</summary>
    private void Resume(KernelTask task, SyscallCall call, Func<KernelReply, SyscallResult> then, KernelReply reply, long started, bool exclusive)
    {
        if (exclusive) _exclusive--;
        if (task.State != TaskState.Parked) return;
        task.ParkedSyscall = -1;
        task.SignalState.ParkedRequest = null;
        task.State = TaskState.Runnable;
        _runQueue.AddFirst(task);
        Place(task);
        SyscallResult next;
        try
        {
            next = then(reply);
        }
        catch (Exception e)
        {
            _log.Error(e, "completing {Call} failed", call);
            next = Errno.EIO;
        }
        Complete(task, call, next, started);
    }

    /// <summary>write and splice to a pipe with no reader (EPIPE) also raise SIGPIPE in the writing thread.</summary>
    private static bool RaisesSigpipe(int number) => number is 64 or 66 or 68 or 70 or 287 or 71 or 75 or 76 or 77;

    /// <summary>Calls that grow a file: beyond RLIMIT_FSIZE they fail with EFBIG and raise SIGXFSZ.</summary>
    private static bool GrowsFiles(int number) => number is 64 or 66 or 68 or 70 or 287 or 45 or 46 or 47 or 71 or 76 or 285;

    private readonly List<KernelTask> _futexWaiters = [];

    /// <summary>FUTEX_WAIT: parks the task on this runner (private futexes live with their address space).</summary>
    internal SyscallResult FutexWait(KernelTask task, ulong address, uint expected, uint bitset, TimeSpan? timeout)
    {
        // Every waker of a private futex runs on this thread: the check and the sleep cannot be split.
        var word = ReadWord(address);
        if (word is null) return Errno.EFAULT;
        if (word != expected) return Errno.EAGAIN;
        task.FutexWaitingOn = (address, bitset);
        var wait = ParkOnFutex(task);
        _futexWaiters.Add(task);
        AfterTimeout(timeout, () =>
        {
            // Only this wait's timer may end it: the task may have been woken and be waiting again since.
            if (task.FutexWaitCount != wait || !_futexWaiters.Remove(task)) return;
            task.FutexWaitingOn = null;
            task.Context.SetX(0, unchecked((ulong)-(long)Errno.ETIMEDOUT));
            AddRunnable(task);
        });
        return SyscallResult.Unchanged;
    }

    /// <summary>Takes a futex waiter off the run queue; returns the number of this wait (a later wait's differs).</summary>
    private long ParkOnFutex(KernelTask task)
    {
        task.VoluntarySwitches++;
        task.RunTicksSinceBlock = 0; // it sleeps: a real-time thread's RLIMIT_RTTIME count starts again
        task.State = TaskState.Parked;
        _runQueue.Remove(task);
        return ++task.FutexWaitCount;
    }

    /// <summary>Runs <paramref name="expired"/> on this runner's thread once <paramref name="timeout"/> has passed (none: never).</summary>
    private void AfterTimeout(TimeSpan? timeout, Action expired)
    {
        if (timeout is { } t) _ = Task.Delay(t).ContinueWith(_ => Post(expired), TaskScheduler.Default);
    }

    private uint? ReadWord(ulong address)
    {
        Span<byte> buf = stackalloc byte[4];
        return _process.Mm.Read(address, buf) == Errno.None ? BitConverter.ToUInt32(buf) : null;
    }

    /// <summary>FUTEX_WAIT on shared memory: queued in the sandbox's table, where wakers of any process find it.</summary>
    internal SyscallResult FutexWaitShared(KernelTask task, (object, long) key, ulong address, uint expected, uint bitset, TimeSpan? timeout)
    {
        var waiter = new SharedFutexes.Waiter(this, task, task.FutexWaitCount + 1, bitset, key);
        switch (_sandbox.Futexes.Enqueue(() => ReadWord(address), expected, waiter))
        {
            case null: return Errno.EFAULT;
            case false: return Errno.EAGAIN;
        }
        ParkOnFutex(task); // the waiter was made with this wait's number
        task.SharedFutexWait = waiter;
        AfterTimeout(timeout, () =>
        {
            if (_sandbox.Futexes.Remove(waiter)) EndSharedFutexWait(waiter, -(long)Errno.ETIMEDOUT);
        });
        return SyscallResult.Unchanged;
    }

    private void LeaveSharedFutex(KernelTask task)
    {
        if (task.SharedFutexWait is { } w) _sandbox.Futexes.Remove(w);
        task.SharedFutexWait = null;
        LeaveFutexWaits(task);
    }

    /// <summary>A shared futex wait ended (woken, timed out): the task runs on with <paramref name="result"/>.</summary>
    internal void EndSharedFutexWait(SharedFutexes.Waiter waiter, long result)
    {
        if (waiter.Group is { } g)
        {
            EndWaitv(g, g.Index);
            return;
        }
        var task = waiter.Task;
        if (task.State != TaskState.Parked || task.FutexWaitCount != waiter.Wait) return;
        task.SharedFutexWait = null;
        SetResult(task, result);
        AddRunnable(task);
    }

    /// <summary>FUTEX_REQUEUE on private futexes: wakes some waiters on <paramref name="from"/>, moves others to <paramref name="to"/>.</summary>
    internal (int Woken, int Moved) FutexRequeue(ulong from, ulong to, int wake, int requeue)
    {
        var woken = FutexWake(from, wake, uint.MaxValue);
        var moved = 0;
        foreach (var t in _futexWaiters)
        {
            if (moved >= requeue || from == to) break;
            if (t.FutexWaitingOn is not { } w || w.Address != from) continue;
            t.FutexWaitingOn = (to, w.Bitset);
            moved++;
        }
        if (_waitv.Count > 0 && moved < requeue && from != to) moved += RequeueWaitv(from, to, requeue - moved);
        return (woken, moved);
    }

    internal int FutexWake(ulong address, int count, uint bitset)
    {
        var woken = 0;
        for (var i = 0; i < _futexWaiters.Count && woken < count; i++)
        {
            var t = _futexWaiters[i];
            if (t.FutexWaitingOn is not { } w || w.Address != address || (w.Bitset & bitset) == 0) continue;
            _futexWaiters.RemoveAt(i--);
            t.FutexWaitingOn = null;
            t.Context.SetX(0, 0);
            AddRunnable(t);
            woken++;
        }
        if (woken < count && _waitv.Count > 0) woken += WakeWaitv(address, count - woken);
        return woken;
    }

    /// <summary>Removes a thread (exit). The process ends with its last thread.</summary>
    public void ExitThread(KernelTask task, int code)
    {
        if (PtraceThreadExitStop(task, code)) return;
        task.State = TaskState.Exited;
        EndUsage(task);
        _process.EndedUserTicks += task.UserTicks;
        _process.EndedSystemTicks += task.SystemTicks;
        task.SignalState.Pending.Clear(); // its queued signals' charges go (flush_sigqueue)
        _runQueue.Remove(task);
        ReleaseThreadFutexes(task);
        PtraceLife.TracerGone(task);
        var last = _process.RemoveThread(task);
        // A traced thread other than the leader is its tracer's zombie; the leader reports with the process.
        if (task.Tid != _process.Pid) PtraceLife.ThreadExited(task, ProcessExit.Exited(code).WaitStatus);
        if (last) _process.BeginExit(ProcessExit.Exited(code));
    }

    /// <summary>
    /// What mm_release does for an ending thread: its robust futexes are handed on, and the word at
    /// clear_child_tid is zeroed and woken (as a shared futex: pthread_join may wait on it from anywhere).
    /// </summary>
    internal void ReleaseThreadFutexes(KernelTask task)
    {
        task.LeaveSemUndo(); // exit_sem, before the exit is reported
        RobustFutexes.Release(task);
        if (task.ClearChildTid != 0 && _process.Mm.Write(task.ClearChildTid, new byte[4]) == Errno.None)
        {
            task.FutexWake(task.ClearChildTid, 1, uint.MaxValue, shared: true);
        }
        task.ClearChildTid = 0;
    }

    /// <summary>exec: every thread but <paramref name="keep"/> ends at once (they run nowhere else).</summary>
    internal void RemoveOtherThreads(KernelTask keep)
    {
        foreach (var t in _process.Threads)
        {
            if (t == keep) continue;
            t.State = TaskState.Exited;
            // An ended thread's CPU time stays the process's (times, getrusage), and its queued signals' charges go.
            _process.EndedUserTicks += t.UserTicks;
            _process.EndedSystemTicks += t.SystemTicks;
            EndUsage(t);
            t.SignalState.Pending.Clear();
            t.FutexWaitingOn = null;
            _runQueue.Remove(t);
            _futexWaiters.Remove(t);
            LeaveSharedFutex(t);
            ReleaseThreadFutexes(t);
            _process.RemoveThread(t);
            PtraceLife.TracerGone(t);
            // A zapped thread ends with status 0; the leader's id passes to the exec'ing thread, which reports for it.
            if (t.Tid == _process.Pid) PtraceLife.Forget(t);
            else PtraceLife.ThreadExited(t, 0);
            t.Context.Dispose();
        }
    }

    private void FinishExit()
    {
        if (_process.HasTimers) _process.Timers.Dispose();
        IpcActor.AddressSpaceGone(_sandbox, _process, _process.Mm); // its SysV shm attaches end with it
        _process.FinalUsage = _process.SelfUsage();
        _process.SharedPending.Clear();
        var status = (_process.ExitStatus ?? ProcessExit.Exited(0)).WaitStatus;
        foreach (var t in _process.Threads)
        {
            t.SignalState.Pending.Clear();
            t.State = TaskState.Exited;
            LeaveSharedFutex(t);
            ReleaseThreadFutexes(t);
            _process.RemoveThread(t);
            t.PtraceResumed = null;
            if (t.Tid != _process.Pid) PtraceLife.ThreadExited(t, status);
        }
        _runQueue.Clear();
        Active.TryRemove(this, out _);
        _sandbox.OnProcessExited(_process);
    }
}
