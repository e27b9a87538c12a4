using System.Globalization;
using System.Text;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Handlers;
using Kernel.Syscalls.Abi;
using static Kernel.Actors.Proc.ProcModes;

namespace Kernel.Actors.Proc;

/// <summary>The top of /proc: the process directories, self and thread-self, and the sandbox-wide files.</summary>
internal static class ProcRoot
{

    private static readonly string[] Fixed =
        ["cpuinfo", "filesystems", "loadavg", "meminfo", "mounts", "self", "stat", "swaps", "sys", "sysvipc", "thread-self", "uptime", "version"];

    public static ProcDir Create(Procfs fs)
    {
        ProcDir? root = null;
        root = new ProcDir(fs, null, null, Dir, null,
            () => Fixed.Concat(fs.Sandbox.AllProcesses().Select(p => p.Pid).Order().Select(Invariant)),
            (dir, name) => Child(fs, dir, name));
        return root;
    }

    internal static string Invariant(int n) => n.ToString(CultureInfo.InvariantCulture);
    internal static byte[] Bytes(string s) => Encoding.UTF8.GetBytes(s);

    private static ProcNode? Child(Procfs fs, ProcDir dir, string name)
    {
        ProcFile File(Func<string> text) => new(fs, dir, name, ReadOnly, null, () => Bytes(text()), ProcWriteKind.Eio);
        return name switch
        {
            "cpuinfo" => File(ProcSystem.CpuInfo),
            "filesystems" => File(() => ProcSystem.Filesystems(fs)),
            "loadavg" => File(() => ProcSystem.LoadAvg(fs.Sandbox)),
            "meminfo" => File(() => ProcSystem.MemInfo(fs.Sandbox)),
            "stat" => File(() => ProcSystem.Stat(fs.Sandbox)),
            "swaps" => File(() => "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"),
            "uptime" => File(ProcSystem.Uptime),
            "version" => File(() => $"Linux version {Syscalls.Handlers.System.Release} (kernel@sandbox) (gcc) {Syscalls.Handlers.System.Version}\n"),
            "mounts" => new ProcLink(fs, dir, name, () => "self/mounts"),
            "self" => new ProcLink(fs, dir, name, () => CurrentTask.Task is { } t ? Invariant(t.Pid) : null),
            "thread-self" => new ProcLink(fs, dir, name, () => CurrentTask.Task is { } t ? $"{t.Pid}/task/{t.Tid}" : null),
            "sys" => SysDir(fs, dir),
            "sysvipc" => Table(fs, dir, "sysvipc", new()
            {
                ["msg"] = f => new ProcFile(fs, f, "msg", ReadOnly, null, () => Bytes(fs.Sandbox.SysvIpcTable("msg")), ProcWriteKind.Eio),
                ["sem"] = f => new ProcFile(fs, f, "sem", ReadOnly, null, () => Bytes(fs.Sandbox.SysvIpcTable("sem")), ProcWriteKind.Eio),
                ["shm"] = f => new ProcFile(fs, f, "shm", ReadOnly, null, () => Bytes(fs.Sandbox.SysvIpcTable("shm")), ProcWriteKind.Eio),
            }),
            _ => ProcessDir(fs, dir, name),
        };
    }

    /// <summary>/proc/PID for a process; a thread's id also finds its process (Linux's hidden /proc/TID), seen from that thread.</summary>
    private static ProcNode? ProcessDir(Procfs fs, ProcDir dir, string name)
    {
        if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var id) || Invariant(id) != name) return null;
        if (fs.Sandbox.FindProcess(id) is { } p) return ProcPid.ProcessDir(fs, dir, name, p, null);
        foreach (var q in fs.Sandbox.AllProcesses())
        {
            if (q.Threads.FirstOrDefault(t => t.Tid == id) is { } thread) return ProcPid.ProcessDir(fs, dir, name, q, thread);
        }
        return null;
    }

    // ---- /proc/sys ----

    private static ProcDir SysDir(Procfs fs, ProcDir parent) =>
        Table(fs, parent, "sys", new()
        {
            ["fs"] = d => Table(fs, d, "fs", new()
            {
                ["file-max"] = f => Sysctl(fs, f, "file-max", ReadWrite, () => ProcSystem.FileMax(fs.Sandbox)),
                ["lease-break-time"] = f => new ProcFile(fs, f, "lease-break-time", ReadWrite, null,
                    () => Bytes(fs.Sandbox.Leases.BreakSeconds.ToString(CultureInfo.InvariantCulture) + "\n"),
                    ProcWriteKind.Handler, () => IntWriter(v => fs.Sandbox.Leases.BreakSeconds = v)),
                ["mqueue"] = m => Table(fs, m, "mqueue", new()
                {
                    ["msg_default"] = f => MqueueSysctl(fs, f, "msg_default", l => l.MsgDefault, (l, v) => l.MsgDefault = v, 1, MqueueLimits.HardMsgMax),
                    ["msg_max"] = f => MqueueSysctl(fs, f, "msg_max", l => l.MsgMax, (l, v) => l.MsgMax = v, 1, MqueueLimits.HardMsgMax),
                    ["msgsize_default"] = f => MqueueSysctl(fs, f, "msgsize_default", l => l.MsgSizeDefault, (l, v) => l.MsgSizeDefault = v, 128, MqueueLimits.HardMsgSizeMax),
                    ["msgsize_max"] = f => MqueueSysctl(fs, f, "msgsize_max", l => l.MsgSizeMax, (l, v) => l.MsgSizeMax = v, 128, MqueueLimits.HardMsgSizeMax),
                    ["queues_max"] = f => MqueueSysctl(fs, f, "queues_max", l => l.QueuesMax, (l, v) => l.QueuesMax = v, 0, int.MaxValue),
                }),
                ["nr_open"] = f => Sysctl(fs, f, "nr_open", ReadWrite, () => "1048576"),
                ["pipe-max-size"] = f => Sysctl(fs, f, "pipe-max-size", ReadWrite, () => Pipe.MaxSize.ToString(CultureInfo.InvariantCulture)),
            }),
            ["kernel"] = d => Table(fs, d, "kernel", new()
            {
                ["domainname"] = f => new ProcFile(fs, f, "domainname", ReadWrite, null, () => Bytes(fs.Sandbox.DomainName + "\n"),
                    ProcWriteKind.Handler, () => UtsNameWriter(name => fs.Sandbox.DomainName = name)),
                ["hostname"] = f => new ProcFile(fs, f, "hostname", ReadWrite, null, () => Bytes(fs.Sandbox.HostName + "\n"),
                    ProcWriteKind.Handler, () => UtsNameWriter(name => fs.Sandbox.HostName = name)),
                ["msgmax"] = f => IpcSysctl(fs, f, "msgmax"),
                ["msgmnb"] = f => IpcSysctl(fs, f, "msgmnb"),
                ["msgmni"] = f => IpcSysctl(fs, f, "msgmni"),
                ["sem"] = f => IpcSysctl(fs, f, "sem"),
                ["shmall"] = f => IpcSysctl(fs, f, "shmall"),
                ["shmmax"] = f => IpcSysctl(fs, f, "shmmax"),
                ["shmmni"] = f => IpcSysctl(fs, f, "shmmni"),
                ["ngroups_max"] = f => Sysctl(fs, f, "ngroups_max", ReadOnly, () => "65536"),
                ["osrelease"] = f => Sysctl(fs, f, "osrelease", ReadOnly, () => Syscalls.Handlers.System.Release),
                ["ostype"] = f => Sysctl(fs, f, "ostype", ReadOnly, () => Syscalls.Handlers.System.SysName),
                ["pid_max"] = f => Sysctl(fs, f, "pid_max", ReadWrite, () => "32768"),
                ["seccomp"] = s => Table(fs, s, "seccomp", new()
                {
                    ["actions_avail"] = f => Sysctl(fs, f, "actions_avail", ReadOnly, () => "kill_process kill_thread trap errno user_notif trace log allow"),
                    ["actions_logged"] = f => Sysctl(fs, f, "actions_logged", ReadWrite, () => "kill_process kill_thread trap errno user_notif trace log"),
                }),
                ["version"] = f => Sysctl(fs, f, "version", ReadOnly, () => Syscalls.Handlers.System.Version),
            }),
            ["vm"] = d => Table(fs, d, "vm", new()
            {
                ["overcommit_memory"] = f => Sysctl(fs, f, "overcommit_memory", ReadWrite, () => "0"),
            }),
        });

    /// <summary>A System V IPC limit of the reader's IPC namespace, which root may change (as Linux's ipc_sysctl).</summary>
    private static ProcFile IpcSysctl(Procfs fs, ProcDir parent, string name) =>
        new(fs, parent, name, ReadWrite, null, () => Bytes(fs.Sandbox.IpcSysctl(name) + "\n"), ProcWriteKind.Handler,
            () => data => fs.Sandbox.SetIpcSysctl(name, Encoding.ASCII.GetString(data)) is var e && e < 0 ? e : data.Length);

    /// <summary>A directory with a fixed set of entries.</summary>
    private static ProcDir Table(Procfs fs, ProcDir parent, string name, Dictionary<string, Func<ProcDir, ProcNode>> entries) =>
        new(fs, parent, name, Dir, null, () => entries.Keys, (d, n) => entries.TryGetValue(n, out var make) ? make(d) : null);

    /// <summary>An fs.mqueue sysctl: an integer within [min, max] (EINVAL outside), as proc_dointvec_minmax.</summary>
    private static ProcFile MqueueSysctl(Procfs fs, ProcDir parent, string name, Func<MqueueLimits, int> get, Action<MqueueLimits, int> set, int min, int max) =>
        new(fs, parent, name, ReadWrite, null, () => Bytes(get(fs.Sandbox.MqueueLimits).ToString(CultureInfo.InvariantCulture) + "\n"),
            ProcWriteKind.Handler, () => data =>
            {
                int value = 0;
                long r = IntWriter(v => value = v)(data);
                if (r < 0 || value < min || value > max) return -(long)Errno.EINVAL;
                set(fs.Sandbox.MqueueLimits, value);
                return r;
            });

    /// <summary>
    /// A sysctl the sandbox shows but does not let anyone change: the sandbox's root is not the host's, as root in a
    /// user namespace (open for writing gives EACCES).
    /// </summary>
    private static ProcFile Sysctl(Procfs fs, ProcDir parent, string name, uint perm, Func<string> value) =>
        new(fs, parent, name, perm, null, () => Bytes(value() + "\n"), ProcWriteKind.Denied);

    /// <summary>An integer sysctl (proc_dointvec): a decimal number, blanks around it allowed; EINVAL otherwise.</summary>
    private static ProcWriter IntWriter(Action<int> set) => data =>
    {
        if (!int.TryParse(Encoding.ASCII.GetString(data).Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v))
            return -(long)Errno.EINVAL;
        set(v);
        return data.Length;
    };

    /// <summary>Writing the hostname or domain name sets the sandbox's (UTS) one: up to the first newline, cut at 64 bytes as Linux does.</summary>
    private static ProcWriter UtsNameWriter(Action<string> set) => data =>
    {
        var text = data[..Math.Min(data.Length, 64)];
        var end = text.IndexOfAny((byte)'\n', (byte)0);
        set(Encoding.UTF8.GetString(end < 0 ? text : text[..end]));
        return data.Length;
    };
}
