using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>What kind of ptrace-stop a tracee is in (what its continuation does with the tracer's answer).</summary>
public enum PtraceStopKind
{
    /// <summary>A dequeued signal waits for the tracer's verdict (ptrace_signal).</summary>
    SignalDelivery,
    /// <summary>A group-stop or PTRACE_EVENT_STOP trap (do_jobctl_trap).</summary>
    Group,
    SyscallEntry,
    SyscallExit,
    /// <summary>A PTRACE_EVENT_* stop other than EXIT and STOP.</summary>
    Event,
    /// <summary>PTRACE_EVENT_EXIT: the task is on its way out.</summary>
    Exit,
}

/// <summary>How the tracer last let the tracee go on: what stops at syscalls and after instructions.</summary>
public enum PtraceMode
{
    Cont,
    Syscall,
    SysEmu,
    SingleStep,
    SysEmuStep,
}

/// <summary>
/// One tracee's ptrace state (Linux keeps it in task_struct: ptrace, parent, jobctl, exit_code, last_siginfo,
/// ptrace_message, the saved registers). Every field is guarded by <see cref="PtraceTable.Lock"/>. While the tracee is
/// in a ptrace-stop its registers are <see cref="Regs"/>, a snapshot the tracer reads and writes from its own thread;
/// the tracee's vCPU loads it back when the tracee resumes.
/// </summary>
public sealed class PtraceLink(KernelTask tracee, KernelTask tracer, bool seized, int options)
{
    public KernelTask Tracee { get; } = tracee;
    public KernelTask Tracer { get; } = tracer;
    /// <summary>PTRACE_SEIZE (not ATTACH or TRACEME): group-stops trap as PTRACE_EVENT_STOP, INTERRUPT and LISTEN work.</summary>
    public bool Seized { get; } = seized;
    public int Options { get; set; } = options;
    /// <summary>False once the link is gone (detach, the tracer's end, the zombie reaped).</summary>
    public bool Attached { get; set; } = true;

    // ---- the current stop ----
    /// <summary>In a ptrace-stop (TASK_TRACED): ptrace requests may act on the tracee.</summary>
    public bool Stopped { get; set; }
    /// <summary>PTRACE_LISTEN: still stopped, but neither reported by wait nor open to requests.</summary>
    public bool Listening { get; set; }
    public PtraceStopKind Kind { get; set; }
    /// <summary>The stop's code (signal plus event bits) until wait reports it (0 afterwards): exit_code.</summary>
    public int Code { get; set; }
    /// <summary>What GETSIGINFO shows (null for a group-stop of a tracee that was not seized): last_siginfo.</summary>
    public SigInfo? LastInfo { get; set; }
    /// <summary>GETEVENTMSG: a new child's pid, the exit status, seccomp's data, the syscall stop's direction.</summary>
    public ulong Message { get; set; }
    public CpuState? Regs { get; set; }
    public bool RegsDirty { get; set; }
    /// <summary>regs->syscallno: the syscall at a syscall stop (NT_ARM_SYSTEM_CALL; -1 skips it), -1 elsewhere.</summary>
    public long SyscallNo { get; set; } = -1;
    /// <summary>The tracer wrote NT_ARM_SYSTEM_CALL during this stop.</summary>
    public bool SyscallNoSet { get; set; }
    /// <summary>orig_x0: the first argument as the syscall was entered (syscall info's args[0]).</summary>
    public ulong OrigX0 { get; set; }
    /// <summary>x7 at a syscall stop, which the tracer sees as 0 (entry) or 1 (exit) and cannot change.</summary>
    public ulong SavedX7 { get; set; }
    /// <summary>x0 as shown at a syscall-exit stop (an ERESTART* code stays visible until the restart is decided).</summary>
    public ulong ShownX0 { get; set; }
    /// <summary>x0 as the task holds it at that stop (an ERESTART* code is kept aside as the interrupted call's).</summary>
    public ulong ActualX0 { get; set; }

    // ---- how the tracer resumed it ----
    public PtraceMode Mode { get; set; }
    /// <summary>The signal the tracer gave with the resume (0: none).</summary>
    public int ResumeSignal { get; set; }

    // ---- job control (jobctl) ----
    /// <summary>JOBCTL_TRAP_STOP: trap with PTRACE_EVENT_STOP (INTERRUPT, a seized child's start, attach to a stopped task).</summary>
    public bool TrapStop { get; set; }
    /// <summary>JOBCTL_TRAP_NOTIFY: a seized tracee reports a group-stop change with PTRACE_EVENT_STOP.</summary>
    public bool TrapNotify { get; set; }
    /// <summary>JOBCTL_STOP_PENDING: the group stopped and this tracee has not trapped for it yet.</summary>
    public bool GroupStopPending { get; set; }
    /// <summary>The tracer resumed the tracee from its group-stop trap: it runs while the rest of the group stays stopped.</summary>
    public bool Released { get; set; }

    public bool HasPendingTrap => TrapStop || TrapNotify || GroupStopPending;

    // ---- after the end ----
    /// <summary>The wait status once the tracee has exited: a zombie only its tracer reports.</summary>
    public int? ExitStatus { get; set; }

    /// <summary>Whether the tracer asked for <paramref name="evt"/> (PTRACE_O_TRACE*).</summary>
    public bool Wants(int evt) => (Options & PtraceAbi.OptionFor(evt)) != 0;

    public bool SysGood => (Options & PtraceAbi.OTraceSysGood) != 0;

    public override string ToString() => $"{Tracee} traced by {Tracer}";
}

/// <summary>The sandbox's ptrace links, under one lock (Linux's tasklist_lock and siglock for ptrace).</summary>
public sealed class PtraceTable
{
    public Lock Lock { get; } = new();
    private readonly List<PtraceLink> _links = [];

    /// <summary>Links whose tracer is <paramref name="tracer"/>, or (null) any thread of <paramref name="group"/>. Under the lock.</summary>
    public List<PtraceLink> TracedBy(KernelProcess group, KernelTask? tracer) =>
        _links.Where(l => tracer is null ? l.Tracer.Process == group : l.Tracer == tracer).ToList();

    /// <summary>Every link, for a process's end. Under the lock.</summary>
    public IReadOnlyList<PtraceLink> All => _links;

    /// <summary>Starts tracing (under the lock).</summary>
    public PtraceLink Link(KernelTask tracee, KernelTask tracer, bool seized, int options)
    {
        var link = new PtraceLink(tracee, tracer, seized, options);
        _links.Add(link);
        tracee.Ptrace = link;
        return link;
    }

    /// <summary>Ends tracing (under the lock): the tracee is nobody's any more.</summary>
    public void Unlink(PtraceLink link)
    {
        link.Attached = false;
        _links.Remove(link);
        if (link.Tracee.Ptrace == link) link.Tracee.Ptrace = null;
    }

    /// <summary>The link of <paramref name="process"/>'s leader (what its parent's wait sees), under the lock.</summary>
    public PtraceLink? LeaderLink(KernelProcess process) =>
        _links.FirstOrDefault(l => l.Tracee.Process == process && l.Tracee.Tid == process.Pid);
}
