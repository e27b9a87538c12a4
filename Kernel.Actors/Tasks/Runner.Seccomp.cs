using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Seccomp;
using static Kernel.Syscalls.Seccomp.SeccompAbi;

namespace Kernel.Actors.Tasks;

// seccomp at syscall entry (Linux's __secure_computing): every syscall, fast paths included, passes HandleSyscall,
// which asks here first when the thread has a mode; the outcome of a call the filters stop is set here.
public sealed partial class Runner
{
    // The arm64 calls strict mode allows (mode1_syscalls): read, write, exit, rt_sigreturn.
    private const int NrRead = 63, NrWrite = 64, NrExit = 93, NrRtSigreturn = 139;

    /// <summary>Whether the call may run; if not, its outcome (x0, a signal, the thread's or process's end) is set.</summary>
    private bool SeccompAllows(KernelTask task, SyscallCall call, long started, bool afterTrace = false)
    {
        var settings = task.Settings;
        if (settings.SeccompMode == ModeStrict)
        {
            if (call.Number is NrRead or NrWrite or NrExit or NrRtSigreturn) return true;
            _log.Warning("seccomp: {Task} killed by strict mode at syscall {Nr}", task, call.Number);
            EndThreadBySignal(task, Sig.SIGKILL); // do_exit(SIGKILL): this thread only
            return false;
        }
        Span<byte> data = stackalloc byte[DataSize];
        var pc = task.Context.Pc;
        Fill(data, call.Number, pc, call);
        var ret = settings.SeccompFilter!.Run(data, out var match);
        var action = ret & RetActionFull;
        var value = (int)(ret & RetData);
        switch (action)
        {
            case RetAllow:
                return true;
            case RetLog:
                _log.Information("seccomp: {Task} syscall {Nr} logged (pc {Pc:x})", task, call.Number, pc);
                return true;
            case RetErrno:
                Skip(task, call, -Math.Min(value, MaxErrno), match, started);
                return false;
            case RetTrace:
                // Once the tracer has seen the call, the filters' second look lets it through (recheck_after_trace).
                if (afterTrace) return true;
                if (PtraceSeccompStop(task, call, value, started)) return false;
                Skip(task, call, -(long)Errno.ENOSYS, match, started); // no tracer asked for PTRACE_EVENT_SECCOMP
                return false;
            case RetTrap:
                LogAction(task, call, action, match);
                // The handler sees the registers as they were: x0 keeps the first argument (syscall_rollback).
                ForceSignal(task, new SigInfo(Sig.SIGSYS, SysSeccomp)
                {
                    Errno = value, Addr = pc, Syscall = call.Number, Arch = AuditArchAarch64,
                });
                SkippedSyscall(task);
                return false;
            case RetUserNotif:
                if (match!.Listener is not { Detached: false } listener)
                {
                    Skip(task, call, -(long)Errno.ENOSYS, match, started);
                    return false;
                }
                LogAction(task, call, action, match);
                Complete(task, call, SyscallResult.Send(new AwaitSeccompReply(task, listener, data.ToArray()),
                    reply => AfterSupervisor(task, call, reply)), started);
                return false;
            default: // KILL_THREAD, KILL_PROCESS, and any action Linux does not know
                _log.Warning("seccomp: {Task} killed at syscall {Nr} (action {Action:x8}, pc {Pc:x})", task, call.Number, action, pc);
                if (action == RetKillThread && LiveThreads() > 1) EndThreadBySignal(task, Sig.SIGSYS);
                else Kill(Sig.SIGSYS); // the default action whatever the handler: the group dumps core
                return false;
        }
    }

    /// <summary>The call does not run and returns <paramref name="value"/> as it is (an ERRNO of 512 is no restart).</summary>
    private void Skip(KernelTask task, SyscallCall call, long value, SeccompFilter? match, long started)
    {
        LogAction(task, call, ret: value, match);
        task.Context.SetX(0, unchecked((ulong)value));
        if (_sandbox.Strace) _sandbox.Syscalls.Trace(call, value, started);
        SkippedSyscall(task);
    }

    private void LogAction(KernelTask task, SyscallCall call, long ret, SeccompFilter? match)
    {
        if (match is { Log: true }) _log.Information("seccomp: {Task} syscall {Nr} stopped by a filter ({Result})", task, call.Number, ret);
    }

    /// <summary>The supervisor's answer to a notification: a value for x0, the call itself (CONTINUE), or a restart.</summary>
    private SyscallResult AfterSupervisor(KernelTask task, SyscallCall call, KernelReply reply)
    {
        switch (reply)
        {
            case SeccompContinue:
            {
                using var current = CurrentTask.Enter(task);
                return _sandbox.Syscalls.Invoke(call);
            }
            case Done d:
                task.Context.SetX(0, unchecked((ulong)d.Value));
                return SyscallResult.Unchanged;
            case Failed f:
                return f.Errno; // ERESTARTSYS: a signal came first
            default:
                return Errno.EIO;
        }
    }

    private int LiveThreads() => _process.Threads.Count(t => t.State != TaskState.Exited);

    /// <summary>do_exit with a signal: the thread ends; the last one ends the process as killed by <paramref name="signal"/>.</summary>
    private void EndThreadBySignal(KernelTask task, int signal)
    {
        if (LiveThreads() > 1) ExitThread(task, 0);
        else _process.BeginExit(ProcessExit.Killed(signal));
    }
}
