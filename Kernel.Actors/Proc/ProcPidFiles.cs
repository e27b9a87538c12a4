using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Kernel.Actors.Files;
using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Platform;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Proc;

/// <summary>The per-process files of /proc, in Linux's formats.</summary>
internal static partial class ProcPidFiles
{
    private const int RlimitRss = 5, RlimitSigPending = 11;
    private const ulong PfRandomize = 0x400000;
    private const int Sigchld = 17;
    // CAP_LAST_CAP is 40 in Linux 6.1: the full set a root task holds.

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    // ---- states ----

    private static KernelTask? Leader(KernelProcess p) => p.Threads.FirstOrDefault(t => t.Tid == p.Pid) ?? p.Threads.FirstOrDefault();

    /// <summary>A thread's state letter: the caller itself runs; a thread parked in a call sleeps; an ended process is a zombie.</summary>
    private static char State(KernelProcess p, KernelTask? t)
    {
        if (p.ExitStatus is not null || t is null || t.State == TaskState.Exited) return 'Z';
        if (ReferenceEquals(t, CurrentTask.Task)) return 'R';
        if (t.Ptrace is { Stopped: true }) return 't';
        if (p.IsStopped) return 'T';
        return t.State == TaskState.Parked ? 'S' : 'R';
    }

    private static string StateName(char c) => c switch
    {
        'R' => "R (running)",
        'S' => "S (sleeping)",
        'T' => "T (stopped)",
        't' => "t (tracing stop)",
        _ => "Z (zombie)",
    };

    private static (ulong Ignored, ulong Caught) SignalSets(KernelProcess p)
    {
        ulong ignored = 0, caught = 0;
        for (var sig = 1; sig < p.SignalActions.Length; sig++)
        {
            var h = p.SignalActions[sig].Handler;
            if (h == SignalAction.Ignore) ignored |= 1UL << (sig - 1);
            else if (h != SignalAction.Default) caught |= 1UL << (sig - 1);
        }
        return (ignored, caught);
    }

    private static long Ticks(long bootTimeNs) => bootTimeNs / (1_000_000_000 / ProcSystem.ClockTicks);

    // ---- stat, statm, status ----

    /// <summary>/proc/[pid]/stat: the 52 fields of Linux 6.1 (times are not accounted per task yet: zero).</summary>
    public static string Stat(KernelProcess p, KernelTask? thread)
    {
        var t = thread ?? Leader(p);
        var id = thread?.Tid ?? p.Pid;
        var zombie = p.ExitStatus is not null;
        var mem = zombie ? default : ProcMemory.Of(p);
        var (ignored, caught) = SignalSets(p);
        var lay = zombie ? null : p.Mm.Layout;
        // Addresses are shown only to those who may inspect the process, as Linux does.
        var permitted = lay is not null && Procfs.MayAccess(Procfs.CallerCreds, p);
        ulong P(ulong v) => permitted ? v : 0;
        var self = StatUsage(p, thread, children: false);
        var reaped = thread is null ? StatUsage(p, null, children: true) : default;
        var fields = new object[]
        {
            id, $"({p.Comm})", State(p, t), p.Ppid, p.Pgid, p.Sid, 0, -1, PfRandomize,
            self.MinorFaults, reaped.MinorFaults, self.MajorFaults, reaped.MajorFaults, 0, 0, 0, 0, 20, 0, p.Threads.Count, 0,
            Ticks((thread?.StartTime) ?? p.StartTime),
            mem.Size, mem.Rss / AddressSpace.PageSize, p.GetLimit(RlimitRss).Cur,
            permitted ? lay!.StartCode : 1UL, permitted ? lay!.EndCode : 1UL, P(lay?.StartStack ?? 0), 0, 0,
            0, t?.SignalMask ?? 0, ignored, caught, 0, 0, 0, Sigchld, 0, 0, 0, 0, 0, 0,
            P(lay?.StartData ?? 0), P(lay?.EndData ?? 0), P(lay?.StartBrk ?? 0), P(lay?.ArgStart ?? 0), P(lay?.ArgEnd ?? 0),
            P(lay?.EnvStart ?? 0), P(lay?.EnvEnd ?? 0), zombie ? p.ExitStatus!.Value.WaitStatus : 0,
        };
        return string.Join(' ', fields.Select(f => Convert.ToString(f, Inv))) + "\n";
    }

    /// <summary>/proc/[pid]/statm: size resident shared text lib data dt, in pages.</summary>
    public static string Statm(KernelProcess p)
    {
        var m = p.ExitStatus is null ? ProcMemory.Of(p) : default;
        const ulong page = AddressSpace.PageSize;
        return string.Create(Inv, $"{m.Size / page} {m.Rss / page} {m.RssFile / page} {m.Exe / page} 0 {(m.Data + m.Stack) / page} 0\n");
    }

    /// <summary>/proc/[pid]/status in Linux 6.1's order and layout.</summary>
    public static string Status(KernelProcess p, KernelTask? thread)
    {
        var t = thread ?? Leader(p);
        var c = p.Creds;
        var zombie = p.ExitStatus is not null;
        var sb = new StringBuilder();
        void Line(string s) => sb.Append(s).Append('\n');
        void Kb(string label, ulong bytes) => sb.Append(Inv, $"{label}:\t{bytes >> 10,8} kB\n");
        Line($"Name:\t{p.Comm}");
        Line(string.Create(Inv, $"Umask:\t{Convert.ToString(p.Fs.Umask, 8).PadLeft(4, '0')}"));
        Line($"State:\t{StateName(State(p, t))}");
        Line(string.Create(Inv, $"Tgid:\t{p.Pid}"));
        Line("Ngid:\t0");
        Line(string.Create(Inv, $"Pid:\t{thread?.Tid ?? p.Pid}"));
        Line(string.Create(Inv, $"PPid:\t{p.Ppid}"));
        Line(string.Create(Inv, $"TracerPid:\t{t?.Ptrace?.Tracer.Tid ?? 0}"));
        Line(string.Create(Inv, $"Uid:\t{c.Uid}\t{c.Euid}\t{c.Suid}\t{c.Fsuid}"));
        Line(string.Create(Inv, $"Gid:\t{c.Gid}\t{c.Egid}\t{c.Sgid}\t{c.Fsgid}"));
        Line(string.Create(Inv, $"FDSize:\t{FdSize(p.Files)}"));
        Line($"Groups:\t{string.Join(' ', c.Groups.Select(g => g.ToString(Inv)))} ");
        Line(string.Create(Inv, $"NStgid:\t{p.Pid}"));
        Line(string.Create(Inv, $"NSpid:\t{thread?.Tid ?? p.Pid}"));
        Line(string.Create(Inv, $"NSpgid:\t{p.Pgid}"));
        Line(string.Create(Inv, $"NSsid:\t{p.Sid}"));
        if (!zombie)
        {
            var m = ProcMemory.Of(p);
            Kb("VmPeak", m.Size);
            Kb("VmSize", m.Size);
            Kb("VmLck", p.Mm.LockedBytes());
            Kb("VmPin", 0);
            Kb("VmHWM", m.Rss);
            Kb("VmRSS", m.Rss);
            Kb("RssAnon", m.RssAnon);
            Kb("RssFile", m.RssFile);
            Kb("RssShmem", 0);
            Kb("VmData", m.Data);
            Kb("VmStk", m.Stack);
            Kb("VmExe", m.Exe);
            Kb("VmLib", m.Lib);
            Kb("VmPTE", m.Rss / AddressSpace.PageSize * 8); // one 8-byte entry per resident page
            Kb("VmSwap", 0);
            Kb("HugetlbPages", 0);
            Line("CoreDumping:\t0");
            Line("THP_enabled:\t1");
        }
        var (ignored, caught) = SignalSets(p);
        var caps = t?.Settings ?? new Kernel.Syscalls.TaskSettings { CapabilityBound = 0 };
        Line(string.Create(Inv, $"Threads:\t{p.Threads.Count}"));
        var sigLimit = p.GetLimit(RlimitSigPending).Cur;
        Line(string.Create(Inv, $"SigQ:\t{p.Sandbox.SignalCharges.Count(c.Uid)}/{sigLimit}"));
        Line($"SigPnd:\t{(t?.SignalState.Pending.Bits ?? 0):x16}");
        Line($"ShdPnd:\t{p.SharedPending.Bits:x16}");
        Line($"SigBlk:\t{(t?.SignalMask ?? 0):x16}");
        Line($"SigIgn:\t{ignored:x16}");
        Line($"SigCgt:\t{caught:x16}");
        Line($"CapInh:\t{caps.CapInheritable:x16}");
        Line($"CapPrm:\t{caps.CapPermitted:x16}");
        Line($"CapEff:\t{caps.CapEffective:x16}");
        Line($"CapBnd:\t{caps.CapabilityBound:x16}");
        Line($"CapAmb:\t{caps.CapAmbient:x16}");
        Line(string.Create(Inv, $"NoNewPrivs:\t{(t?.Settings.NoNewPrivs == true ? 1 : 0)}"));
        Line(string.Create(Inv, $"Seccomp:\t{t?.Settings.SeccompMode ?? 0}"));
        Line(string.Create(Inv, $"Seccomp_filters:\t{t?.Settings.SeccompFilter?.Count ?? 0}"));
        Line("Speculation_Store_Bypass:\tnot vulnerable");
        Line("SpeculationIndirectBranch:\tunknown");
        Line("Cpus_allowed:\t1");
        Line("Cpus_allowed_list:\t0");
        Line("Mems_allowed:\t1");
        Line("Mems_allowed_list:\t0");
        Line("voluntary_ctxt_switches:\t0");
        Line("nonvoluntary_ctxt_switches:\t0");
        return sb.ToString();
    }

    /// <summary>The descriptor table's size as Linux grows it: 64 slots, doubled as needed.</summary>
    private static int FdSize(FdTable files)
    {
        var highest = files.All().Select(e => e.Fd).DefaultIfEmpty(0).Max();
        var size = 64;
        while (size <= highest) size *= 2;
        return size;
    }

    // ---- maps ----

    /// <summary>/proc/[pid]/maps in Linux's exact layout: the name starts at column 73 (or one space after a longer prefix).</summary>
    public static string Maps(KernelProcess p)
    {
        if (p.ExitStatus is not null) return "";
        var sb = new StringBuilder();
        foreach (var v in Merged(p.Mm.Vmas)) AppendMapsLine(sb, v);
        return sb.ToString();
    }

    /// <summary>Neighbours that Linux would have merged into one area (brk growth, adjacent equal mappings) as one line.</summary>
    internal static IEnumerable<Vma> Merged(IReadOnlyList<Vma> vmas)
    {
        Vma? run = null;
        foreach (var v in vmas)
        {
            if (run is not null && run.End == v.Start && run.Prot == v.Prot && run.Shared == v.Shared && run.Name == v.Name && run.AnonName == v.AnonName
                && run.Dev == v.Dev && run.Ino == v.Ino && (v.Ino == 0 || run.Offset + run.Length == v.Offset))
            {
                run = run with { End = v.End };
                continue;
            }
            if (run is not null) yield return run;
            run = v;
        }
        if (run is not null) yield return run;
    }

    internal static void AppendMapsLine(StringBuilder sb, Vma v)
    {
        var start = sb.Length;
        sb.Append(Inv, $"{v.Start:x8}-{v.End:x8} ");
        sb.Append((v.Prot & Prot.Read) != 0 ? 'r' : '-');
        sb.Append((v.Prot & Prot.Write) != 0 ? 'w' : '-');
        sb.Append((v.Prot & Prot.Exec) != 0 ? 'x' : '-');
        sb.Append(v.Shared ? 's' : 'p');
        sb.Append(Inv, $" {v.Offset:x8} {StatInfo.Major(v.Dev):x2}:{StatInfo.Minor(v.Dev):x2} {v.Ino} ");
        var name = MapsName(v);
        if (name.Length > 0)
        {
            // seq_setwidth(25 + 6 * sizeof(void *) - 1) then seq_pad(' '): pad to 72 columns, then one space.
            var width = sb.Length - start;
            if (width < 72) sb.Append(' ', 72 - width);
            sb.Append(' ').Append(name);
        }
        sb.Append('\n');
    }

    // ---- limits ----

    private static readonly (string Name, string? Unit)[] LimitNames =
    [
        ("Max cpu time", "seconds"), ("Max file size", "bytes"), ("Max data size", "bytes"), ("Max stack size", "bytes"),
        ("Max core file size", "bytes"), ("Max resident set", "bytes"), ("Max processes", "processes"),
        ("Max open files", "files"), ("Max locked memory", "bytes"), ("Max address space", "bytes"),
        ("Max file locks", "locks"), ("Max pending signals", "signals"), ("Max msgqueue size", "bytes"),
        ("Max nice priority", null), ("Max realtime priority", null), ("Max realtime timeout", "us"),
    ];

    /// <summary>/proc/[pid]/limits: the same values getrlimit returns.</summary>
    public static string Limits(KernelProcess p)
    {
        static string Value(ulong v) => v == ulong.MaxValue ? "unlimited" : v.ToString(Inv);
        var sb = new StringBuilder();
        sb.Append(Inv, $"{"Limit",-25} {"Soft Limit",-20} {"Hard Limit",-20} {"Units",-10}\n");
        for (var i = 0; i < LimitNames.Length; i++)
        {
            var (cur, max) = p.GetLimit(i);
            sb.Append(Inv, $"{LimitNames[i].Name,-25} {Value(cur),-20} {Value(max),-20} ");
            if (LimitNames[i].Unit is { } unit) sb.Append(Inv, $"{unit,-10}");
            sb.Append('\n');
        }
        return sb.ToString();
    }

    // ---- mounts ----

    /// <summary>The mounts the process sees from its root, with their paths relative to it (chroot hides the rest).</summary>
    private static IEnumerable<(Mount Mount, string Path)> VisibleMounts(Procfs fs, KernelProcess p)
    {
        var root = p.Fs.Root.GuestPath;
        foreach (var m in (p.Fs.Root.Mount.Namespace?.Mounts ?? fs.AnonMount.Vfs.Mounts).ToList())
        {
            var path = m.RootLocation.GuestPath;
            if (root == "/") yield return (m, path);
            else if (path == root) yield return (m, "/");
            else if (path.StartsWith(root + "/", StringComparison.Ordinal)) yield return (m, path[root.Length..]);
        }
    }

    /// <summary>The filesystem's own options (size=, mode=...), after <paramref name="sep"/>; none for host-backed ones, whose options name host directories.</summary>
    private static string FsOptions(Mount m, string sep) =>
        m.Fs is OverlayFilesystem or HostFilesystem || m.Fs.MountOptions.Length == 0 ? "" : sep + m.Fs.MountOptions;

    /// <summary>Spaces, tabs, newlines and backslashes in mount paths are written as octal escapes, as Linux's mangle().</summary>
    private static string Escape(string s)
    {
        var sb = new StringBuilder(s.Length);
        foreach (var ch in s)
        {
            if (ch is ' ' or '\t' or '\n' or '\\') sb.Append('\\').Append(Convert.ToString((int)ch, 8).PadLeft(3, '0'));
            else sb.Append(ch);
        }
        return sb.ToString();
    }

    /// <summary>/proc/[pid]/mounts (and /proc/mounts): the type names the source, never a host directory.</summary>
    public static string Mounts(Procfs fs, KernelProcess p)
    {
        var sb = new StringBuilder();
        foreach (var (m, path) in VisibleMounts(fs, p))
            sb.Append(Inv, $"{m.Fs.Type} {Escape(path)} {m.Fs.Type} {MountNamespace.MountFlagOptions(m)}{FsOptions(m, ",")} 0 0\n");
        return sb.ToString();
    }

    /// <summary>/proc/[pid]/mountinfo; the top mount names itself as its parent, as the man page allows.</summary>
    public static string MountInfo(Procfs fs, KernelProcess p)
    {
        var sb = new StringBuilder();
        foreach (var (m, path) in VisibleMounts(fs, p))
        {
            var parent = m.MountpointDir?.Mount.Id ?? m.Id;
            // Field 6 holds the per-mount flags, the last field the superblock's (ro/rw and the filesystem's options).
            sb.Append(Inv, $"{m.Id} {parent} {StatInfo.Major(m.Fs.Dev)}:{StatInfo.Minor(m.Fs.Dev)} / {Escape(path)} {MountNamespace.MountFlagOptions(m)} - ");
            sb.Append(Inv, $"{m.Fs.Type} {m.Fs.Type} {(m.ReadOnly ? "ro" : "rw")}{FsOptions(m, ",")}\n");
        }
        return sb.ToString();
    }

    // ---- fdinfo ----

    /// <summary>/proc/[pid]/fdinfo/N: offset, open flags in octal (O_LARGEFILE as 64-bit Linux forces it on opens), mount, inode.</summary>
    public static string FdInfo(FdEntry e)
    {
        var file = e.File;
        var pos = file is ProcSeqFile seq ? seq.Position : Math.Max(0, file.Seek(0, SEEK_CUR));
        var flags = file.StatusFlags | (file.Location is not null ? O_LARGEFILE : 0) | (e.CloseOnExec ? O_CLOEXEC : 0);
        var mount = file.Location?.Mount.Id ?? 0;
        var ino = file.Location?.Inode.Ino ?? (file.Stat(out var st) >= 0 ? st.Ino : 0);
        return string.Create(Inv, $"pos:\t{pos}\nflags:\t0{Convert.ToString(flags, 8)}\nmnt_id:\t{mount}\nino:\t{ino}\n");
    }
}
