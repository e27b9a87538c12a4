using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka.Actor;
using Akka.Configuration;
using Kernel.Actors.Files;
using Kernel.Actors.Loader;
using Kernel.Actors.Mm;
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
public sealed class Sandbox : IAsyncDisposable
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

    public SandboxOptions Options { get; }
    public ILogger Log { get; }
    public ActorSystem System { get; }
    public VirtualFileSystem Vfs { get; }
    public SyscallDispatch Syscalls { get; }
    public bool Strace => Options.Strace;
    public string HostName => Options.HostName;
    public int ProcessCount => _processes.Count;
    public VfsState VfsState { get; } = new();
    public TaskActor.WaitState WaitState { get; } = new();
    public IActorRef Supervisor { get; }

    private Sandbox(SandboxOptions options, ILogger log, VirtualFileSystem vfs, Config config)
    {
        Options = options;
        Log = log;
        Vfs = vfs;
        Syscalls = new SyscallDispatch(SyscallTable.Default, log);
        System = ActorSystem.Create("kernel", config);
        Supervisor = System.ActorOf(Props.Create(() => new KernelSupervisor(this)), "kernel");
        vfs.Devpts.Host = new Sessions(this);
        _dispatcher = Supervisor.Ask<IActorRef>(new KernelSupervisor.GetDispatcher()).GetAwaiter().GetResult();
    }

    /// <summary>Creates a sandbox; a bad root filesystem is reported as an errno before anything starts.</summary>
    public static long Create(SandboxOptions options, ILogger log, Config config, out Sandbox? sandbox)
    {
        sandbox = null;
        var e = VirtualFileSystem.Create(options.RootFs, options.Mounts, out var vfs);
        if (e < 0) return e;
        sandbox = new Sandbox(options, log, vfs!, config);
        return 0;
    }

    public Task<KernelReply> Send(KernelRequest request) => _dispatcher.Ask<KernelReply>(request, Timeout.InfiniteTimeSpan);

    public KernelProcess? FindProcess(int pid) => _processes.TryGetValue(pid, out var p) ? p : null;
    public KernelProcess? FindThread(int tid) => _processes.Values.FirstOrDefault(p => p.Threads.Any(t => t.Tid == tid));
    public IEnumerable<KernelProcess> AllProcesses() => _processes.Values;
    public IEnumerable<KernelProcess> Children(int pid) => _processes.Values.Where(p => p.Ppid == pid);

    internal void Reap(KernelProcess zombie)
    {
        _processes.TryRemove(zombie.Pid, out _);
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
        var pid = Interlocked.Increment(ref _nextPid);
        var mm = new AddressSpace(new UnicornCpu(), Options.AddressWindow);
        var p = new KernelProcess(this, pid, 0, mm, files, fs);
        if (terminal is not null) terminal.Attach(p); // started on a terminal: it is the first session's
        var e = Load(p, mm, path, argv, envp, out var context);
        if (e < 0)
        {
            mm.Dispose();
            return e;
        }
        StartProcess(p, new KernelTask(pid, p, context!));
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
        if (p.IsExiting) return -(long)Errno.EAGAIN;
        var tid = Interlocked.Increment(ref _nextPid);
        if ((a.Flags & CloneFlags.Thread) != 0)
        {
            var ctx = p.Mm.Cpu.CloneContext(parent.Context);
            SetUpChild(ctx, a);
            var thread = new KernelTask(tid, p, ctx) { SignalMask = parent.SignalMask };
            if (!FinishClone(parent, thread, p.Mm, a)) return -(long)Errno.EFAULT;
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
        var fs = (a.Flags & CloneFlags.Fs) != 0 ? p.Fs : p.Fs.Clone();
        var ppid = (a.Flags & CloneFlags.Parent) != 0 ? p.Ppid : p.Pid;
        var child = new KernelProcess(this, tid, ppid, mm, files, fs) { Pgid = p.Pgid, Sid = p.Sid, ExitSignal = a.ExitSignal };
        child.InheritFrom(p);
        var task = new KernelTask(tid, child, context) { SignalMask = parent.SignalMask };
        if (!FinishClone(parent, task, mm, a))
        {
            if ((a.Flags & CloneFlags.Files) == 0) foreach (var (_, entry) in files.All()) entry.File.DropReference();
            mm.Dispose();
            return -(long)Errno.EFAULT;
        }
        StartProcess(child, task);
        return tid;
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
    internal long ExecInto(KernelTask task, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp)
    {
        var p = task.Process;
        var mm = new AddressSpace(new UnicornCpu(), Options.AddressWindow);
        var e = Load(p, mm, path, argv, envp, out var context);
        if (e < 0)
        {
            mm.Dispose();
            return e;
        }
        p.Runner!.RemoveOtherThreads(task);
        var old = p.Mm;
        var oldContext = task.Context;
        p.Mm = mm;
        task.Context = context!;
        task.Tid = p.Pid;
        task.ClearChildTid = 0;
        task.RobustList = 0;
        task.AltStack = (0, 2 /* SS_DISABLE */, 0);
        oldContext.Dispose();
        old.Dispose();
        var files = p.Files;
        foreach (var (fd, entry) in files.All().ToList())
        {
            if (entry.CloseOnExec) files.Remove(fd)?.File.DropReference();
        }
        for (var sig = 1; sig < p.SignalActions.Length; sig++)
        {
            if (p.SignalActions[sig].Handler != SignalAction.Ignore) p.SignalActions[sig] = SignalAction.DefaultAction;
        }
        p.HasExeced = true;
        p.VforkRelease.TrySetResult();
        return 0;
    }

    /// <summary>Loads an executable into <paramref name="mm"/> and returns the initial register context.</summary>
    private long Load(KernelProcess p, AddressSpace mm, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, out ICpuContext? context)
    {
        context = null;
        var creds = p.Creds;
        var random = RandomNumberGenerator.GetBytes(16);
        LoadResult loaded;
        try
        {
            loaded = ElfLoader.Load(new ExecRequest(path, argv, envp, creds.Uid, creds.Euid, creds.Gid, creds.Egid, false, Hwcap, Hwcap2, random),
                new VfsExecutableSource(Vfs, p.Fs), new LoadTarget(mm));
        }
        catch (LoadException ex)
        {
            Log.Debug("exec {Path}: {Message}", path, ex.Message);
            return -(long)ex.Errno;
        }
        mm.InitBrk(loaded.BrkStart);
        p.ExecutablePath = loaded.ExecutablePath;
        p.Argv = loaded.Argv;
        p.Envp = envp;
        p.Comm = Path.GetFileName(loaded.ExecutablePath);
        var ctx = mm.Cpu.NewContext();
        ctx.Pc = loaded.Entry;
        ctx.Sp = loaded.StackPointer;
        context = ctx;
        return 0;
    }

    internal void OnProcessExited(KernelProcess process)
    {
        foreach (var (_, entry) in process.Files.All().ToList())
        {
            entry.File.DropReference();
        }
        process.Files = new FdTable();
        Sessions.ProcessExited(this, process);
        foreach (var child in Children(process.Pid).ToList()) child.Ppid = 1;
        process.CompleteExit();
        Supervisor.Tell(new TaskActor.ProcessExited(process));
        if (process.Ppid == 0) Reap(process);
    }

    public async ValueTask DisposeAsync()
    {
        await System.Terminate();
    }

    /// <summary>The loader's view of an address space.</summary>
    private sealed class LoadTarget(AddressSpace mm) : ILoadTarget
    {
        public ulong PieBase => mm.PieBase;
        public ulong InterpreterBase => mm.InterpreterBase;
        public ulong StackTop => mm.StackTop;
        public ulong StackSize => mm.StackSize;
        public void Map(ulong address, ulong length, Prot prot) => mm.MapFixed(address, length, prot, false, "");
        public void Write(ulong address, ReadOnlySpan<byte> data) => mm.Poke(address, data);
        public void Protect(ulong address, ulong length, Prot prot) => mm.Protect(address, length, prot);
    }

    /// <summary>The loader's view of the filesystem: whole files, with the exec'ing task's credentials.</summary>
    private sealed class VfsExecutableSource(VirtualFileSystem vfs, FsContext fs) : IExecutableSource
    {
        public long ReadFile(string guestPath, out byte[] contents)
        {
            contents = [];
            var e = vfs.Open(fs, null, guestPath, 0, 0, out var file);
            if (e < 0) return e;
            try
            {
                e = file!.Stat(out var st);
                if (e < 0) return e;
                if ((st.Mode & 0xF000) != 0x8000) return -(long)Errno.EACCES;
                if (vfs.Access(fs, null, guestPath, 1, 0) < 0) return -(long)Errno.EACCES;
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
                file!.DropReference();
            }
        }
    }
}
