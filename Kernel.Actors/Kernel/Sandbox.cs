using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using Kernel.Actors.Files;
using Kernel.Actors.Loader;
using Kernel.Actors.Mm;
using Kernel.Actors.Proc;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Platform;
using Kernel.Platform.Unicorn;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;
using Serilog;

namespace Kernel.Actors;

/// <summary>
/// One sandbox: its actor system (kernel supervisor, dispatcher, subsystem actors), its filesystem, its
/// processes. Everything a guest can reach hangs off this object; two sandboxes share nothing.
/// </summary>
public sealed class Sandbox : IAsyncDisposable, IProcSandbox
{
    // AT_HWCAP for Unicorn 2.0.1's MAX CPU: FP, ASIMD, AES, PMULL, SHA1, SHA2, CRC32, ATOMICS, FPHP, ASIMDHP,
    // ASIMDRDM, JSCVT, FCMA, LRCPC, DCPOP, SHA3, SM3, SM4, ASIMDDP, SHA512, ASIMDFHM, FLAGM. SVE and CPUID are
    // left out: SVE state is not saved in signal frames yet, and MRS of ID registers from EL0 is not emulated.
    public const ulong Hwcap = 0x1 | 0x2 | 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100 | 0x200 | 0x400 | 0x1000
        | 0x4000 | 0x8000 | 0x10000 | 0x20000 | 0x40000 | 0x80000 | 0x100000 | 0x200000 | 0x800000 | 0x1000000 | 0x8000000;
    public const ulong Hwcap2 = 0;

    private readonly ConcurrentDictionary<int, KernelProcess> _processes = new();
    private int _nextPid;
    private readonly IActorRef _dispatcher;
    private readonly IReadOnlyDictionary<Subsystem, IActorRef> _routes;

    public SandboxOptions Options { get; }
    public ILogger Log { get; }
    public ActorSystem System { get; }
    public VirtualFileSystem Vfs { get; }
    public SyscallDispatch Syscalls { get; }
    public bool Strace => Options.Strace;
    /// <summary>The namespaces of the sandbox's first process (and of every process that made no new ones).</summary>
    public NamespaceSet InitialNamespaces { get; }
    /// <summary>The UTS namespace of the process being served (the initial one outside a call), for /proc/sys/kernel.</summary>
    private UtsNamespace Uts => CurrentTask.Task?.Process.Namespaces.Uts ?? InitialNamespaces.Uts;
    /// <summary>The UTS hostname: from the settings, changed by writes to /proc/sys/kernel/hostname.</summary>
    public string HostName { get => Uts.HostName; set => Uts.HostName = value; }
    /// <summary>The UTS domain name (setdomainname, /proc/sys/kernel/domainname); Linux starts it as "(none)".</summary>
    public string DomainName { get => Uts.DomainName; set => Uts.DomainName = value; }
    public ulong MemoryBytes => Options.MemoryBytes;
    /// <summary>Queued signals per real uid, for RLIMIT_SIGPENDING.</summary>
    public SignalCharges SignalCharges { get; } = new();
    /// <summary>What dmesg shows: the sandbox's boot messages.</summary>
    public KernelLog KernelLog { get; } = new();
    public Keyrings Keyrings { get; } = new();
    public int LastPid => Volatile.Read(ref _nextPid);
    /// <summary>Memory not held by the sandbox's processes (sysinfo's freeram, /proc/meminfo's MemFree).</summary>
    public ulong FreeMemory => ProcMemory.Free(this);
    public int ProcessCount => _processes.Count;
    public VfsState VfsState { get; } = new();
    public Leases Leases => VfsState.Leases;
    public MqueueLimits MqueueLimits => VfsState.MqueueLimits;
    /// <summary>Futexes in shared memory, met by every process that maps it.</summary>
    public SharedFutexes Futexes { get; } = new();
    /// <summary>Priority-inheritance futexes, private and shared.</summary>
    public PiFutexes PiFutexes { get; } = new();
    public TaskActor.WaitState WaitState { get; } = new();
    /// <summary>The System V objects of every IPC namespace and the calls parked on them (the Ipc actor's state).</summary>
    public Ipc.IpcState Ipc { get; } = new();
    private Ipc.IpcObjects CurrentIpc => Ipc.Of(CurrentTask.Task?.Process.Namespaces.Ipc ?? InitialNamespaces.Ipc);
    string IProcSandbox.SysvIpcTable(string kind) => Kernel.Actors.Ipc.IpcProc.Table(this, CurrentIpc, kind);
    string IProcSandbox.IpcSysctl(string name) => Kernel.Actors.Ipc.IpcProc.Sysctl(this, CurrentIpc, name);
    long IProcSandbox.SetIpcSysctl(string name, string value) => Kernel.Actors.Ipc.IpcProc.SetSysctl(this, CurrentIpc, name, value);
    /// <summary>Who traces whom (ptrace), with every tracee's stop state.</summary>
    public PtraceTable Ptrace { get; } = new();
    /// <summary>How far the sandbox's CLOCK_REALTIME is from the host's (clock_settime with CAP_SYS_TIME), in ns.</summary>
    public long RealtimeOffsetNs;
    private readonly List<WeakReference<TimerFdFile>> _clockWatchers = [];

    /// <summary>A timerfd with TFD_TIMER_CANCEL_ON_SET: told when the sandbox's clock is set.</summary>
    internal void WatchClockSet(TimerFdFile timer)
    {
        lock (_clockWatchers) _clockWatchers.Add(new WeakReference<TimerFdFile>(timer));
    }

    /// <summary>clock_settime and friends moved CLOCK_REALTIME: cancel-on-set timerfds are canceled.</summary>
    public void ClockWasSet()
    {
        lock (_clockWatchers)
        {
            _clockWatchers.RemoveAll(w => !w.TryGetTarget(out var t) || !t.ClockWasSet());
        }
    }

    /// <summary>Fires the wall-clock timers of every process of the sandbox.</summary>
    public TimerThread TimerThread { get; } = new();
    public IActorRef Supervisor { get; }

    private Sandbox(SandboxOptions options, ILogger log, VirtualFileSystem vfs, Config config)
    {
        Options = options;
        InitialNamespaces = NamespaceSet.Initial(options.HostName, "(none)");
        KernelLog.Add(5, $"Linux version {Kernel.Syscalls.Handlers.System.Release} (kernel@sandbox) (gcc) {Kernel.Syscalls.Handlers.System.Version}", TimeSpan.Zero);
        KernelLog.Add(6, $"Memory: {options.MemoryBytes >> 10}K available", TimeSpan.FromMicroseconds(12));
        KernelLog.Add(6, "Kernel: an application kernel sandbox; guest system calls never reach the host", TimeSpan.FromMicroseconds(25));
        Log = log;
        Vfs = vfs;
        Syscalls = new SyscallDispatch(SyscallTable.Default, log);
        System = ActorSystem.Create("kernel", config);
        Supervisor = System.ActorOf(Props.Create(() => new KernelSupervisor(this)), "kernel");
        vfs.Devpts.Host = new Sessions(this);
        _dispatcher = Supervisor.Ask<IActorRef>(new KernelSupervisor.GetDispatcher()).GetAwaiter().GetResult();
        _routes = Supervisor.Ask<IReadOnlyDictionary<Subsystem, IActorRef>>(new KernelSupervisor.GetRoutes()).GetAwaiter().GetResult();
    }

    /// <summary>Creates a sandbox; a bad root filesystem is reported as an errno before anything starts.</summary>
    public static long Create(SandboxOptions options, ILogger log, Config config, out Sandbox? sandbox)
    {
        sandbox = null;
        var e = VirtualFileSystem.Create(options.RootFs, options.Mounts, out var vfs,
            options.RootFsWritable ? RootFsMode.Writable : RootFsMode.Overlay);
        if (e < 0) return e;
        vfs!.FilesystemTypes.MemoryBytes = options.MemoryBytes;
        var s = new Sandbox(options, log, vfs!, config);
        e = vfs!.AddMount("/proc", new Procfs(s, vfs), false, MountFlags.NoSuid | MountFlags.NoDev | MountFlags.NoExec);
        vfs.FilesystemTypes.Register("proc", (string _, string _, out Filesystem? fs) =>
        {
            fs = new Procfs(s, vfs);
            return 0;
        });
        if (e < 0)
        {
            s.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return e;
        }
        sandbox = s;
        return 0;
    }

    public Task<KernelReply> Send(KernelRequest request) => _dispatcher.Ask<KernelReply>(request, Timeout.InfiniteTimeSpan);

    private long _replySinks;

    /// <summary>
    /// Sends a vCPU's request straight to its subsystem's actor (the routes the dispatcher uses, looked up once)
    /// and runs <paramref name="onReply"/> on the replying actor's thread: the fewest thread hand-offs for a
    /// blocking syscall.
    /// </summary>
    public void Send(KernelRequest request, Action<KernelReply> onReply) => Submit(request, onReply, inline: false, out _);

    /// <summary>
    /// Like <see cref="Send(KernelRequest, Action{KernelReply})"/>, but when <paramref name="inline"/> and the
    /// subsystem's actor is idle, its handler runs now on this thread: true with the reply when it answered at once
    /// (<paramref name="onReply"/> is then never called). False: the reply comes later through <paramref name="onReply"/>.
    /// </summary>
    public bool Submit(KernelRequest request, Action<KernelReply> onReply, bool inline, out KernelReply? reply)
    {
        var provider = ((ExtendedActorSystem)System).Provider;
        var sink = new ReplySink(provider, () => provider.TempPath().Parent / $"reply-{Interlocked.Increment(ref _replySinks)}", onReply);
        reply = null;
        if (inline && _gates.TryGetValue(request.Subsystem, out var gate) && gate.TryHandle(request, sink, out reply))
        {
            return reply is not null;
        }
        var target = _routes.TryGetValue(request.Subsystem, out var actor) ? actor : _dispatcher;
        target.Tell(request, sink);
        return false;
    }

    /// <summary>A signal for a task parked on <paramref name="request"/>: its actor answers it as interrupted if it still waits.</summary>
    internal void Interrupt(KernelRequest request)
    {
        if (_routes.TryGetValue(request.Subsystem, out var actor)) actor.Tell(new SubsystemActor.InterruptCall(request));
    }

    // Subsystems whose requests vCPU threads may run inline when the actor is idle (see InlineGate).
    private readonly Dictionary<Subsystem, InlineGate> _gates = new() { [Subsystem.Vfs] = new InlineGate(), [Subsystem.Ipc] = new InlineGate() };

    /// <summary>The inline gate of <paramref name="subsystem"/>, or null when its requests always go through the mailbox.</summary>
    internal InlineGate? Inline(Subsystem subsystem) => _gates.GetValueOrDefault(subsystem);

    /// <summary>
    /// RLIMIT_NPROC, as copy_process checks it: the tasks (threads included) of the caller's real user have reached
    /// the limit, and the caller is not privileged (real uid 0 or effective root).
    /// </summary>
    private bool OverProcessLimit(KernelProcess p)
    {
        var (limit, _) = p.GetLimit(Kernel.Syscalls.Handlers.Limits.NProc);
        var creds = p.Creds;
        if (limit == ulong.MaxValue || creds.Uid == 0 || creds.Euid == 0) return false;
        // Zombies count until they are reaped, as Linux releases the count in release_task.
        var tasks = _processes.Values.Where(q => q.Creds.Uid == creds.Uid).Sum(q => (long)Math.Max(1, q.Threads.Count));
        return (ulong)tasks >= limit;
    }

    public KernelProcess? FindProcess(int pid) => _processes.TryGetValue(pid, out var p) ? p : null;

    /// <summary>/proc/sys/kernel/pid_max.</summary>
    public const int PidMax = 32768;
    private readonly Lock _pidLock = new();
    private readonly HashSet<int> _reservedPids = [];

    /// <summary>Whether a pid is taken: by a process or thread (zombies too), a process group or a session.</summary>
    private bool PidInUse(int pid) =>
        _reservedPids.Contains(pid) || _processes.ContainsKey(pid) || FindThread(pid) is not null
        || _processes.Values.Any(q => q.Pgid == pid || q.Sid == pid);

    /// <summary>The next free pid, skipping those clone3's set_tid took.</summary>
    private int AllocatePid()
    {
        lock (_pidLock)
        {
            for (;;)
            {
                var pid = Interlocked.Increment(ref _nextPid);
                if (!PidInUse(pid)) return pid;
            }
        }
    }
    public KernelProcess? FindThread(int tid) => _processes.Values.FirstOrDefault(p => p.Threads.Any(t => t.Tid == tid));
    public IEnumerable<KernelProcess> AllProcesses() => _processes.Values;
    public IEnumerable<KernelProcess> Children(int pid) => _processes.Values.Where(p => p.Ppid == pid);

    internal void Reap(KernelProcess zombie)
    {
        lock (Ptrace.Lock)
        {
            foreach (var link in Ptrace.All.Where(l => l.Tracee.Process == zombie).ToList()) Ptrace.Unlink(link);
        }
        _processes.TryRemove(zombie.Pid, out _);
        lock (_pidLock) _reservedPids.Remove(zombie.Pid);
        zombie.IsReaped = true;
        zombie.ExitQueue.Notify(0);
        zombie.Mm.Dispose();
    }

    /// <summary>Starts the sandbox's first process (pid 1) with fds 0-2 on the host's stdin, stdout and stderr.</summary>
    public long Start(string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, out KernelProcess? process)
    {
        process = null;
        var creds = new Credentials(Options.Uid, Options.Gid, Options.Uid, Options.Gid, []);
        var fs = Vfs.NewContext(creds);
        var files = new FdTable();
        HostTerminal? terminal = null;
        for (var fd = 0; fd < 3; fd++)
        {
            var access = fd == 0 ? OpenFlags.O_RDONLY : OpenFlags.O_WRONLY;
            if (HostStdioFile.FromHostFd(fd, access, out var stdio) != 0) continue;
            if (stdio!.IsTerminal) stdio.Terminal = terminal ??= new HostTerminal(fd);
            files.Install(stdio, false, fd);
        }
        var pid = AllocatePid();
        var mm = new AddressSpace(new UnicornCpu(), Options.AddressWindow);
        var p = new KernelProcess(this, pid, 0, mm, files, fs) { Namespaces = InitialNamespaces };
        if (terminal is not null) terminal.Attach(p); // started on a terminal: it is the first session's
        var e = Load(p, mm, new Executable(path, null), argv, envp, out var context);
        if (e < 0)
        {
            mm.Dispose();
            return e;
        }
        var first = new KernelTask(pid, p, context!);
        if (Options.Uid == 0) first.Settings.CapEffective = first.Settings.CapPermitted = Capabilities.All;
        first.Settings.CapIds = (Options.Uid, Options.Uid, Options.Uid, Options.Uid);
        StartProcess(p, first);
        process = p;
        return 0;
    }

    private void StartProcess(KernelProcess p, KernelTask first)
    {
        p.AddThread(first);
        _processes[p.Pid] = p;
        p.Runner = new Runner(this, p);
        p.Runner.AddRunnable(first);
        p.Runner.Start();
    }

    /// <summary>
    /// clone: a thread of the caller's process (CLONE_THREAD), or a new process with a copy of the caller's
    /// address space. Runs on the caller's vCPU thread, so none of the caller's threads runs meanwhile.
    /// </summary>
    internal long Clone(KernelTask parent, in CloneArgs a)
    {
        var p = parent.Process;
        if (p.IsExiting || OverProcessLimit(p)) return -(long)Errno.EAGAIN;
        int tid;
        if (a.SetTid != 0)
        {
            // clone3's set_tid (checkpoint/restore): exactly that pid, if no process, thread, group or session uses it.
            if (a.SetTid > PidMax) return -(long)Errno.EINVAL;
            lock (_pidLock)
            {
                if (PidInUse(a.SetTid)) return -(long)Errno.EEXIST;
                tid = a.SetTid;
                _reservedPids.Add(tid);
            }
        }
        else tid = AllocatePid();
        if ((a.Flags & CloneFlags.Thread) != 0)
        {
            var ctx = p.Mm.Cpu.CloneContext(parent.Context);
            SetUpChild(ctx, a);
            var thread = new KernelTask(tid, p, ctx) { SignalMask = parent.SignalMask, Settings = ChildSettings(parent) };
            if (!FinishClone(parent, thread, p.Mm, a)) return -(long)Errno.EFAULT;
            thread.InheritSemUndo(parent, (a.Flags & CloneFlags.SysvSem) != 0);
            p.Runner!.PtraceCloned(parent, thread, a.Flags, a.ExitSignal);
            p.AddThread(thread);
            p.Runner!.AddRunnable(thread);
            return tid;
        }
        AddressSpace mm;
        try
        {
            mm = p.Mm.Fork(new UnicornCpu());
        }
        catch (OutOfMemoryException)
        {
            return -(long)Errno.ENOMEM;
        }
        var context = mm.Cpu.NewContext();
        context.Load(parent.Context.Capture());
        SetUpChild(context, a);
        var files = (a.Flags & CloneFlags.Files) != 0 ? p.Files : p.Files.Clone();
        var fs = a.NewMountFs as FsContext ?? ((a.Flags & CloneFlags.Fs) != 0 ? p.Fs : p.Fs.Clone());
        var ppid = (a.Flags & CloneFlags.Parent) != 0 ? p.Ppid : p.Pid;
        var child = new KernelProcess(this, tid, ppid, mm, files, fs)
        {
            Pgid = p.Pgid, Sid = p.Sid, ExitSignal = a.ExitSignal, ParentTid = (a.Flags & CloneFlags.Parent) != 0 ? 0 : parent.Tid,
        };
        child.InheritFrom(p);
        if ((a.Flags & CloneFlags.ClearSighand) != 0)
        {
            // CLONE_CLEAR_SIGHAND: handlers go back to the default; ignored signals stay ignored.
            for (var sig = 1; sig < child.SignalActions.Length; sig++)
                if (child.SignalActions[sig].Handler != SignalAction.Ignore) child.SignalActions[sig] = SignalAction.DefaultAction;
        }
        child.Namespaces = p.Namespaces.ForChild(a.Flags);
        child.Settings = p.Settings.Copy();
        child.Settings.ChildSubreaper = false; // not inherited (prctl(2))
        child.Settings.ProcessKeyring = 0;
        var task = new KernelTask(tid, child, context)
        {
            SignalMask = parent.SignalMask, Settings = ChildSettings(parent),
            // A forked child keeps the rseq registration (its memory is a copy); a new thread starts without one.
            Rseq = parent.Rseq, RseqLength = parent.RseqLength, RseqSignature = parent.RseqSignature,
        };
        if (!FinishClone(parent, task, mm, a))
        {
            if ((a.Flags & CloneFlags.Files) == 0) foreach (var (_, entry) in files.All()) entry.File.DropReference();
            mm.Dispose();
            return -(long)Errno.EFAULT;
        }
        task.InheritSemUndo(parent, (a.Flags & CloneFlags.SysvSem) != 0);
        p.Runner!.PtraceCloned(parent, task, a.Flags, a.ExitSignal);
        StartProcess(child, task);
        return tid;
    }

    /// <summary>A new task's settings: its creator's, without the parent-death signal (copy_process clears it).</summary>
    private static TaskSettings ChildSettings(KernelTask parent)
    {
        var settings = parent.Settings.Copy();
        settings.PdeathSignal = 0;
        settings.ThreadKeyring = 0; // a new thread starts without one
        return settings;
    }

    private static void SetUpChild(ICpuContext ctx, in CloneArgs a)
    {
        ctx.SetX(0, 0); // the child sees clone return 0
        if (a.Stack != 0) ctx.Sp = a.Stack;
        if ((a.Flags & CloneFlags.SetTls) != 0) ctx.Tpidr = a.Tls;
    }

    /// <summary>The tid stores clone promises: the parent's copy, the child's copy, and the exit-time clear.</summary>
    private static bool FinishClone(KernelTask parent, KernelTask child, AddressSpace childMm, in CloneArgs a)
    {
        var tid = BitConverter.GetBytes(child.Tid);
        if ((a.Flags & CloneFlags.ParentSetTid) != 0 && parent.Process.Mm.Write(a.ParentTid, tid) != Errno.None) return false;
        if ((a.Flags & CloneFlags.ChildSetTid) != 0 && childMm.Write(a.ChildTid, tid) != Errno.None) return false;
        if ((a.Flags & CloneFlags.ChildClearTid) != 0) child.ClearChildTid = a.ChildTid;
        return true;
    }

    /// <summary>
    /// execve for <paramref name="task"/>: loads the program into a fresh address space first, so a failure
    /// leaves the caller untouched; then the other threads end, the old address space goes, close-on-exec
    /// descriptors close and handled signals return to their default.
    /// </summary>
    internal long ExecInto(KernelTask task, int dirFd, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, int atFlags)
    {
        var p = task.Process;
        // The path may go through /proc/self (execve("/proc/self/exe")): the exec'ing task is current.
        using var current = CurrentTask.Enter(task);
        var e = ResolveExecutable(p, dirFd, path, atFlags, out var name, out var exe);
        if (e < 0) return e;
        var mm = new AddressSpace(new UnicornCpu(), Options.AddressWindow, p.GetLimit(Kernel.Syscalls.Handlers.Limits.Stack).Cur);
        e = Load(p, mm, new Executable(name, exe, path.Length == 0), argv, envp, out var context);
        if (e < 0)
        {
            mm.Dispose();
            return e;
        }
        p.Runner!.RemoveOtherThreads(task);
        RobustFutexes.Release(task); // exec ends the old image's robust list (clear_child_tid is only dropped)
        Capabilities.Exec(task.Settings, p.Creds.Uid, p.Creds.Euid);
        task.Settings.OnExec();
        task.Settings.CapIds = (p.Creds.Uid, p.Creds.Euid, p.Creds.Suid, p.Creds.Fsuid);
        p.Settings.Dumpable = true; // begin_new_exec: a program without set-id bits is dumpable again
        p.Settings.MembarrierRegistrations = 0; // a new mm has none
        var old = p.Mm;
        var oldContext = task.Context;
        var oldTid = task.Tid;
        p.Mm = mm;
        task.Context = context!;
        task.Tid = p.Pid;
        task.ClearChildTid = 0;
        task.RobustList = 0;
        task.Rseq = 0; // the registration was in the old image
        task.RseqLength = task.RseqSignature = 0;
        task.AltStack = (0, 2 /* SS_DISABLE */, 0);
        task.Settings.Name = null; // comm becomes the new program's name
        oldContext.Dispose();
        IpcActor.AddressSpaceGone(this, p, old); // exec detaches the old image's SysV shm segments
        old.Dispose();
        var files = p.Files;
        foreach (var (fd, entry) in files.All().ToList())
        {
            if (!entry.CloseOnExec) continue;
            VfsState.Locks.ReleasePosix(entry.File.LockKey, files);
            files.Remove(fd)?.File.DropReference();
        }
        for (var sig = 1; sig < p.SignalActions.Length; sig++)
        {
            if (p.SignalActions[sig].Handler != SignalAction.Ignore) p.SignalActions[sig] = SignalAction.DefaultAction;
        }
        if (p.HasTimers) p.Timers.OnExec();
        p.HasExeced = true;
        p.VforkRelease.TrySetResult();
        p.Runner.PtraceExeced(task, oldTid);
        return 0;
    }

    // ---- process groups and sessions (Linux's rules from kernel/sys.c) ----

    private KernelProcess? Target(KernelTask caller, int pid) => pid == 0 ? caller.Process : FindProcess(pid);

    internal long GetProcessGroup(KernelTask caller, int pid) =>
        pid < 0 ? -(long)Errno.ESRCH : Target(caller, pid) is { } p ? p.Pgid : -(long)Errno.ESRCH;

    internal long GetSession(KernelTask caller, int pid) =>
        pid < 0 ? -(long)Errno.ESRCH : Target(caller, pid) is { } p ? p.Sid : -(long)Errno.ESRCH;

    internal long SetProcessGroup(KernelTask caller, int pid, int pgid)
    {
        if (pgid < 0) return -(long)Errno.EINVAL;
        var self = caller.Process;
        var target = pid == 0 ? self : FindProcess(pid);
        if (target is null) return -(long)Errno.ESRCH;
        if (target != self)
        {
            if (target.Ppid != self.Pid) return -(long)Errno.ESRCH;
            if (target.HasExeced) return -(long)Errno.EACCES;
            if (target.Sid != self.Sid) return -(long)Errno.EPERM;
        }
        if (target.Sid == target.Pid) return -(long)Errno.EPERM; // a session leader keeps its group
        if (pgid == 0) pgid = target.Pid;
        if (pgid != target.Pid && !_processes.Values.Any(p => p.Pgid == pgid && p.Sid == self.Sid)) return -(long)Errno.EPERM;
        target.Pgid = pgid;
        return 0;
    }

    /// <summary>
    /// is_pgrp_orphaned: no member has a parent in another group of the same session. The sandbox's first process
    /// counts as having one (whoever started the sandbox, as a shell starts a job), so its group is not orphaned.
    /// </summary>
    internal bool IsOrphanedGroup(int pgid)
    {
        foreach (var q in _processes.Values)
        {
            if (q.Pgid != pgid || q.IsExiting) continue;
            if (q.Ppid == 0) return false;
            if (FindProcess(q.Ppid) is { } parent && parent.Pgid != q.Pgid && parent.Sid == q.Sid) return false;
        }
        return true;
    }

    internal long NewSession(KernelTask caller)
    {
        var p = caller.Process;
        if (_processes.Values.Any(q => q.Pgid == p.Pid)) return -(long)Errno.EPERM; // already a group leader
        p.Sid = p.Pid;
        p.Pgid = p.Pid;
        p.ControllingTerminal = null;
        return p.Pid;
    }

    /// <summary>The program exec runs: the name it goes by (what AT_EXECFN and a script's interpreter get) and, when exec found it by descriptor, the file itself.</summary>
    private readonly record struct Executable(string Name, Location? File, bool ByDescriptor = false);

    /// <summary>
    /// execveat's lookup (do_open_execat): a path from the cwd or <paramref name="dirFd"/>, or with AT_EMPTY_PATH the
    /// descriptor's own file. Programs found through a descriptor go by /dev/fd/N[/path], as Linux names them.
    /// </summary>
    private static long ResolveExecutable(KernelProcess p, int dirFd, string path, int atFlags, out string name, out Location? exe)
    {
        name = path;
        exe = null;
        bool noFollow = (atFlags & AtFlags.AT_SYMLINK_NOFOLLOW) != 0;
        if (dirFd == Args.AtFdCwd || path.StartsWith('/'))
        {
            if (!noFollow) return 0;
            // Resolved here only to refuse a final symlink; the loader looks the path up again.
            long r = p.Sandbox.Vfs.Resolve(p.Fs, null, path, AtFlags.AT_SYMLINK_NOFOLLOW, out var found);
            if (r < 0) return r;
            return found.Inode.IsSymlink ? -(long)Errno.ELOOP : 0;
        }
        var dir = p.Files.GetFile(dirFd);
        if (dir is null) return -(long)Errno.EBADF;
        if (path.Length == 0)
        {
            // A pipe or other anonymous file is no regular file: EACCES, as for any non-regular program.
            if (dir.Location is not { } own) return -(long)Errno.EACCES;
            name = $"/dev/fd/{dirFd}";
            exe = own;
            return own.Inode.IsSymlink && noFollow ? -(long)Errno.ELOOP : 0;
        }
        if (dir.Location is not { } at || !at.IsDirectory) return -(long)Errno.ENOTDIR;
        long e = p.Sandbox.Vfs.Resolve(p.Fs, at, path, noFollow ? AtFlags.AT_SYMLINK_NOFOLLOW : 0, out var loc);
        if (e < 0) return e;
        if (loc.Inode.IsSymlink) return -(long)Errno.ELOOP;
        name = $"/dev/fd/{dirFd}/{path}";
        exe = loc;
        return 0;
    }

    /// <summary>Loads an executable into <paramref name="mm"/> and returns the initial register context.</summary>
    private long Load(KernelProcess p, AddressSpace mm, Executable program, IReadOnlyList<string> argv, IReadOnlyList<string> envp, out ICpuContext? context)
    {
        context = null;
        var creds = p.Creds;
        var random = RandomNumberGenerator.GetBytes(16);
        LoadResult loaded;
        try
        {
            loaded = ElfLoader.Load(new ExecRequest(program.Name, argv, envp, creds.Uid, creds.Euid, creds.Gid, creds.Egid, false, Hwcap, Hwcap2, random),
                new VfsExecutableSource(Vfs, p.Fs, program), new LoadTarget(mm, p.GetLimit(Kernel.Syscalls.Handlers.Limits.Stack).Cur));
        }
        catch (LoadException ex)
        {
            Log.Debug("exec {Path}: {Message}", program.Name, ex.Message);
            return -(long)ex.Errno;
        }
        mm.InitBrk(loaded.BrkStart);
        mm.MapSigPage();
        if (!ReferenceEquals(p.Mm, mm)) p.Mm.InheritFlags(mm, exec: true); // exec's new mm keeps MMF_INIT_MASK's flags
        mm.Layout = MmLayout.From(loaded, mm.BrkStart);
        p.ExecutablePath = loaded.ExecutablePath;
        p.Image = loaded;
        SetExecutable(p, Find(p, program, loaded.ExecutablePath));
        LabelImage(p, mm, loaded, program);
        p.Argv = loaded.Argv;
        p.Envp = envp;
        // A program run by its descriptor takes the file's own name, not "N" of /dev/fd/N (Linux 6.14 and later).
        p.Comm = program.ByDescriptor && program.File is { } f && loaded.ExecutablePath == program.Name
            ? Path.GetFileName(f.GuestPath.Replace(" (deleted)", ""))
            : Path.GetFileName(loaded.ExecutablePath);
        var ctx = mm.Cpu.NewContext();
        ctx.Pc = loaded.Entry;
        ctx.Sp = loaded.StackPointer;
        context = ctx;
        return 0;
    }

    /// <summary>Names the loaded segments and the stack in the VMA list, with each file's device and inode (/proc/[pid]/maps).</summary>
    private void LabelImage(KernelProcess p, AddressSpace mm, LoadResult loaded, Executable program)
    {
        foreach (var m in loaded.Mappings)
        {
            if (m.Label.Length == 0) continue;
            if (m.FilePath is null || Find(p, program, m.FilePath) is not { } file || file.Inode.Stat(out var st) < 0)
            {
                mm.Label(m.Start, m.End, m.Label);
                continue;
            }
            // Linux names a mapped file by its path with symlinks resolved (/usr/bin/x for /bin/x).
            mm.Label(m.Start, m.End, file.GuestPath, m.FileOffset, st.Dev, st.Ino);
        }
    }

    /// <summary>
    /// The file a process runs: writers are refused while it does (ETXTBSY), as Linux's exe_file_deny_write_access;
    /// the previous image's file (exec) is released. A fork's child counts again (<see cref="KernelProcess.InheritFrom"/>).
    /// </summary>
    internal static void SetExecutable(KernelProcess p, Location? exe)
    {
        if (p.Executable is { } old && p.DeniesWrite) old.Inode.AllowWriteAccess();
        p.Executable = exe;
        p.DeniesWrite = exe is not null && exe.Inode.IsRegular && exe.Inode.TryDenyWriteAccess();
    }

    internal void OnProcessExited(KernelProcess process)
    {
        SetExecutable(process, null);
        VfsState.Locks.ReleaseProcess(process.Files);
        foreach (var (_, entry) in process.Files.All().ToList())
        {
            entry.File.DropReference();
        }
        process.Files = new FdTable();
        Sessions.ProcessExited(this, process);
        var orphans = Children(process.Pid).ToList();
        if (orphans.Count > 0)
        {
            var reaper = FindReaper(process);
            foreach (var child in orphans)
            {
                child.Ppid = reaper;
                child.ExitSignal = Sig.SIGCHLD; // reparent_leader: the new parent is told with SIGCHLD
                foreach (var t in child.Threads)
                {
                    if (t.Settings.PdeathSignal is > 0 and var sig) SignalActor.Post(child, SigInfo.FromUser(sig, SigInfo.SiUser, process.Pid, process.Creds.Uid), t);
                }
                // A zombie orphan is reported to its new parent at once, which may reap it.
                if (child.IsExiting && child.ExitStatus is not null && !child.IsReaped) NotifyParent(child);
            }
        }
        // Decided before the exit shows: a wait racing with the reap below must not take the zombie.
        process.ReapingAtExit = FindProcess(process.Ppid) is { IsExiting: false } keeper && AutoReaps(keeper, process);
        process.CompleteExit();
        // A traced leader is its tracer's zombie first; the parent hears of it once the tracer let it go.
        var traced = PtraceLife.ProcessEnded(process);
        if (!traced) NotifyParent(process);
        process.ExitQueue.Notify(Kernel.Syscalls.Abi.Poll.In | Kernel.Syscalls.Abi.Poll.RdNorm);
        Supervisor.Tell(new TaskActor.ProcessExited(process));
        if (process.Ppid == 0 && !traced) Reap(process);
    }

    /// <summary>
    /// find_new_reaper: the nearest live ancestor that is a child subreaper (PR_SET_CHILD_SUBREAPER), else the
    /// sandbox's init (pid 1).
    /// </summary>
    private int FindReaper(KernelProcess exiting)
    {
        for (var ancestor = FindProcess(exiting.Ppid); ancestor is not null && ancestor.Pid != 1; ancestor = FindProcess(ancestor.Ppid))
        {
            if (ancestor.Settings.ChildSubreaper && !ancestor.IsExiting) return ancestor.Pid;
        }
        return 1;
    }

    /// <summary>
    /// do_notify_parent: the parent gets the child's exit signal (SIGCHLD) with its status; a parent that ignores
    /// SIGCHLD or set SA_NOCLDWAIT does not keep the zombie (it is reaped at once).
    /// </summary>
    internal void NotifyParent(KernelProcess child)
    {
        if (child.Ppid == 0 || FindProcess(child.Ppid) is not { IsExiting: false } parent) return;
        var autoReap = AutoReaps(parent, child);
        child.ReapingAtExit = autoReap;
        if (child.ExitSignal > 0) SignalActor.Post(parent, child.ExitReport(child.ExitSignal), null);
        if (autoReap) Reap(child);
    }

    /// <summary>Whether <paramref name="parent"/> keeps no zombie of <paramref name="child"/> (SIGCHLD ignored or SA_NOCLDWAIT).</summary>
    internal static bool AutoReaps(KernelProcess parent, KernelProcess child)
    {
        var action = parent.SignalActions[Sig.SIGCHLD];
        return child.ExitSignal == Sig.SIGCHLD && (action.Handler == SignalAction.Ignore || (action.Flags & SaFlags.NoCldWait) != 0);
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate();
    }

    /// <summary>The loader's view of an address space.</summary>
    private sealed class LoadTarget(AddressSpace mm, ulong stackLimit) : ILoadTarget
    {
        public ulong PieBase => mm.PieBase;
        public ulong InterpreterBase => mm.InterpreterBase;
        public ulong StackTop => mm.StackTop;
        public ulong StackSize => mm.StackSizeFor(stackLimit);
        public ulong StackLimit => stackLimit;
        public void Map(ulong address, ulong length, Prot prot) => mm.MapFixed(address, length, prot, false, "");
        public void Write(ulong address, ReadOnlySpan<byte> data) => mm.Poke(address, data);
        public void Protect(ulong address, ulong length, Prot prot) => mm.Protect(address, length, prot);
    }

    /// <summary>The loader's view of the filesystem: whole files, with the exec'ing task's credentials.</summary>
    /// <summary>A file the loaded image names: the program exec was given by descriptor, or a path looked up now.</summary>
    private Location? Find(KernelProcess p, Executable program, string path) =>
        program.File is { } f && path == program.Name ? f : Vfs.Resolve(p.Fs, null, path, 0, out var loc) >= 0 ? loc : null;

    private sealed class VfsExecutableSource(VirtualFileSystem vfs, FsContext fs, Executable program) : IExecutableSource
    {
        public long ReadFile(string guestPath, out byte[] contents)
        {
            contents = [];
            Location? given = program.File is { } f && guestPath == program.Name ? f : null;
            var e = given is not null ? vfs.OpenLocation(fs, given, 0, false, out var file) : vfs.Open(fs, null, guestPath, 0, 0, out file);
            if (e < 0) return e;
            // A file open for writing cannot be run (ETXTBSY), as do_open_execat's deny_write_access.
            var inode = file!.Location?.Inode;
            if (inode is not null && !inode.TryDenyWriteAccess())
            {
                file.DropReference();
                return -(long)Errno.ETXTBSY;
            }
            try
            {
                e = file!.Stat(out var st);
                if (e < 0) return e;
                if ((st.Mode & 0xF000) != 0x8000) return -(long)Errno.EACCES;
                // Execute permission with the caller's effective ids, and no noexec mount (may_open's MAY_EXEC).
                var loc = file.Location!;
                if (Permission.Check(loc.Inode, fs.Creds, Permission.MayExec) < 0 || loc.Mount.NoExec) return -(long)Errno.EACCES;
                using var ms = new MemoryStream();
                var buf = new byte[1 << 16];
                long n;
                while ((n = file.Read(buf)) > 0) ms.Write(buf, 0, (int)n);
                if (n < 0) return n;
                contents = ms.ToArray();
                return 0;
            }
            finally
            {
                inode?.AllowWriteAccess();
                file!.DropReference();
            }
        }
    }
}
