using Kernel.Actors.Files;
using Kernel.Actors.Mm;
using Kernel.Actors.Vfs;

namespace Kernel.Actors.Tasks;

/// <summary>A signal's disposition, as rt_sigaction stores it.</summary>
public sealed record SignalAction(ulong Handler, ulong Flags, ulong Restorer, ulong Mask)
{
    public const ulong Default = 0;
    public const ulong Ignore = 1;
    public static readonly SignalAction DefaultAction = new(Default, 0, 0, 0);
}

/// <summary>A thread group: an address space, open files, filesystem context and credentials shared by its threads.</summary>
public sealed partial class KernelProcess : IDeviceOpener, Kernel.Syscalls.Handlers.ILimits
{
    private readonly List<KernelTask> _threads = [];
    private readonly TaskCompletionSource<ProcessExit> _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public KernelProcess(Sandbox sandbox, int pid, int ppid, AddressSpace mm, FdTable files, FsContext fs)
    {
        Sandbox = sandbox;
        Pid = pid;
        Ppid = ppid;
        Mm = mm;
        Files = files;
        Fs = fs;
        Pgid = pid;
        Sid = pid;
        SharedPending = new PendingSignals(this);
    }

    public Sandbox Sandbox { get; }
    public int Pid { get; }
    public int Ppid { get; set; }
    /// <summary>The thread that created this process (Linux's real_parent task; PTRACE_TRACEME's tracer).</summary>
    public int ParentTid { get; init; }
    public int Pgid { get; set; }
    public int Sid { get; set; }
    public AddressSpace Mm { get; internal set; }
    public FdTable Files { get; internal set; }
    public FsContext Fs { get; internal set; }
    /// <summary>The process's UTS, IPC, network and cgroup namespaces (and the fixed PID, user and time ones).</summary>
    public NamespaceSet Namespaces { get; set; } = null!;
    public Credentials Creds => Fs.Creds;
    public string ExecutablePath { get; set; } = "";
    public IReadOnlyList<string> Argv { get; set; } = [];
    public IReadOnlyList<string> Envp { get; set; } = [];
    public string Comm { get; set; } = "";
    /// <summary>The executable the process runs (/proc/[pid]/exe), and what loading it mapped (cmdline, environ, auxv, stat).</summary>
    public Location? Executable { get; set; }
    /// <summary>Whether this process holds a deny-write on <see cref="Executable"/> (Sandbox.SetExecutable).</summary>
    internal bool DeniesWrite { get; set; }
    public Loader.LoadResult? Image { get; set; }
    /// <summary>CLOCK_BOOTTIME at creation, in nanoseconds (/proc/[pid]/stat starttime).</summary>
    public long StartTime { get; } = Kernel.Syscalls.Handlers.Time.Now(Kernel.Syscalls.Handlers.Time.ClockBoottime)!.Value;
    /// <summary>/proc/[pid]/oom_score_adj (-1000..1000).</summary>
    public int OomScoreAdj { get; set; }
    public SignalAction[] SignalActions { get; } = Enumerable.Repeat(SignalAction.DefaultAction, 65).ToArray();
    /// <summary>Signals sent to the process as a whole, taken by whichever thread does not block them.</summary>
    public PendingSignals SharedPending { get; }
    /// <summary>Notified when a signal is queued for the process or one of its threads (signalfd readers wait here).</summary>
    public WaitQueue SignalQueued { get; } = new();
    private ProcessTimers? _timers;
    /// <summary>Interval and POSIX timers (not inherited by fork).</summary>
    public ProcessTimers Timers => _timers ??= new ProcessTimers(this);
    internal bool HasTimers => _timers is not null;
    public Runner? Runner { get; internal set; }
    /// <summary>The session's controlling terminal as this process knows it (Linux's signal->tty); inherited by fork.</summary>
    public Terminal? ControllingTerminal { get; set; }
    /// <summary>The signal the parent gets when this process ends (clone's exit signal; SIGCHLD for fork).</summary>
    public int ExitSignal { get; internal set; } = Kernel.Syscalls.Abi.Sig.SIGCHLD;
    /// <summary>Completes when a vfork child has exec'd or exited, which lets its parent run again.</summary>
    public Kernel.Syscalls.ProcessSettings Settings { get; internal set; } = new();

    /// <summary>Usage of reaped children (and theirs), added when wait4/waitid reaps them.</summary>
    public Kernel.Syscalls.Usage ChildrenUsage { get; internal set; }

    /// <summary>The process's own usage when it ended (for the parent that reaps it).</summary>
    public Kernel.Syscalls.Usage FinalUsage { get; internal set; }

    /// <summary>CPU time of threads that have ended, and the peak resident size seen at exit.</summary>
    internal long EndedUserTicks, EndedSystemTicks;
    private long _peakRssKb;

    public long ResidentKb()
    {
        try
        {
            var kb = (long)(Mm.ResidentBytes() / 1024);
            if (kb > _peakRssKb) _peakRssKb = kb;
        }
        catch (ObjectDisposedException)
        {
        }
        return _peakRssKb;
    }

    public Kernel.Syscalls.Usage SelfUsage()
    {
        long user = EndedUserTicks, system = EndedSystemTicks, vol = 0, invol = 0;
        foreach (var t in Threads)
        {
            user += t.UserTicks;
            system += t.SystemTicks;
            vol += t.VoluntarySwitches;
            invol += t.InvoluntarySwitches;
        }
        var (minor, major, input, output) = FaultAndIoCounts();
        return new Kernel.Syscalls.Usage(KernelTask.Micros(user), KernelTask.Micros(system), ResidentKb(), minor, vol, invol)
        {
            MajorFaults = major, InBlocks = input, OutBlocks = output,
        };
    }

    /// <summary>Set by execve: a parent may no longer change the child's process group (EACCES).</summary>
    public bool HasExeced { get; internal set; }
    public TaskCompletionSource VforkRelease { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<int, (ulong Cur, ulong Max)> _limits = new();

    /// <summary>fork: the child starts with the parent's limits and signal dispositions.</summary>
    internal void InheritFrom(KernelProcess parent)
    {
        lock (parent._limits)
        {
            foreach (var (k, v) in parent._limits) _limits[k] = v;
        }
        FileSizeLimit = parent.FileSizeLimit;
        CpuLimit = parent.CpuLimit;
        RtTimeLimit = parent.RtTimeLimit;
        Array.Copy(parent.SignalActions, SignalActions, SignalActions.Length);
        ControllingTerminal = parent.ControllingTerminal;
        ExecutablePath = parent.ExecutablePath;
        Argv = parent.Argv;
        Envp = parent.Envp;
        Comm = parent.Comm;
        Executable = parent.Executable;
        DeniesWrite = Executable is not null && parent.DeniesWrite && Executable.Inode.TryDenyWriteAccess();
        Image = parent.Image;
        OomScoreAdj = parent.OomScoreAdj;
    }

    public (ulong Cur, ulong Max) GetLimit(int resource)
    {
        lock (_limits)
        {
            if (_limits.TryGetValue(resource, out var l)) return l;
        }
        return resource switch
        {
            Kernel.Syscalls.Handlers.Limits.NoFile => ((ulong)Files.Limit, 4096),
            Kernel.Syscalls.Handlers.Limits.Stack => (8UL << 20, ulong.MaxValue),
            Kernel.Syscalls.Handlers.Limits.MemLock => (8UL << 20, 8UL << 20), // Linux's default (MLOCK_LIMIT)
            Kernel.Syscalls.Handlers.Limits.MsgQueue => (819200, 819200), // MQ_BYTES_MAX
            // fork_init: half of max_threads, which is memory / (8 * THREAD_SIZE of 16 KiB).
            Kernel.Syscalls.Handlers.Limits.SigPending => (Sandbox.MemoryBytes >> 18, Sandbox.MemoryBytes >> 18),
            Kernel.Syscalls.Handlers.Limits.Nice or Kernel.Syscalls.Handlers.Limits.RtPrio => (0, 0),
            _ => (ulong.MaxValue, ulong.MaxValue),
        };
    }

    /// <summary>RLIMIT_FSIZE's soft limit, kept apart for the write fast path.</summary>
    public ulong FileSizeLimit { get; private set; } = ulong.MaxValue;

    /// <summary>RLIMIT_CPU's soft limit in seconds, read by the vCPU as it accounts CPU time.</summary>
    public ulong CpuLimit { get; private set; } = ulong.MaxValue;

    /// <summary>RLIMIT_RTTIME's soft limit in microseconds, read by the vCPU as a real-time thread runs.</summary>
    public ulong RtTimeLimit { get; private set; } = ulong.MaxValue;

    public void SetLimit(int resource, ulong cur, ulong max)
    {
        lock (_limits) _limits[resource] = (cur, max);
        if (resource == Kernel.Syscalls.Handlers.Limits.FSize) FileSizeLimit = cur;
        if (resource == Kernel.Syscalls.Handlers.Limits.Cpu) CpuLimit = cur;
        if (resource == Kernel.Syscalls.Handlers.Limits.RtTime) RtTimeLimit = cur;
        if (resource == Kernel.Syscalls.Handlers.Limits.NoFile) Files.Limit = (int)Math.Min(cur, 1 << 20);
    }

    public IReadOnlyList<KernelTask> Threads
    {
        get
        {
            lock (_threads) return _threads.ToArray();
        }
    }

    public bool IsExiting { get; private set; }

    // Job control, set on the vCPU thread and read by the Task actor's wait4/waitid.
    private readonly object _jobLock = new();
    private int _stopReport;
    private bool _continueReport;

    /// <summary>A stop signal's default action stopped the process; SIGCONT or SIGKILL ends that.</summary>
    public bool IsStopped { get; private set; }
    /// <summary>The signal that stopped the process (/proc status shows T).</summary>
    public int StopSignal { get; private set; }

    internal void SetStopped(int sig)
    {
        lock (_jobLock)
        {
            IsStopped = true;
            StopSignal = sig;
            _stopReport = sig;
            _continueReport = false;
        }
    }

    internal void SetContinued()
    {
        lock (_jobLock)
        {
            IsStopped = false;
            _stopReport = 0;
            _continueReport = true;
        }
    }

    /// <summary>
    /// wait's view of a stop or continue not yet reported: the stop signal, or SIGCONT for a continue; consumed
    /// unless <paramref name="peek"/> (WNOWAIT). 0 when there is nothing of the kinds asked for.
    /// </summary>
    internal int TakeStateReport(bool stops, bool continues, bool peek)
    {
        lock (_jobLock)
        {
            if (stops && _stopReport != 0)
            {
                var sig = _stopReport;
                if (!peek) _stopReport = 0;
                return sig;
            }
            if (continues && _continueReport)
            {
                if (!peek) _continueReport = false;
                return Kernel.Syscalls.Abi.Sig.SIGCONT;
            }
            return 0;
        }
    }
    public ProcessExit? ExitStatus { get; private set; }
    /// <summary>Pollers of the process's end (pidfds): notified when it exits and when it is reaped.</summary>
    public WaitQueue ExitQueue { get; } = new();
    /// <summary>The parent has collected the exit status; the pid is free.</summary>
    public bool IsReaped { get; internal set; }
    /// <summary>Its parent keeps no zombie of it (SIGCHLD ignored or SA_NOCLDWAIT): the exit reaps it, so wait skips it.</summary>
    public bool ReapingAtExit { get; internal set; }
    public Task<ProcessExit> Exited => _exited.Task;

    internal void AddThread(KernelTask task)
    {
        lock (_threads) _threads.Add(task);
    }

    internal bool RemoveThread(KernelTask task)
    {
        lock (_threads)
        {
            _threads.Remove(task);
            return _threads.Count == 0;
        }
    }

    /// <summary>Marks the whole group as ending with <paramref name="status"/> (first caller wins).</summary>
    internal bool BeginExit(ProcessExit status)
    {
        lock (_threads)
        {
            if (IsExiting) return false;
            IsExiting = true;
            ExitStatus = status;
            return true;
        }
    }

    /// <summary>How the ended process reports itself to its parent (SIGCHLD, waitid): CLD_* code, status and times.</summary>
    internal Kernel.Syscalls.Abi.SigInfo ExitReport(int signo)
    {
        var exit = ExitStatus ?? ProcessExit.Exited(0);
        return new Kernel.Syscalls.Abi.SigInfo(signo, exit.Signal == 0 ? Kernel.Syscalls.Abi.SigInfo.CldExited
            : exit.CoreDumped ? Kernel.Syscalls.Abi.SigInfo.CldDumped : Kernel.Syscalls.Abi.SigInfo.CldKilled)
        {
            Pid = Pid,
            Uid = Creds.Uid,
            Status = exit.Signal == 0 ? exit.Code : exit.Signal,
            Utime = FinalUsage.UserMicros / 10000, // clock ticks (100 Hz)
            Stime = FinalUsage.SystemMicros / 10000,
        };
    }

    internal void CompleteExit()
    {
        _exited.TrySetResult(ExitStatus ?? ProcessExit.Exited(0));
        VforkRelease.TrySetResult();
    }

    public override string ToString() => $"process {Pid} ({Comm})";
}
