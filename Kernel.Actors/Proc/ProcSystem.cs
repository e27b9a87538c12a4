using System.Globalization;
using System.Text;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Handlers;

namespace Kernel.Actors.Proc;

/// <summary>The sandbox-wide files of /proc, in Linux's formats.</summary>
internal static class ProcSystem
{
    /// <summary>USER_HZ: the unit of the times in /proc/stat and /proc/[pid]/stat.</summary>
    public const long ClockTicks = 100;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>CLOCK_BOOTTIME now, in nanoseconds: the sandbox's uptime, as sysinfo and clock_gettime report it.</summary>
    public static long BootTimeNs => Time.Now(Time.ClockBoottime)!.Value;

    /// <summary>CPU time used so far, in ticks: the kernel's own process time, as the CPU-time clocks report it.</summary>
    private static (long User, long System) CpuTicks()
    {
        var usage = Environment.CpuUsage;
        return (usage.UserTime.Ticks / (TimeSpan.TicksPerSecond / ClockTicks),
            usage.PrivilegedTime.Ticks / (TimeSpan.TicksPerSecond / ClockTicks));
    }

    private static string Centis(long ticks) => string.Create(Inv, $"{ticks / 100}.{ticks % 100:D2}");

    public static string Uptime()
    {
        // In the reader's time namespace, as Linux's timens_add_boottime.
        var up = (BootTimeNs + (CurrentTask.Task?.Process.Namespaces.Time.BoottimeOffsetNs ?? 0)) / 10_000_000; // hundredths of a second
        var (user, system) = CpuTicks();
        return $"{Centis(up)} {Centis(Math.Max(0, up - user - system))}\n";
    }

    /// <summary>Threads that are running or runnable; the reader itself counts, as it does in Linux.</summary>
    private static (int Running, int Total) Threads(IProcSandbox sandbox)
    {
        int running = 0, total = 0;
        var current = CurrentTask.Task;
        foreach (var p in sandbox.AllProcesses())
        {
            foreach (var t in p.Threads)
            {
                total++;
                if (t.State == TaskState.Runnable || ReferenceEquals(t, current)) running++;
            }
        }
        return (Math.Max(running, 1), Math.Max(total, 1));
    }

    public static string LoadAvg(IProcSandbox sandbox)
    {
        var (running, total) = Threads(sandbox);
        return string.Create(Inv, $"0.00 0.00 0.00 {running}/{total} {sandbox.LastPid}\n");
    }

    public static string Stat(IProcSandbox sandbox)
    {
        var (user, system) = CpuTicks();
        var idle = Math.Max(0, BootTimeNs / (1_000_000_000 / ClockTicks) - user - system);
        var cpu = string.Create(Inv, $"{user} 0 {system} {idle} 0 0 0 0 0 0");
        var bootTime = (Time.Now(Time.ClockRealtime)!.Value - BootTimeNs) / 1_000_000_000;
        var (running, _) = Threads(sandbox);
        return string.Create(Inv,
            $"cpu  {cpu}\ncpu0 {cpu}\nintr 0\nctxt 0\nbtime {bootTime}\nprocesses {sandbox.LastPid}\n" +
            $"procs_running {running}\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n");
    }

    // ---- memory ----

    public static string MemInfo(IProcSandbox sandbox)
    {
        var total = sandbox.MemoryBytes;
        var (used, committed) = ProcMemory.Totals(sandbox);
        used = Math.Min(used, total);
        var free = total - used;
        var sb = new StringBuilder();
        void Kb(string label, ulong bytes) => sb.Append(Inv, $"{label + ":",-16}{bytes >> 10,8} kB\n");
        void Count(string label, ulong n) => sb.Append(Inv, $"{label + ":",-16}{n,8}\n");
        Kb("MemTotal", total);
        Kb("MemFree", free);
        Kb("MemAvailable", free);
        Kb("Buffers", 0);
        Kb("Cached", 0);
        Kb("SwapCached", 0);
        Kb("Active", used);
        Kb("Inactive", 0);
        Kb("Active(anon)", used);
        Kb("Inactive(anon)", 0);
        Kb("Active(file)", 0);
        Kb("Inactive(file)", 0);
        Kb("Unevictable", 0);
        Kb("Mlocked", 0);
        Kb("SwapTotal", 0);
        Kb("SwapFree", 0);
        Kb("Dirty", 0);
        Kb("Writeback", 0);
        Kb("AnonPages", used);
        Kb("Mapped", 0);
        Kb("Shmem", 0);
        Kb("KReclaimable", 0);
        Kb("Slab", 0);
        Kb("SReclaimable", 0);
        Kb("SUnreclaim", 0);
        Kb("KernelStack", 0);
        Kb("PageTables", 0);
        Kb("NFS_Unstable", 0);
        Kb("Bounce", 0);
        Kb("WritebackTmp", 0);
        Kb("CommitLimit", total / 2); // overcommit ratio 50%, no swap
        Kb("Committed_AS", committed);
        Kb("VmallocTotal", 135288315904UL << 10);
        Kb("VmallocUsed", 0);
        Kb("VmallocChunk", 0);
        Kb("Percpu", 0);
        Kb("AnonHugePages", 0);
        Kb("ShmemHugePages", 0);
        Kb("ShmemPmdMapped", 0);
        Kb("FileHugePages", 0);
        Kb("FilePmdMapped", 0);
        Count("HugePages_Total", 0);
        Count("HugePages_Free", 0);
        Count("HugePages_Rsvd", 0);
        Count("HugePages_Surp", 0);
        Kb("Hugepagesize", 2048UL << 10);
        Kb("Hugetlb", 0);
        return sb.ToString();
    }

    /// <summary>fs.file-max as Linux sizes it: a tenth of memory in kB, at least NR_FILE.</summary>
    public static string FileMax(IProcSandbox sandbox) => Math.Max(8192UL, (sandbox.MemoryBytes >> 10) / 10).ToString(Inv);

    // ---- CPU ----

    // arm64 hwcap names in bit order (arch/arm64/kernel/cpuinfo.c): AT_HWCAP bits 0-31, then AT_HWCAP2 bits 0-31.
    private static readonly string[] Hwcap1Names =
    [
        "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm",
        "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4", "asimddp", "sha512", "sve", "asimdfhm", "dit", "uscat",
        "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg",
    ];

    private static readonly string[] Hwcap2Names =
    [
        "dcpodp", "sve2", "sveaes", "svepmull", "svebitperm", "svesha3", "svesm4", "flagm2", "frint", "svei8mm", "svef32mm",
        "svef64mm", "svebf16", "i8mm", "bf16", "dgh", "rng", "bti", "mte", "ecv", "afp", "rpres", "mte3", "sme", "smei16i64",
        "smef64f64", "smei8i32", "smef16f32", "smeb16f32", "smef32f32", "smefa64", "wfxt",
    ];

    /// <summary>The names /proc/cpuinfo's Features line lists for these AT_HWCAP and AT_HWCAP2 values.</summary>
    public static IEnumerable<string> Features(ulong hwcap, ulong hwcap2)
    {
        for (var i = 0; i < Hwcap1Names.Length; i++)
            if ((hwcap & (1UL << i)) != 0) yield return Hwcap1Names[i];
        for (var i = 0; i < Hwcap2Names.Length; i++)
            if ((hwcap2 & (1UL << i)) != 0) yield return Hwcap2Names[i];
    }

    /// <summary>
    /// One CPU (a process's threads share one virtual CPU), with the features the loader reports in AT_HWCAP and
    /// Unicorn's "max" CPU identity (MIDR: implementer 0, part 'Q'); BogoMIPS from its 62.5 MHz generic timer.
    /// </summary>
    public static string CpuInfo() =>
        "processor\t: 0\n" +
        "BogoMIPS\t: 125.00\n" +
        "Features\t:" + string.Concat(Features(Sandbox.Hwcap, Sandbox.Hwcap2).Select(f => " " + f)) + "\n" +
        "CPU implementer\t: 0x00\n" +
        "CPU architecture: 8\n" +
        "CPU variant\t: 0x0\n" +
        "CPU part\t: 0x051\n" +
        "CPU revision\t: 0\n\n";

    // ---- filesystems ----

    private static readonly string[] KnownTypes = ["sysfs", "tmpfs", "devtmpfs", "proc", "devpts", "pipefs", "anon_inodefs"];

    public static string Filesystems(Procfs fs)
    {
        var sb = new StringBuilder();
        foreach (var type in KnownTypes.Concat(fs.AnonMount.Vfs.Mounts.Select(m => m.Fs.Type)).Distinct())
            sb.Append("nodev\t").Append(type).Append('\n');
        return sb.ToString();
    }
}
