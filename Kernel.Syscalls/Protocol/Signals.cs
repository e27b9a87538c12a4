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

/// <summary>kill (Tid 0) and tgkill/tkill.</summary>
public sealed record SendSignal(IKernelTask Task, int Pid, int Tid, int Signal) : SignalRequest(Task);
