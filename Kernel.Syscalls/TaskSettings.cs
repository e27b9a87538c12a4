namespace Kernel.Syscalls;

/// <summary>Per-thread settings that handlers keep without an actor: scheduling and prctl state.</summary>
public sealed class TaskSettings
{
    public const int SchedOther = 0, SchedFifo = 1, SchedRr = 2, SchedBatch = 3, SchedIdle = 5;

    public int Nice { get; set; }
    public int Policy { get; set; } = SchedOther;
    public int Priority { get; set; }
    /// <summary>SCHED_RESET_ON_FORK / SCHED_FLAG_RESET_ON_FORK.</summary>
    public bool ResetOnFork { get; set; }
    public int PdeathSignal { get; set; }
    public bool NoNewPrivs { get; set; }
    public bool KeepCaps { get; set; }
    public ulong TimerSlackNs { get; set; } = 50_000;
    /// <summary>The thread's name (comm): PR_SET_NAME; null means the process's.</summary>
    public string? Name { get; set; }
    /// <summary>seccomp: SECCOMP_MODE_* (0 none), and the newest filter of mode 2 (immutable, shared with other tasks).</summary>
    public int SeccompMode { get; set; }
    public Seccomp.SeccompFilter? SeccompFilter { get; set; }

    /// <summary>What a new thread or child starts with (fork and clone copy these).</summary>
    /// <summary>The thread keyring's serial (0: none); not inherited by new threads or children.</summary>
    public int ThreadKeyring { get; set; }

    /// <summary>set_mempolicy's task policy (null: MPOL_DEFAULT); copied to new threads and children, as Linux does.</summary>
    public MemPolicy? MemPolicy { get; set; }

    public TaskSettings Copy() => (TaskSettings)MemberwiseClone();
}

/// <summary>Per-process settings: personality, dumpability, subreaper, capability bounding set.</summary>
public sealed class ProcessSettings
{
    public uint Personality { get; set; }
    public bool Dumpable { get; set; } = true;
    public bool ChildSubreaper { get; set; }
    /// <summary>The session keyring (inherited across fork) and the process keyring (not inherited); 0: none.</summary>
    public int SessionKeyring { get; set; }
    public int ProcessKeyring { get; set; }
    public bool ThpDisable { get; set; }
    /// <summary>Capabilities 0..40 (CAP_LAST_CAP of Linux 6.x) are in the bounding set until dropped.</summary>
    public ulong CapabilityBound { get; set; } = Capabilities.All;
    /// <summary>The effective, permitted and inheritable capability sets (root's are full, others' empty).</summary>
    public ulong CapEffective { get; set; }
    public ulong CapPermitted { get; set; }
    public ulong CapInheritable { get; set; }
    /// <summary>membarrier's MEMBARRIER_CMD_REGISTER_* bits (exec clears them, fork keeps them).</summary>
    public int MembarrierRegistrations { get; set; }

    public ProcessSettings Copy() => (ProcessSettings)MemberwiseClone();
}

/// <summary>Resource usage as getrusage reports it (times in microseconds, memory in KiB).</summary>
public readonly record struct Usage(long UserMicros, long SystemMicros, long MaxRssKb, long MinorFaults, long VoluntarySwitches, long InvoluntarySwitches)
{
    public static Usage operator +(Usage a, Usage b) => new(a.UserMicros + b.UserMicros, a.SystemMicros + b.SystemMicros,
        Math.Max(a.MaxRssKb, b.MaxRssKb), a.MinorFaults + b.MinorFaults, a.VoluntarySwitches + b.VoluntarySwitches,
        a.InvoluntarySwitches + b.InvoluntarySwitches);

    /// <summary>An arm64 struct rusage (144 bytes: two timevals, then fourteen longs).</summary>
    public byte[] ToRusage()
    {
        var b = new byte[144];
        BitConverter.TryWriteBytes(b, UserMicros / 1_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(8), UserMicros % 1_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(16), SystemMicros / 1_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(24), SystemMicros % 1_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(32), MaxRssKb);
        BitConverter.TryWriteBytes(b.AsSpan(64), MinorFaults);
        BitConverter.TryWriteBytes(b.AsSpan(128), VoluntarySwitches);
        BitConverter.TryWriteBytes(b.AsSpan(136), InvoluntarySwitches);
        return b;
    }
}

/// <summary>Capability sets as bit masks, and how id changes and exec move them (security/commoncap.c).</summary>
public static class Capabilities
{
    public const int LastCap = 40;
    public const ulong All = (1UL << (LastCap + 1)) - 1;
    public const int Fowner = 3, Kill = 5, LinuxImmutable = 9, IpcLock = 14, IpcOwner = 15, SysAdmin = 21, SysTime = 25, SysResource = 24,
        SysTtyConfig = 26, Lease = 28, WakeAlarm = 35;

    /// <summary>Whether the process's effective set holds <paramref name="cap"/> (Linux's capable()).</summary>
    public static bool Has(this ProcessSettings p, int cap) => (p.CapEffective & (1UL << cap)) != 0;

    /// <summary>cap_task_fix_setuid for a change of the real, effective and saved user ids.</summary>
    public static void FixSetuid(ProcessSettings p, bool keepCaps, (uint R, uint E, uint S) old, (uint R, uint E, uint S) now)
    {
        var wasRoot = old.R == 0 || old.E == 0 || old.S == 0;
        var noneRoot = now.R != 0 && now.E != 0 && now.S != 0;
        if (wasRoot && noneRoot && !keepCaps)
        {
            p.CapPermitted = 0;
            p.CapEffective = 0;
        }
        if (old.E == 0 && now.E != 0) p.CapEffective = 0;
        if (old.E != 0 && now.E == 0) p.CapEffective = p.CapPermitted;
    }

    /// <summary>
    /// execve without file capabilities: root (real or effective uid 0) gains the bounding set as permitted
    /// (effective too when the effective uid is 0); anyone else keeps no permitted or effective capability.
    /// </summary>
    public static void Exec(ProcessSettings p, uint ruid, uint euid)
    {
        if (ruid == 0 || euid == 0)
        {
            p.CapPermitted = p.CapabilityBound | (p.CapInheritable & p.CapabilityBound);
            p.CapEffective = euid == 0 ? p.CapPermitted : 0;
        }
        else
        {
            p.CapPermitted = 0;
            p.CapEffective = 0;
        }
    }
}
