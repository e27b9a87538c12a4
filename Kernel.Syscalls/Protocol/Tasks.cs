namespace Kernel.Syscalls.Protocol;

/// <summary>A request for the Task actor: process lifetime, waiting, sleeping.</summary>
public abstract record TaskRequest(IKernelTask Task) : KernelRequest
{
    public override Subsystem Subsystem => Subsystem.Task;
}

/// <summary>wait4: parked until a matching child changes state (or at once with WNOHANG).</summary>
public sealed record WaitChild(IKernelTask Task, int Pid, int Options, ulong StatusAddress, ulong RusageAddress = 0) : TaskRequest(Task);

/// <summary>waitid: IdType P_ALL (0), P_PID (1) or P_PGID (2); fills a siginfo_t at InfoAddress.</summary>
public sealed record WaitChildInfo(IKernelTask Task, int IdType, int Id, int Options, ulong InfoAddress, ulong RusageAddress) : TaskRequest(Task)
{
    /// <summary>Waiting through a PIDFD_NONBLOCK pidfd without WNOHANG: EAGAIN instead of waiting when nothing is ready.</summary>
    public bool EagainIfNone { get; init; }
}

/// <summary>A sleep, parked on a timer (never a sleeping host thread). Replies Done, or <see cref="SleepInterrupted"/>.</summary>
public sealed record Sleep(IKernelTask Task, TimeSpan Duration) : TaskRequest(Task);

/// <summary>A signal ended a sleep early, with <paramref name="Remaining"/> left of it.</summary>
public sealed record SleepInterrupted(TimeSpan Remaining) : KernelReply;

/// <summary>vfork: the parent waits here until the child has exec'd or exited.</summary>
public sealed record WaitVforkChild(IKernelTask Task, int ChildPid) : TaskRequest(Task);
