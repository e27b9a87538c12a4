namespace Kernel.Syscalls.Protocol;

/// <summary>A request for the Signal actor.</summary>
public abstract record SignalRequest(IKernelTask Task) : KernelRequest
{
    public override Subsystem Subsystem => Subsystem.Signal;
}

/// <summary>A signal disposition as struct sigaction carries it on arm64.</summary>
public sealed record SignalDisposition(ulong Handler, ulong Flags, ulong Restorer, ulong Mask);

/// <summary>rt_sigaction: New null only reads. Replies <see cref="OldDisposition"/>.</summary>
public sealed record SetSignalAction(IKernelTask Task, int Signal, SignalDisposition? New) : SignalRequest(Task);
public sealed record OldDisposition(SignalDisposition Value) : KernelReply;

/// <summary>
/// kill (Tid 0), tgkill/tkill, rt_(tg)sigqueueinfo and pidfd_send_signal. <see cref="Info"/> is the siginfo the
/// caller supplied (sigqueue); without it the kernel fills SI_USER or SI_TKILL with the caller's pid and uid.
/// </summary>
public sealed record SendSignal(IKernelTask Task, int Pid, int Tid, int Signal) : SignalRequest(Task)
{
    public Abi.SigInfo? Info { get; init; }
    /// <summary>pidfd_send_signal(PIDFD_SIGNAL_PROCESS_GROUP): the process group of this pid, not the caller's.</summary>
    public int GroupOf { get; init; }
}
