using Kernel.Actors.Vfs;

namespace Kernel.Actors.Tasks;

/// <summary>Inode numbers of namespaces created after the initial ones (Linux's proc_alloc_inum range).</summary>
public static class NamespaceIds
{
    private static int _next = unchecked((int)0xF0000100);

    public static uint Next() => unchecked((uint)Interlocked.Increment(ref _next));
}

/// <summary>A namespace other than the mount table: its kind (the /proc/[pid]/ns name) and identity.</summary>
public abstract class Namespace(uint ino)
{
    /// <summary>What /proc/[pid]/ns/X links name it by: "uts:[4026531838]".</summary>
    public uint Ino { get; } = ino;
    public abstract string Kind { get; }
    /// <summary>The CLONE_NEW* flag of this kind (setns's nstype).</summary>
    public abstract ulong CloneFlag { get; }
}

/// <summary>UTS: the host and domain names uname, sethostname and /proc/sys/kernel/{hostname,domainname} see.</summary>
public sealed class UtsNamespace(uint ino, string hostName, string domainName) : Namespace(ino)
{
    public override string Kind => "uts";
    public override ulong CloneFlag => Syscalls.CloneFlags.NewUts;
    public string HostName { get; set; } = hostName;
    public string DomainName { get; set; } = domainName;

    public UtsNamespace Copy() => new(NamespaceIds.Next(), HostName, DomainName);
}

/// <summary>IPC: the System V objects and POSIX message queues a process sees (none are shared across namespaces).</summary>
public sealed class IpcNamespace(uint ino) : Namespace(ino)
{
    public override string Kind => "ipc";
    public override ulong CloneFlag => Syscalls.CloneFlags.NewIpc;

    /// <summary>The namespace's POSIX message queues (its mqueue filesystem), made on first use.</summary>
    public Vfs.MqueueFs? Mqueue { get; set; }
}

/// <summary>Network: the sandbox has no network devices yet, so a new namespace differs in identity only.</summary>
public sealed class NetNamespace(uint ino) : Namespace(ino)
{
    public override string Kind => "net";
    public override ulong CloneFlag => Syscalls.CloneFlags.NewNet;
}

/// <summary>cgroup: the root a process's /proc/[pid]/cgroup paths are relative to (every process is in "/").</summary>
public sealed class CgroupNamespace(uint ino) : Namespace(ino)
{
    public override string Kind => "cgroup";
    public override ulong CloneFlag => Syscalls.CloneFlags.NewCgroup;
}

/// <summary>
/// Time: offsets that CLOCK_MONOTONIC (and its RAW and COARSE forms) and CLOCK_BOOTTIME show in this namespace,
/// set through /proc/[pid]/timens_offsets until a process enters it (then <see cref="Frozen"/>, as Linux's
/// frozen_offsets). The initial namespace has no offsets and is frozen.
/// </summary>
public sealed class TimeNamespace(uint ino, long monotonicNs, long boottimeNs) : Namespace(ino)
{
    public override string Kind => "time";
    public override ulong CloneFlag => Syscalls.CloneFlags.NewTime;
    public long MonotonicOffsetNs { get; set; } = monotonicNs;
    public long BoottimeOffsetNs { get; set; } = boottimeNs;
    public bool Frozen { get; set; }

    /// <summary>A new namespace starts with the offsets of the one it is made from (clone_time_ns).</summary>
    public TimeNamespace Copy() => new(NamespaceIds.Next(), MonotonicOffsetNs, BoottimeOffsetNs);

    /// <summary>The offset <paramref name="clock"/> shows here (0 for clocks a time namespace does not move).</summary>
    public long OffsetOf(int clock) => clock switch
    {
        Syscalls.Handlers.Time.ClockMonotonic or Syscalls.Handlers.Time.ClockMonotonicRaw or Syscalls.Handlers.Time.ClockMonotonicCoarse => MonotonicOffsetNs,
        Syscalls.Handlers.Time.ClockBoottime or ClockBoottimeAlarm => BoottimeOffsetNs,
        _ => 0,
    };

    private const int ClockBoottimeAlarm = 9;
}

/// <summary>The initial PID and user namespaces: new ones cannot be made yet, but they are named.</summary>
public sealed class FixedNamespace(uint ino, string kind, ulong flag) : Namespace(ino)
{
    public override string Kind { get; } = kind;
    public override ulong CloneFlag { get; } = flag;
}

/// <summary>
/// The namespaces a process is in (Linux's nsproxy plus its user namespace); shared by processes until one unshares.
/// The mount namespace is its root's (<see cref="Mount.Namespace"/>).
/// </summary>
public sealed record NamespaceSet(UtsNamespace Uts, IpcNamespace Ipc, NetNamespace Net, CgroupNamespace Cgroup,
    FixedNamespace Pid, FixedNamespace User, TimeNamespace Time, TimeNamespace TimeForChildren)
{
    /// <summary>A sandbox's first namespaces, with Linux's numbers for the initial ones.</summary>
    public static NamespaceSet Initial(string hostName, string domainName) => new(
        new UtsNamespace(0xEFFFFFFE, hostName, domainName), new IpcNamespace(0xEFFFFFFF), new NetNamespace(0xF0000000),
        new CgroupNamespace(0xEFFFFFFB), new FixedNamespace(0xEFFFFFFC, "pid", Syscalls.CloneFlags.NewPid),
        new FixedNamespace(0xEFFFFFFD, "user", Syscalls.CloneFlags.NewUser), InitialTime, InitialTime);

    private static TimeNamespace InitialTime => new(0xEFFFFFFA, 0, 0) { Frozen = true };

    /// <summary>The set with new namespaces for the CLONE_NEWUTS, NEWIPC, NEWNET and NEWCGROUP bits of <paramref name="flags"/>.</summary>
    public NamespaceSet With(ulong flags) => this with
    {
        Uts = (flags & Syscalls.CloneFlags.NewUts) != 0 ? Uts.Copy() : Uts,
        Ipc = (flags & Syscalls.CloneFlags.NewIpc) != 0 ? new IpcNamespace(NamespaceIds.Next()) : Ipc,
        Net = (flags & Syscalls.CloneFlags.NewNet) != 0 ? new NetNamespace(NamespaceIds.Next()) : Net,
        Cgroup = (flags & Syscalls.CloneFlags.NewCgroup) != 0 ? new CgroupNamespace(NamespaceIds.Next()) : Cgroup,
        // A new time namespace is for the children: the caller stays where it is (unshare), a clone's child enters it.
        TimeForChildren = (flags & Syscalls.CloneFlags.NewTime) != 0 ? TimeForChildren.Copy() : TimeForChildren,
    };

    /// <summary>
    /// A new process's set (copy_namespaces): <see cref="With"/>, then, unless it shares the address space (vfork),
    /// it enters the time namespace for children, whose offsets can no longer change.
    /// </summary>
    public NamespaceSet ForChild(ulong flags)
    {
        var set = With(flags);
        if ((flags & Syscalls.CloneFlags.Vm) != 0) return set;
        set.TimeForChildren.Frozen = true;
        return set with { Time = set.TimeForChildren };
    }

    /// <summary>The set with <paramref name="ns"/> joined (setns).</summary>
    public NamespaceSet Join(Namespace ns) => ns switch
    {
        UtsNamespace u => this with { Uts = u },
        IpcNamespace i => this with { Ipc = i },
        NetNamespace n => this with { Net = n },
        CgroupNamespace c => this with { Cgroup = c },
        TimeNamespace t => this with { Time = t, TimeForChildren = t },
        _ => this,
    };

    /// <summary>The namespaces /proc/[pid]/ns lists, by their file names (mnt aside).</summary>
    public IEnumerable<(string Name, Namespace Ns)> Entries()
    {
        yield return ("cgroup", Cgroup);
        yield return ("ipc", Ipc);
        yield return ("net", Net);
        yield return ("pid", Pid);
        yield return ("pid_for_children", Pid);
        yield return ("time", Time);
        yield return ("time_for_children", TimeForChildren);
        yield return ("user", User);
        yield return ("uts", Uts);
    }
}
