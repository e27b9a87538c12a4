using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;

namespace Kernel.Actors.Tasks;

// A task's ptrace state: the link to its tracer (shared with the tracer, under the sandbox's ptrace lock) and what
// its own vCPU keeps between the steps of a traced syscall or signal delivery (touched on that vCPU thread only).
public sealed partial class KernelTask : IPtraceTask
{
    private volatile PtraceLink? _ptrace;

    /// <summary>The task's tracer link, or null when nobody traces it.</summary>
    public PtraceLink? Ptrace
    {
        get => _ptrace;
        internal set => _ptrace = value;
    }

    /// <summary>What the task does when its tracer lets it go from a ptrace-stop (null while not in one).</summary>
    internal Action<int>? PtraceResumed { get; set; }

    /// <summary>The link of the ptrace-stop the task is in (it outlives a detach until the task resumes).</summary>
    internal PtraceLink? PtraceStopLink { get; set; }

    /// <summary>A signal the tracer let through at a signal-delivery-stop: delivered next, without another stop.</summary>
    internal SigInfo? PtraceDecided { get; set; }

    /// <summary>A syscall completed while traced: its syscall-exit stop (or step report) comes before anything else.</summary>
    internal bool PtraceExitPending { get; set; }

    /// <summary>Event stops a syscall owes its tracer before it returns (fork, vfork, clone, exec, vfork-done).</summary>
    internal Queue<(int Event, ulong Message)> PtraceEvents { get; } = new();

    /// <summary>regs->syscallno: the syscall the task is in, -1 after any other entry into the kernel.</summary>
    internal long SyscallNo { get; set; } = -1;

    /// <summary>The PTRACE_EVENT_EXIT stop was made (or is not owed): the exit goes on.</summary>
    internal bool ExitStopDone { get; set; }

    public long PtraceRequest(long request, int pid, ulong addr, ulong data) => PtraceRequests.Handle(this, request, pid, addr, data);
}
