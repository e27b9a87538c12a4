using Kernel.Platform;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;

namespace Kernel.Actors.Tasks;

public enum TaskState
{
    Runnable,
    /// <summary>Waiting for a kernel actor's reply or a wake-up; its host thread runs the process's other threads.</summary>
    Parked,
    Exited,
}

/// <summary>A guest thread: a register context on its process's CPU plus per-thread kernel state.</summary>
public sealed partial class KernelTask(int tid, KernelProcess process, ICpuContext context) : IKernelTask, ILimits, ILimitsLookup, IUtsView
{
    public int Tid { get; internal set; } = tid;
    public int Pid => Process.Pid;
    public KernelProcess Process { get; } = process;
    public ICpuContext Context { get; internal set; } = context;
    public TaskState State { get; internal set; } = TaskState.Runnable;
    /// <summary>CLOCK_BOOTTIME at creation, in nanoseconds (/proc/[pid]/task/[tid]/stat starttime).</summary>
    public long StartTime { get; } = Time.Now(Time.ClockBoottime)!.Value;

    public int Ppid => Process.Ppid;
    public int Pgid => Process.Pgid;
    public int Sid => Process.Sid;
    public uint Uid => Process.Creds.Uid;
    public uint Euid => Process.Creds.Euid;
    public uint Gid => Process.Creds.Gid;
    public uint Egid => Process.Creds.Egid;

    public int Umask
    {
        get => Process.Fs.Umask;
        set => Process.Fs.Umask = value;
    }

    /// <summary>set_tid_address / CLONE_CHILD_CLEARTID: zeroed and futex-woken when the thread exits.</summary>
    public ulong ClearChildTid { get; set; }
    public ulong RobustList { get; set; }
    public ulong RobustListLength { get; set; }
    public ulong SignalMask { get; set; }
    public (ulong Sp, int Flags, ulong Size) AltStack { get; set; } = (0, 2 /* SS_DISABLE */, 0);
    public ulong Rseq { get; set; }
    public uint RseqLength { get; set; }
    public uint RseqSignature { get; set; }
    private TaskSignals? _signals;
    /// <summary>Pending signals, the interrupted call and signal waits.</summary>
    public TaskSignals SignalState => _signals ??= new TaskSignals(this);
    public ITaskSignals Signals => SignalState;
    private TaskTimers? _timers;
    public ITaskTimers Timers => _timers ??= new TaskTimers(this);

    /// <summary>The syscall a parked task waits in, for strace and for interruption.</summary>
    public int ParkedSyscall { get; internal set; } = -1;

    /// <summary>The futex word this task waits on, if any.</summary>
    internal (ulong Address, uint Bitset)? FutexWaitingOn { get; set; }

    /// <summary>Counts this task's futex waits, so a timer can tell whether its wait is still the current one.</summary>
    internal long FutexWaitCount { get; set; }
    /// <summary>The shared futex this task sleeps on, to take it out of the sandbox's table when the task goes.</summary>
    internal SharedFutexes.Waiter? SharedFutexWait { get; set; }

    public IFastFile? File(int fd) => Process.Files.GetFile(fd);

    public void ExitThread(int code) => Process.Runner!.ExitThread(this, code);

    public void ExitGroup(int code) => Process.BeginExit(ProcessExit.Exited(code));

    public TaskSettings Settings { get; internal set; } = new();

    public string Comm
    {
        get
        {
            var name = Settings.Name ?? Process.Comm;
            return name.Length > 15 ? name[..15] : name;
        }
    }
    public ProcessSettings ProcessSettings => Process.Settings;
    public TaskSettings? SettingsOf(int tid) =>
        Process.Sandbox.FindThread(tid)?.Threads.FirstOrDefault(t => t.Tid == tid && t.State != TaskState.Exited)?.Settings;

    /// <summary>Time this thread spent running guest code and in syscalls, in Stopwatch ticks.</summary>
    internal long UserTicks;
    /// <summary>When the guest run now in progress began (Stopwatch ticks; 0: not running), so that others see its CPU time grow.</summary>
    private long _runningSince;
    private int _runSeq; // odd while the runner changes UserTicks and _runningSince together (a seqlock)

    /// <summary>The runner starts a guest run at <paramref name="now"/>.</summary>
    internal void BeginRun(long now) => UpdateRun(now, 0);

    /// <summary>The runner ends a guest run of <paramref name="ran"/> ticks, which become user time.</summary>
    internal void EndRun(long ran) => UpdateRun(0, ran);

    private void UpdateRun(long since, long ran)
    {
        Interlocked.Increment(ref _runSeq);
        UserTicks += ran;
        _runningSince = since;
        Interlocked.Increment(ref _runSeq);
    }

    /// <summary>User ticks including a run in progress, consistent when read from any thread.</summary>
    internal long LiveUserTicks
    {
        get
        {
            while (true)
            {
                var seq = Volatile.Read(ref _runSeq);
                if ((seq & 1) != 0) { Thread.SpinWait(1); continue; }
                long user = Volatile.Read(ref UserTicks), since = Volatile.Read(ref _runningSince);
                if (Volatile.Read(ref _runSeq) != seq) continue;
                return since == 0 ? user : user + Math.Max(0, System.Diagnostics.Stopwatch.GetTimestamp() - since);
            }
        }
    }
    internal long SystemTicks;
    /// <summary>CPU time since the thread last blocked (Linux's rt.timeout), for RLIMIT_RTTIME, in Stopwatch ticks.</summary>
    internal long RunTicksSinceBlock;
    /// <summary>CFS's virtual runtime: run time scaled by the nice value's weight (Runner.Scheduling.cs).</summary>
    internal long Vruntime;
    internal long VoluntarySwitches;
    internal long InvoluntarySwitches;

    public Usage GetUsage(int who) => who switch
    {
        1 => ThreadUsage(),
        -1 => Process.ChildrenUsage,
        _ => Process.SelfUsage(),
    };

    internal static long Micros(long ticks) => (long)(ticks * 1_000_000.0 / System.Diagnostics.Stopwatch.Frequency);

    public IdSet Ids
    {
        get
        {
            var c = Process.Creds;
            return new IdSet(c.Uid, c.Euid, c.Suid, c.Fsuid, c.Gid, c.Egid, c.Sgid, c.Fsgid);
        }
        set
        {
            var c = Process.Creds;
            // The calling thread's capabilities follow its new ids (glibc makes every thread change its own ids).
            var permitted = Settings.CapPermitted;
            var was = Settings.CapIds;
            if ((was.Uid, was.Euid, was.Suid) != (value.Uid, value.Euid, value.Suid))
                Capabilities.FixSetuid(Settings, Settings.KeepCaps, (was.Uid, was.Euid, was.Suid), (value.Uid, value.Euid, value.Suid));
            else if (was.Fsuid != value.Fsuid)
                Capabilities.FixSetfsuid(Settings, was.Fsuid, value.Fsuid);
            Settings.CapIds = (value.Uid, value.Euid, value.Suid, value.Fsuid);
            // commit_creds: new effective or filesystem ids, or new capabilities, make the process non-dumpable
            // (fs.suid_dumpable is 0), so that its new owner may not trace it unless it says so again.
            if (c.Euid != value.Euid || c.Egid != value.Egid || c.Fsuid != value.Fsuid || c.Fsgid != value.Fsgid
                || (Settings.CapPermitted & ~permitted) != 0)
                Process.Settings.Dumpable = false;
            Process.Fs.Creds = c with
            {
                Uid = value.Uid, Euid = value.Euid, Suid = value.Suid, Fsuid = value.Fsuid,
                Gid = value.Gid, Egid = value.Egid, Sgid = value.Sgid, Fsgid = value.Fsgid,
            };
        }
    }

    public IReadOnlyList<uint> Groups
    {
        get => Process.Creds.Groups;
        set => Process.Fs.Creds = Process.Creds with { Groups = value.ToArray() };
    }

    public long GetProcessGroup(int pid) => Process.Sandbox.GetProcessGroup(this, pid);

    public IReadOnlyList<TaskSettings> ThreadsOf(int which, int who)
    {
        var pgid = who == 0 ? Process.Pgid : who;
        var uid = who == 0 ? Process.Creds.Uid : (uint)who;
        return Process.Sandbox.AllProcesses()
            .Where(p => p.ExitStatus is null && (which == 1 ? p.Pgid == pgid : p.Creds.Uid == uid))
            .SelectMany(p => p.Threads.Where(t => t.State != TaskState.Exited).Select(t => t.Settings))
            .ToList();
    }
    public long SetProcessGroup(int pid, int pgid) => Process.Sandbox.SetProcessGroup(this, pid, pgid);
    public long GetSession(int pid) => Process.Sandbox.GetSession(this, pid);
    public long NewSession() => Process.Sandbox.NewSession(this);

    public long Clone(in CloneArgs args) => Process.Sandbox.Clone(this, args);

    public long CompareKernelObjects(int pid1, int pid2, int type, ulong idx1, ulong idx2) =>
        KernelObjects.Compare(this, pid1, pid2, type, idx1, idx2);

    public long RobustListOf(int tid) => KernelObjects.RobustListOf(this, tid);

    public long OpenPidFd(int pid, int flags) => PidFdFile.Open(this, pid, flags);

    public long DupFromPidFd(int pidfd, int targetFd) => PidFdFile.GetFd(this, pidfd, targetFd);

    public long ProcessVmCopy(int pid, IReadOnlyList<(ulong Base, ulong Length)> local, IReadOnlyList<(ulong Base, ulong Length)> remote, bool write) =>
        ProcessVm.Copy(this, pid, local, remote, write);

    public long CheckProcessAccess(int pid)
    {
        var target = pid == 0 ? Process : Process.Sandbox.FindProcess(pid);
        if (target is null || target.IsExiting) return -(long)Errno.ESRCH;
        return KernelObjects.MayInspect(this, target) ? 0 : -(long)Errno.EPERM;
    }

    public long PidOfPidFd(int fd) => Process.Files.GetFile(fd) is PidFdFile p ? p.Target.Pid : -(long)Errno.EBADF;

    public long Exec(int dirFd, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, int atFlags) =>
        Process.Sandbox.ExecInto(this, dirFd, path, argv, envp, atFlags);

    public SyscallResult FutexWait(ulong address, uint expected, uint bitset, TimeSpan? timeout, bool shared) =>
        shared && SharedFutexes.KeyOf(Process.Mm, address) is { } key
            ? Process.Runner!.FutexWaitShared(this, key, address, expected, bitset, timeout)
            : Process.Runner!.FutexWait(this, address, expected, bitset, timeout);

    public (int Woken, int Moved) FutexRequeue(ulong from, ulong to, int wake, int requeue, bool shared)
    {
        if (shared && SharedFutexes.KeyOf(Process.Mm, from) is { } a)
        {
            // Both words must be shared memory to meet the same waiters; a private target cannot take them.
            return SharedFutexes.KeyOf(Process.Mm, to) is { } b
                ? Process.Sandbox.Futexes.Requeue(a, b, wake, requeue)
                : (Process.Sandbox.Futexes.Wake(a, wake, uint.MaxValue), 0);
        }
        return Process.Runner!.FutexRequeue(from, to, wake, requeue);
    }

    public int FutexWake(ulong address, int count, uint bitset, bool shared) =>
        shared && SharedFutexes.KeyOf(Process.Mm, address) is { } key
            ? Process.Sandbox.Futexes.Wake(key, count, bitset)
            : Process.Runner!.FutexWake(address, count, bitset);

    public (ulong Cur, ulong Max) GetLimit(int resource) => Process.GetLimit(resource);
    /// <summary>The caller's own limits (setrlimit, or prlimit64 of its own process): a raised RLIMIT_STACK deepens its stack now.</summary>
    public void SetLimit(int resource, ulong cur, ulong max)
    {
        Process.SetLimit(resource, cur, max);
        if (resource == Limits.Stack) Process.Mm.GrowStackTo(cur);
    }
    public ulong FileSizeLimit => Process.FileSizeLimit;

    public long LimitsOf(int pid, out ILimits? limits)
    {
        limits = null;
        if (pid < 0) return -(long)Errno.EINVAL;
        var target = pid == 0 || pid == Process.Pid ? Process : Process.Sandbox.FindProcess(pid);
        if (target is null || target.ExitStatus is not null) return -(long)Errno.ESRCH;
        if (!ReferenceEquals(target, Process))
        {
            var (me, them) = (Process.Creds, target.Creds);
            bool sameIds = me.Uid == them.Uid && me.Uid == them.Euid && me.Uid == them.Suid
                && me.Gid == them.Gid && me.Gid == them.Egid && me.Gid == them.Sgid;
            if (!sameIds && !Settings.Has(Capabilities.SysResource)) return -(long)Errno.EPERM;
        }
        limits = ReferenceEquals(target, Process) ? this : target;
        return 0;
    }

    public string HostName => Process.Namespaces.Uts.HostName;
    public string DomainName => Process.Namespaces.Uts.DomainName;

    public void SetUtsName(bool domain, string name)
    {
        if (domain) Process.Namespaces.Uts.DomainName = name;
        else Process.Namespaces.Uts.HostName = name;
    }
    public ulong TotalRam => Process.Sandbox.Options.MemoryBytes;
    public ulong FreeRam => Process.Sandbox.FreeMemory;
    public int ProcessCount => Process.Sandbox.ProcessCount;
    public KernelLog KernelLog => Process.Sandbox.KernelLog;
    public Keyrings Keyrings => Process.Sandbox.Keyrings;

    public override string ToString() => $"task {Tid}";
}
