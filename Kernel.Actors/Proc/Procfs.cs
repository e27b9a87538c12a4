using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Proc;

/// <summary>What /proc shows of its sandbox: the processes and the sandbox-wide settings.</summary>
public interface IProcSandbox
{
    IEnumerable<KernelProcess> AllProcesses();
    KernelProcess? FindProcess(int pid);
    /// <summary>The UTS hostname (uname, /proc/sys/kernel/hostname, which root may write).</summary>
    string HostName { get; set; }
    string DomainName { get; set; }
    /// <summary>The memory the sandbox reports as installed (/proc/meminfo, sysinfo).</summary>
    ulong MemoryBytes { get; }
    /// <summary>The last pid handed out (/proc/loadavg; also how many processes were created, /proc/stat).</summary>
    int LastPid { get; }
    /// <summary>The sandbox's file leases (/proc/sys/fs/lease-break-time).</summary>
    Leases Leases { get; }
    /// <summary>The fs.mqueue limits (/proc/sys/fs/mqueue).</summary>
    MqueueLimits MqueueLimits { get; }
    /// <summary>/proc/sysvipc/{msg,sem,shm} of the reader's IPC namespace.</summary>
    string SysvIpcTable(string kind) => "";
    /// <summary>/proc/sys/kernel/{msgmax,msgmnb,msgmni,sem,shmmax,shmall,shmmni} of the reader's IPC namespace.</summary>
    string IpcSysctl(string name) => "";
    /// <summary>Sets one of those sysctls: the bytes consumed or -errno.</summary>
    long SetIpcSysctl(string name, string value) => -(long)Errno.EINVAL;
}

/// <summary>
/// The sandbox's /proc. Every value describes the sandbox, never the host: its processes (from the sandbox's
/// process table), its memory size, its CPU model, its mounts. Nodes are made on lookup and carry inode numbers
/// derived from their path, so the same file keeps its number between lookups without any stored state.
/// </summary>
public sealed class Procfs : Filesystem
{
    public const long PROC_SUPER_MAGIC = 0x9fa0;
    private const long ST_NOEXEC = 8;

    public Procfs(IProcSandbox sandbox, VirtualFileSystem vfs)
    {
        Sandbox = sandbox;
        Created = Timespec.Now;
        AnonMount = new Mount(vfs, new AnonFs(), false, null, "");
        Root = ProcRoot.Create(this);
    }

    public IProcSandbox Sandbox { get; }
    public override string Type => "proc";
    public override Inode Root { get; }
    internal Timespec Created { get; }
    /// <summary>Where the fd links of pipes and other files without a path lead (Linux's pipefs and anon_inodefs).</summary>
    internal Mount AnonMount { get; }

    public override StatFsInfo StatFs() =>
        new(PROC_SUPER_MAGIC, 4096, 0, 0, 0, 0, 0, Dev, 255, 4096, StatFsInfo.ST_NOSUID | StatFsInfo.ST_NODEV | ST_NOEXEC);

    /// <summary>Nothing in /proc can be renamed: a missing target name is not found, an existing one refuses.</summary>
    public override long Rename(Inode oldDir, string oldName, Inode newDir, string newName, uint flags) =>
        newDir.Lookup(newName, out _) < 0 ? -(long)Errno.ENOENT : -(long)Errno.EPERM;

    /// <summary>The inode number of the node at <paramref name="key"/> (its path below /proc): FNV-1a, kept clear of the root's 1.</summary>
    internal static ulong InoOf(string key)
    {
        if (key.Length == 0) return 1;
        ulong h = 14695981039346656037UL;
        foreach (var c in key)
        {
            h ^= c;
            h *= 1099511628211UL;
        }
        return 0x1000 + (h & 0x7FFF_FFFF);
    }

    /// <summary>The times a node shows: its process's start, or the mount's creation for system-wide files.</summary>
    internal Timespec TimeOf(KernelProcess? owner)
    {
        if (owner is null) return Created;
        var ageNs = Kernel.Syscalls.Handlers.Time.Now(Kernel.Syscalls.Handlers.Time.ClockBoottime)!.Value - owner.StartTime;
        var now = Timespec.Now;
        var ns = now.Sec * 1_000_000_000L + now.Nsec - Math.Max(0, ageNs);
        return new Timespec(ns / 1_000_000_000L, ns % 1_000_000_000L);
    }

    /// <summary>
    /// Whether <paramref name="caller"/> may look at <paramref name="target"/>'s links and private files, as Linux's
    /// ptrace_may_access(PTRACE_MODE_READ_FSCREDS): effective root (CAP_SYS_PTRACE), or a caller whose filesystem ids
    /// are the target's real, effective and saved ids.
    /// </summary>
    internal static bool MayAccess(Credentials? caller, KernelProcess target) =>
        caller is not null && caller.MayInspect(target.Creds, realCreds: false);

    /// <summary>The credentials of the task being served (readlink has no FsContext of its own).</summary>
    internal static Credentials? CallerCreds => CurrentTask.Task?.Process.Creds;

    /// <summary>Whether the process still exists in the sandbox (a node of a reaped process finds nothing).</summary>
    internal bool IsAlive(KernelProcess p) => ReferenceEquals(Sandbox.FindProcess(p.Pid), p);
}
