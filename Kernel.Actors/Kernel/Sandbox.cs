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
        _dispatcher = Supervisor.Ask<IActorRef>(new KernelSupervisor.GetDispatcher()).GetAwaiter().GetResult();
    }

    /// <summary>Creates a sandbox; a bad root filesystem is reported as an errno before anything starts.</summary>
    public static long Create(SandboxOptions options, ILogger log, Config config, out Sandbox? sandbox)
    {
        sandbox = null;
        var e = VirtualFileSystem.Create(options.RootFs, options.Mounts, out var vfs,
            options.RootFsWritable ? RootFsMode.Writable : RootFsMode.Overlay);
        if (e < 0) return e;
        vfs!.FilesystemTypes.MemoryBytes = options.MemoryBytes;
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
        for (var fd = 0; fd < 3; fd++)
        {
            var access = fd == 0 ? OpenFlags.O_RDONLY : OpenFlags.O_WRONLY;
            if (HostStdioFile.FromHostFd(fd, access, out var stdio) == 0) files.Install(stdio!, false, fd);
        }
        var pid = Interlocked.Increment(ref _nextPid);
        var mm = new AddressSpace(new UnicornCpu(), Options.AddressWindow);
        var p = new KernelProcess(this, pid, 0, mm, files, fs);
        var e = Exec(p, path, argv, envp, out var context);
        if (e < 0)
        {
            mm.Dispose();
            return e;
        }
        var task = new KernelTask(pid, p, context!);
        p.AddThread(task);
        _processes[pid] = p;
        p.Runner = new Runner(this, p);
        p.Runner.AddRunnable(task);
        p.Runner.Start();
        process = p;
        return 0;
    }

    /// <summary>Loads an executable into a fresh address space and returns the initial register context.</summary>
    private long Exec(KernelProcess p, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, out ICpuContext? context)
    {
        context = null;
        var creds = p.Creds;
        var random = RandomNumberGenerator.GetBytes(16);
        LoadResult loaded;
        try
        {
            loaded = ElfLoader.Load(new ExecRequest(path, argv, envp, creds.Uid, creds.Euid, creds.Gid, creds.Egid, false, Hwcap, Hwcap2, random),
                new VfsExecutableSource(Vfs, p.Fs), new LoadTarget(p.Mm));
        }
        catch (LoadException ex)
        {
            Log.Debug("exec {Path}: {Message}", path, ex.Message);
            return -(long)ex.Errno;
        }
        p.Mm.InitBrk(loaded.BrkStart);
        p.ExecutablePath = loaded.ExecutablePath;
        p.Argv = loaded.Argv;
        p.Envp = envp;
        p.Comm = Path.GetFileName(loaded.ExecutablePath);
        var ctx = p.Mm.Cpu.NewContext();
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
