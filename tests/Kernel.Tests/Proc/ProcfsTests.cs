using Kernel.Tests.Infrastructure;
using System.Text;
using Akka.Configuration;
using Kernel.Actors;
using Kernel.Actors.Files;
using Kernel.Actors.Mm;
using Kernel.Actors.Proc;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Platform;
using Kernel.Syscalls.Abi;
using Kernel.Tests.Vfs;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Tests.Proc;

/// <summary>
/// /proc over a process table built by the test: several processes with different owners, so that access to
/// another process's magic links and private files, and escapes through them, can be tried. The file tree is a
/// temporary host directory (with a read-only bind at /mnt), never the host's own /proc.
/// </summary>
public sealed class ProcfsTests : IDisposable
{
    private readonly VfsTestRoot _t = new(withBind: true);
    private readonly Sandbox _owner;
    private readonly FakeSandbox _table = new();
    private readonly KernelProcess _rootProc, _userProc, _otherRoot;
    private readonly int _boundFd, _pipeFd, _secretFd;

    public ProcfsTests()
    {
        // KernelProcess wants its sandbox; this one only fills that slot (its own /proc shows its own, empty, table).
        Assert.Equal(0, Sandbox.Create(new SandboxOptions { RootFs = _t.HostDir }, Serilog.Core.Logger.None, ConfigurationFactory.Empty, out var s));
        _owner = s!;
        Assert.Equal(0, _t.Vfs.AddMount("/proc", new Procfs(_table, _t.Vfs), false));
        _rootProc = NewProcess(1, Credentials.Root);
        _userProc = NewProcess(2, VfsTestRoot.UserCreds);
        _otherRoot = NewProcess(3, Credentials.Root);
        _boundFd = Install(_rootProc, _t.Open(_rootProc.Fs, "/mnt/data.txt"));
        _secretFd = Install(_rootProc, _t.Open(_rootProc.Fs, "/secret/key"));
        var (readEnd, writeEnd) = Pipe.Create(0);
        _pipeFd = Install(_rootProc, readEnd);
        Install(_rootProc, writeEnd);
        Assert.Equal(0, _t.Vfs.ChangeDir(_rootProc.Fs, null, "/dir/sub"));
        // A file mapping split by mprotect, then brk-like growth in two steps.
        _rootProc.Mm.MapFixed(0x10000, 0x3000, Prot.Read | Prot.Exec, false, "");
        _rootProc.Mm.Label(0x10000, 0x13000, "/bin/sh", 0x2000, StatInfo.MakeDev(8, 1), 77);
        _rootProc.Mm.Protect(0x11000, 0x1000, Prot.Read);
        _rootProc.Mm.MapFixed(0x13000, 0x1000, Prot.Read | Prot.Write, false, "[heap]");
        _rootProc.Mm.MapFixed(0x14000, 0x1000, Prot.Read | Prot.Write, false, "[heap]");
        _rootProc.Mm.MapFixed(0xf_ffff_0000, 0x1000, Prot.Read, true, "");
    }

    public void Dispose()
    {
        foreach (var p in new[] { _rootProc, _userProc, _otherRoot })
        {
            foreach (var (_, e) in p.Files.All()) e.File.DropReference();
            p.Mm.Dispose();
        }
        _t.Dispose();
        _owner.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private KernelProcess NewProcess(int pid, Credentials creds)
    {
        var p = new KernelProcess(_owner, pid, 0, new AddressSpace(new NoCpu(), 1UL << 36), new FdTable(), _t.Vfs.NewContext(creds));
        p.Comm = "proc" + pid;
        _table.Processes.Add(p);
        return p;
    }

    private static int Install(KernelProcess p, OpenFile f) => (int)p.Files.Install(f, false);

    /// <summary>Runs <paramref name="action"/> as a task of <paramref name="p"/> (what /proc/self and the access checks see).</summary>
    private static T As<T>(KernelProcess p, Func<FsContext, T> action)
    {
        using var scope = CurrentTask.Enter(new KernelTask(p.Pid, p, new NoCpu.Context()));
        return action(p.Fs);
    }

    private long ReadLink(KernelProcess p, string path, out string target)
    {
        string t = "";
        var r = As(p, ctx => _t.Vfs.ReadLink(ctx, null, path, out t));
        target = t;
        return r;
    }

    private string Read(KernelProcess p, string path) => As(p, ctx => _t.ReadFile(ctx, path));
    private long OpenErr(KernelProcess p, string path, int flags = O_RDONLY) => As(p, ctx => _t.OpenErr(ctx, path, flags));

    private ulong InoOf(KernelProcess p, string path, int atFlags = 0)
    {
        StatInfo st = default;
        Assert.Equal(0, As(p, ctx => _t.Vfs.Stat(ctx, null, path, atFlags, out st)));
        return st.Ino;
    }

    // ---- another process's links and private files ----

    [Fact]
    public void Another_users_fd_directory_is_closed()
    {
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), OpenErr(_userProc, $"/proc/1/fd/{_boundFd}"));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), OpenErr(_userProc, $"/proc/1/fd/{_secretFd}"));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), OpenErr(_userProc, "/proc/1/fd", O_RDONLY | O_DIRECTORY));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), ReadLink(_userProc, $"/proc/1/fd/{_boundFd}", out _));
    }

    [Fact]
    public void Another_users_cwd_root_and_exe_neither_resolve_nor_read()
    {
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), ReadLink(_userProc, "/proc/1/cwd", out _));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), ReadLink(_userProc, "/proc/1/root", out _));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), OpenErr(_userProc, "/proc/1/root/etc/passwd"));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), OpenErr(_userProc, "/proc/1/cwd/leaf"));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), As(_userProc, ctx => _t.Vfs.ChangeDir(ctx, null, "/proc/1/cwd")));
    }

    [Fact]
    public void Another_users_private_files_are_closed_but_public_ones_readable()
    {
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), OpenErr(_userProc, "/proc/1/environ"));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), OpenErr(_userProc, "/proc/1/auxv"));
        Assert.StartsWith("1 (proc1) ", Read(_userProc, "/proc/1/stat"));
        Assert.Contains("Uid:\t0\t0\t0\t0\n", Read(_userProc, "/proc/1/status"));
    }

    [Fact]
    public void Root_follows_another_process_links_into_the_sandbox_files_only()
    {
        Assert.Equal(0, ReadLink(_otherRoot, $"/proc/1/fd/{_boundFd}", out var bound));
        Assert.Equal("/mnt/data.txt", bound); // the guest path of the bind, never the host directory
        Assert.Equal("bound", Read(_otherRoot, $"/proc/1/fd/{_boundFd}"));
        Assert.Equal("k", Read(_otherRoot, $"/proc/1/fd/{_secretFd}"));
        Assert.Equal(0, ReadLink(_otherRoot, "/proc/1/cwd", out var cwd));
        Assert.Equal("/dir/sub", cwd);
        Assert.Equal("leaf", Read(_otherRoot, "/proc/1/cwd/leaf"));
        Assert.Equal("guest-passwd\n", Read(_otherRoot, "/proc/1/root/etc/passwd"));
        Assert.Equal("guest-passwd\n", Read(_otherRoot, "/proc/1/cwd/../../../../../etc/passwd"));
        Assert.Equal("guest-passwd\n", Read(_otherRoot, "/proc/1/root/../../../etc/passwd"));
    }

    [Fact]
    public void Dot_dot_from_a_magic_link_stops_at_the_root()
    {
        var root = InoOf(_otherRoot, "/");
        Assert.Equal(root, InoOf(_otherRoot, "/proc/1/root/.."));
        Assert.Equal(root, InoOf(_otherRoot, "/proc/self/root/../../.."));
        Assert.Equal(root, InoOf(_otherRoot, "/proc/1/cwd/../../../../.."));
        // A symlink that climbs through /proc ends inside the tree too.
        Assert.Equal(0, _t.Vfs.Symlink(_otherRoot.Fs, "/proc/self/root/../../../etc/passwd", null, "/tmp/escape"));
        Assert.Equal("guest-passwd\n", Read(_otherRoot, "/tmp/escape"));
    }

    [Fact]
    public void Links_of_a_chrooted_process_lead_into_its_root()
    {
        Assert.Equal(0, _t.Vfs.ChangeRoot(_otherRoot.Fs, null, "/dir"));
        Assert.Equal(0, ReadLink(_rootProc, "/proc/3/root", out var text));
        Assert.Equal("/dir", text);
        Assert.Equal("leaf", Read(_rootProc, "/proc/3/root/sub/leaf"));
        Assert.Equal(InoOf(_rootProc, "/dir"), InoOf(_rootProc, "/proc/3/root/sub/.."));
    }

    [Fact]
    public void A_pipe_is_reopened_through_its_fd_link()
    {
        Assert.Equal(0, ReadLink(_otherRoot, $"/proc/1/fd/{_pipeFd}", out var text));
        Assert.Matches(@"^pipe:\[\d+\]$", text);
        StatInfo st = default;
        Assert.Equal(0, As(_otherRoot, ctx => _t.Vfs.Stat(ctx, null, $"/proc/1/fd/{_pipeFd}", 0, out st)));
        Assert.Equal(S_IFIFO, st.Mode & S_IFMT);
        var writer = As(_otherRoot, ctx => _t.Open(ctx, $"/proc/1/fd/{_pipeFd}", O_WRONLY));
        Assert.Equal(3, VfsTestRoot.Write(writer, "abc"));
        var buf = new byte[8];
        Assert.Equal(3, _rootProc.Files.GetFile(_pipeFd)!.Read(buf));
        writer.DropReference();
    }

    [Fact]
    public void A_process_that_is_gone_has_no_directory_and_its_links_lead_nowhere()
    {
        Location? fdDir = null;
        Assert.Equal(0, As(_otherRoot, ctx => _t.Vfs.Resolve(ctx, null, "/proc/1/fd", 0, out fdDir)));
        _table.Processes.Remove(_rootProc);
        Assert.Equal(VfsTestRoot.Err(Errno.ENOENT), OpenErr(_otherRoot, "/proc/1/stat"));
        Assert.Equal(VfsTestRoot.Err(Errno.ENOENT), As(_otherRoot, ctx => _t.Vfs.Resolve(ctx, fdDir, $"{_boundFd}", 0, out _)));
        Assert.Equal(VfsTestRoot.Err(Errno.ENOENT), ReadLink(_otherRoot, "/proc/1/cwd", out _));
    }

    // ---- self, listing, inode numbers ----

    [Fact]
    public void Self_and_thread_self_name_the_calling_task()
    {
        Assert.Equal(0, ReadLink(_userProc, "/proc/self", out var self));
        Assert.Equal("2", self);
        Assert.Equal(0, ReadLink(_userProc, "/proc/thread-self", out var thread));
        Assert.Equal("2/task/2", thread);
        Assert.StartsWith("2 (proc2) ", Read(_userProc, "/proc/self/stat"));
        // Without a calling task (a kernel-side lookup) there is no self.
        Assert.Equal(VfsTestRoot.Err(Errno.ENOENT), _t.OpenErr(_t.Root, "/proc/self/stat"));
    }

    [Fact]
    public void The_root_lists_the_processes_and_keeps_inode_numbers()
    {
        var dir = _t.Open(_t.Root, "/proc", O_RDONLY | O_DIRECTORY);
        var names = DirentReader.ReadAll(dir).Select(e => e.Name).ToList();
        dir.Release();
        Assert.Subset(names.ToHashSet(), new HashSet<string> { "1", "2", "3", "self", "thread-self", "meminfo", "cpuinfo", "sys", "mounts" });
        Assert.Equal(InoOf(_otherRoot, "/proc/1/status"), InoOf(_otherRoot, "/proc/1/status"));
        Assert.Equal(InoOf(_otherRoot, "/proc/self/fd", AtFlags.AT_SYMLINK_NOFOLLOW), InoOf(_otherRoot, "/proc/3/fd"));
        Assert.NotEqual(InoOf(_otherRoot, "/proc/1/status"), InoOf(_otherRoot, "/proc/2/status"));
    }

    // ---- contents ----

    [Fact]
    public void Maps_merges_neighbours_and_aligns_names()
    {
        // Linux pads every line with a name to 73 columns; the offset of a split file mapping follows its start.
        static string Named(string prefix, string name) => prefix.PadRight(73) + name;
        var maps = Read(_otherRoot, "/proc/1/maps").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            Named("00010000-00011000 r-xp 00002000 08:01 77 ", "/bin/sh"),
            Named("00011000-00012000 r--p 00003000 08:01 77 ", "/bin/sh"),
            Named("00012000-00013000 r-xp 00004000 08:01 77 ", "/bin/sh"),
            Named("00013000-00015000 rw-p 00000000 00:00 0 ", "[heap]"),
            "fffff0000-fffff1000 r--s 00000000 00:00 0 ",
        ], maps);
    }

    [Fact]
    public void Writes_follow_linux_errors()
    {
        var f = As(_rootProc, ctx => _t.Open(ctx, "/proc/self/status", O_WRONLY));
        Assert.Equal(VfsTestRoot.Err(Errno.EINVAL), VfsTestRoot.Write(f, "x"));
        f.Release();
        f = _t.Open(_t.Root, "/proc/uptime", O_WRONLY);
        Assert.Equal(VfsTestRoot.Err(Errno.EIO), VfsTestRoot.Write(f, "x"));
        f.Release();
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), _t.OpenErr(_t.Root, "/proc/sys/kernel/pid_max", O_WRONLY));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), _t.OpenErr(_t.User, "/proc/sys/kernel/hostname", O_WRONLY));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), OpenErr(_userProc, "/proc/1/comm", O_WRONLY));
        // comm of another process: open is allowed for root, the write is refused.
        f = As(_otherRoot, ctx => _t.Open(ctx, "/proc/1/comm", O_WRONLY));
        Assert.Equal(VfsTestRoot.Err(Errno.EINVAL), VfsTestRoot.Write(f, "x"));
        f.Release();
        Assert.Equal("proc1\n", Read(_otherRoot, "/proc/1/comm"));
        // Lowering oom_score_adj below 0 needs privilege.
        f = As(_userProc, ctx => _t.Open(ctx, "/proc/self/oom_score_adj", O_WRONLY));
        Assert.Equal(VfsTestRoot.Err(Errno.EACCES), VfsTestRoot.Write(f, "-5"));
        Assert.Equal(3, VfsTestRoot.Write(f, "10\n"));
        f.Release();
        Assert.Equal("10\n", Read(_userProc, "/proc/2/oom_score_adj"));
    }

    [Fact]
    public void Hostname_is_the_sandbox_setting_and_root_may_change_it()
    {
        Assert.Equal("box\n", _t.ReadFile(_t.Root, "/proc/sys/kernel/hostname"));
        var f = _t.Open(_t.Root, "/proc/sys/kernel/hostname", O_WRONLY | O_TRUNC);
        Assert.Equal(8, VfsTestRoot.Write(f, "renamed\n"));
        f.Release();
        Assert.Equal("renamed", _table.HostName);
    }

    [Fact]
    public void Meminfo_reports_the_sandbox_memory()
    {
        var meminfo = _t.ReadFile(_t.Root, "/proc/meminfo");
        Assert.StartsWith("MemTotal:".PadRight(16) + "524288".PadLeft(8) + " kB\n", meminfo);
        // Nothing the fake processes map was ever touched, so none of it is resident: all memory is free.
        Assert.Contains("\nMemFree:".PadRight(17) + "524288".PadLeft(8) + " kB\n", meminfo);
    }

    [Fact]
    public void Reading_regenerates_only_after_a_seek_to_the_start()
    {
        var f = _t.Open(_t.Root, "/proc/sys/kernel/hostname");
        var buf = new byte[2];
        Assert.Equal(2, f.Read(buf));
        _table.HostName = "other";
        Assert.Equal("x\n", Encoding.ASCII.GetString(buf, 0, (int)f.Read(buf)));
        Assert.Equal(0, f.Seek(0, SEEK_SET));
        Assert.Equal("ot", Encoding.ASCII.GetString(buf, 0, (int)f.Read(buf)));
        Assert.Equal(VfsTestRoot.Err(Errno.EINVAL), f.Seek(0, SEEK_END));
        f.Release();
    }

    private sealed class FakeSandbox : IProcSandbox
    {
        public List<KernelProcess> Processes { get; } = [];
        public IEnumerable<KernelProcess> AllProcesses() => Processes.ToArray();
        public KernelProcess? FindProcess(int pid) => Processes.FirstOrDefault(p => p.Pid == pid);
        public string HostName { get; set; } = "box";
        public string DomainName { get; set; } = "(none)";
        public ulong MemoryBytes => 512UL << 20;
        public Leases Leases { get; } = new();
        public MqueueLimits MqueueLimits { get; } = new();
        public int LastPid => Processes.Max(p => p.Pid);
    }

}
