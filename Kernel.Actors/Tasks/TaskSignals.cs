using Kernel.Syscalls;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// A thread's signal state beyond its mask: its own pending queue, the call a signal may interrupt and restart,
/// and a mask to restore (sigsuspend, ppoll). Touched only on the process's vCPU thread.
/// </summary>
public sealed class TaskSignals(KernelTask task) : ITaskSignals
{
    public PendingSignals Pending { get; } = new(task.Process);

    /// <summary>The syscall the task is in (or last made): what a restart re-executes.</summary>
    internal SyscallCall? Call { get; set; }

    /// <summary>An interrupted call's ERESTART* code: the next delivery turns it into EINTR or a restart.</summary>
    internal Errno RestartErrno { get; set; }

    /// <summary>The mask to go back to after a call that ran with a temporary one (sigsuspend, ppoll, sigtimedwait).</summary>
    internal ulong? SavedMask { get; set; }

    /// <summary>The syndrome of the last memory fault, for the esr_context of the SIGSEGV frame it causes.</summary>
    internal ulong? FaultEsr { get; set; }

    /// <summary>A handler frame was pushed in a delivery pass that a ptrace-stop interrupted (the restart decision is made).</summary>
    internal bool HandledBeforeStop { get; set; }

    /// <summary>A sigsuspend or sigtimedwait in progress.</summary>
    internal SignalWait? Wait { get; set; }

    /// <summary>The request the task is parked on in a kernel actor, which a signal may interrupt.</summary>
    internal Syscalls.Protocol.KernelRequest? ParkedRequest { get; set; }

    /// <summary>What a signal wait waits for: any handled signal (sigsuspend) or one of <see cref="Set"/> (sigtimedwait).</summary>
    internal sealed record SignalWait(bool Timed, ulong Set, ulong InfoAddress, long Number);

    private Runner Runner => task.Process.Runner!;

    public SyscallResult Return() => Runner.SigReturn(task);

    public ulong StackPointer => task.Context.Sp;

    public Errno? SendToSelf(int pid, int tid, int sig, SigInfo? info)
    {
        var process = task.Process;
        KernelTask? thread = null;
        if (tid > 0)
        {
            if (pid > 0 && pid != process.Pid) return null;
            thread = tid == task.Tid ? task : process.Threads.FirstOrDefault(t => t.Tid == tid);
            if (thread is null) return null;
        }
        else if (pid != process.Pid)
        {
            return null;
        }
        if (sig == 0 || process.Runner is not { } runner) return Errno.None;
        info = info is null
            ? SigInfo.FromUser(sig, tid > 0 ? SigInfo.SiTkill : SigInfo.SiUser, process.Pid, process.Creds.Uid)
            : info with { Signo = sig };
        return runner.Queue(info, thread) ? Errno.None : Errno.EAGAIN;
    }

    private Func<ISyscallContext, SyscallResult>? _restartBlock;

    public void SetRestartBlock(Func<ISyscallContext, SyscallResult> resume) => _restartBlock = resume;

    public SyscallResult RunRestartBlock(ISyscallContext c)
    {
        var block = _restartBlock;
        _restartBlock = null;
        return block is null ? Errno.EINTR : block(c);
    }

    public long SignalFd(int fd, ulong mask, int flags) => SignalFdFile.Open(task, fd, mask, flags);

    ulong ITaskSignals.Pending => (Pending.Bits | task.Process.SharedPending.Bits) & task.SignalMask;

    public SyscallResult Suspend(ulong mask) => Runner.SigSuspend(task, mask);

    SyscallResult ITaskSignals.Wait(ulong set, TimeSpan? timeout, ulong infoAddress) => Runner.SigTimedWait(task, set, timeout, infoAddress);

    public void MaskForCall(ulong mask)
    {
        SavedMask ??= task.SignalMask;
        task.SignalMask = mask & ~Runner.Unblockable;
    }
}
