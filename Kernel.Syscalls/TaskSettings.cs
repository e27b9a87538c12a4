namespace Kernel.Syscalls;

/// <summary>Per-thread settings that handlers keep without an actor: scheduling and prctl state.</summary>
public sealed partial class TaskSettings
{
    public const int SchedOther = 0, SchedFifo = 1, SchedRr = 2, SchedBatch = 3, SchedIdle = 5;

    public int Nice { get; set; }
    public int Policy { get; set; } = SchedOther;
    public int Priority { get; set; }
    /// <summary>The real-time priority the thread schedules at: its priority under SCHED_FIFO or SCHED_RR, else 0.</summary>
    public int RealTimePriority => Policy is SchedFifo or SchedRr ? Priority : 0;
    /// <summary>SCHED_RESET_ON_FORK / SCHED_FLAG_RESET_ON_FORK.</summary>
    public bool ResetOnFork { get; set; }
    public int PdeathSignal { get; set; }
    public bool NoNewPrivs { get; set; }
    /// <summary>SECBIT_KEEP_CAPS (PR_SET_KEEPCAPS is that bit of the securebits).</summary>
    public bool KeepCaps
    {
        get => (SecureBits & SecBits.KeepCaps) != 0;
        set => SecureBits = value ? SecureBits | SecBits.KeepCaps : SecureBits & ~SecBits.KeepCaps;
    }
    public ulong TimerSlackNs { get; set; } = 50_000;
    /// <summary>The thread's name (comm): PR_SET_NAME; null means the process's.</summary>
    public string? Name { get; set; }
    /// <summary>seccomp: SECCOMP_MODE_* (0 none), and the newest filter of mode 2 (immutable, shared with other tasks).</summary>
    public int SeccompMode { get; set; }
    public Seccomp.SeccompFilter? SeccompFilter { get; set; }

    /// <summary>The thread keyring's serial (0: none); not inherited by new threads or children.</summary>
    public int ThreadKeyring { get; set; }

    /// <summary>set_mempolicy's task policy (null: MPOL_DEFAULT); copied to new threads and children, as Linux does.</summary>
    public MemPolicy? MemPolicy { get; set; }

    /// <summary>
    /// The thread's capability sets (Linux keeps them in each thread's cred): the bounding set (capabilities 0..40 of
    /// Linux 6.x until dropped) and the effective, permitted and inheritable sets (root's full, others' empty). A new
    /// thread or child starts with its creator's.
    /// </summary>
    public ulong CapabilityBound { get; set; } = Capabilities.All;
    public ulong CapEffective { get; set; }
    public ulong CapPermitted { get; set; }
    public ulong CapInheritable { get; set; }
    /// <summary>
    /// The real, effective, saved and filesystem uids the thread's capabilities last followed. The ids themselves
    /// are the process's; a thread that repeats another's id change (glibc makes every thread do so) still sees
    /// its own transition from these, as each Linux thread sees it in its own cred.
    /// </summary>
    public (uint Uid, uint Euid, uint Suid, uint Fsuid) CapIds { get; set; }

    public TaskSettings Copy() => (TaskSettings)MemberwiseClone();
}

/// <summary>Per-process settings: personality, dumpability, subreaper, keyrings.</summary>
public sealed partial class ProcessSettings
{
    public uint Personality { get; set; }
    public bool Dumpable { get; set; } = true;
    public bool ChildSubreaper { get; set; }
    /// <summary>The session keyring (inherited across fork) and the process keyring (not inherited); 0: none.</summary>
    public int SessionKeyring { get; set; }
    public int ProcessKeyring { get; set; }
    public bool ThpDisable { get; set; }
    /// <summary>membarrier's MEMBARRIER_CMD_REGISTER_* bits (exec clears them, fork keeps them).</summary>
    public int MembarrierRegistrations { get; set; }

    public ProcessSettings Copy() => (ProcessSettings)MemberwiseClone();
}

/// <summary>Resource usage as getrusage reports it (times in microseconds, memory in KiB, I/O in 512-byte blocks).</summary>
public readonly record struct Usage(long UserMicros, long SystemMicros, long MaxRssKb, long MinorFaults, long VoluntarySwitches, long InvoluntarySwitches)
{
    public long MajorFaults { get; init; }
    public long InBlocks { get; init; }
    public long OutBlocks { get; init; }

    public static Usage operator +(Usage a, Usage b) => new(a.UserMicros + b.UserMicros, a.SystemMicros + b.SystemMicros,
        Math.Max(a.MaxRssKb, b.MaxRssKb), a.MinorFaults + b.MinorFaults, a.VoluntarySwitches + b.VoluntarySwitches,
        a.InvoluntarySwitches + b.InvoluntarySwitches)
    {
        MajorFaults = a.MajorFaults + b.MajorFaults, InBlocks = a.InBlocks + b.InBlocks, OutBlocks = a.OutBlocks + b.OutBlocks,
    };

    /// <summary>An arm64 struct rusage (144 bytes: two timevals, then fourteen longs; ixrss, idrss, isrss, nswap, msgsnd, msgrcv and nsignals stay 0 as in Linux).</summary>
    public byte[] ToRusage()
    {
        var b = new byte[144];
        BitConverter.TryWriteBytes(b, UserMicros / 1_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(8), UserMicros % 1_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(16), SystemMicros / 1_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(24), SystemMicros % 1_000_000);
        BitConverter.TryWriteBytes(b.AsSpan(32), MaxRssKb);
        BitConverter.TryWriteBytes(b.AsSpan(64), MinorFaults);
        BitConverter.TryWriteBytes(b.AsSpan(72), MajorFaults);
        BitConverter.TryWriteBytes(b.AsSpan(88), InBlocks);
        BitConverter.TryWriteBytes(b.AsSpan(96), OutBlocks);
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
    public const int Chown = 0, DacOverride = 1, Fowner = 3, Kill = 5, Setgid = 6, Setuid = 7, Setpcap = 8, LinuxImmutable = 9, IpcLock = 14, IpcOwner = 15, SysAdmin = 21, SysTime = 25, SysResource = 24,
        SysNice = 23, SysTtyConfig = 26, Lease = 28, WakeAlarm = 35;

    /// <summary>Whether the thread's effective set holds <paramref name="cap"/> (Linux's capable()).</summary>
    public static bool Has(this TaskSettings p, int cap) => (p.CapEffective & (1UL << cap)) != 0;

    /// <summary>cap_task_fix_setuid for a change of the real, effective and saved user ids.</summary>
    public static void FixSetuid(TaskSettings p, bool keepCaps, (uint R, uint E, uint S) old, (uint R, uint E, uint S) now)
    {
        if ((p.SecureBits & SecBits.NoSetuidFixup) != 0) return;
        var wasRoot = old.R == 0 || old.E == 0 || old.S == 0;
        var noneRoot = now.R != 0 && now.E != 0 && now.S != 0;
        if (wasRoot && noneRoot)
        {
            if (!keepCaps)
            {
                p.CapPermitted = 0;
                p.CapEffective = 0;
            }
            p.CapAmbient = 0; // cap_emulate_setxuid clears the ambient set even with keep-caps
        }
        if (old.E == 0 && now.E != 0) p.CapEffective = 0;
        if (old.E != 0 && now.E == 0) p.CapEffective = p.CapPermitted;
    }

    /// <summary>CAP_FS_SET: the capabilities that follow the filesystem uid (chown, DAC, fowner, fsetid, immutable, mknod, MAC override).</summary>
    private const ulong FsSet = 1UL << 0 | 1UL << 1 | 1UL << 2 | 1UL << 3 | 1UL << 4 | 1UL << 9 | 1UL << 27 | 1UL << 32;

    /// <summary>cap_task_fix_setuid for setfsuid: leaving filesystem uid 0 drops CAP_FS_SET, returning raises it from permitted.</summary>
    public static void FixSetfsuid(TaskSettings p, uint old, uint now)
    {
        if ((p.SecureBits & SecBits.NoSetuidFixup) != 0) return;
        if (old == 0 && now != 0) p.CapEffective &= ~FsSet;
        if (old != 0 && now == 0) p.CapEffective |= p.CapPermitted & FsSet;
    }

    /// <summary>
    /// execve of a program without file capabilities or set-id bits (cap_bprm_creds_from_file): root (real or
    /// effective uid 0, unless SECBIT_NOROOT) gains the bounding and inheritable sets as permitted (effective too when
    /// the effective uid is 0); the ambient set survives and joins the permitted set, and becomes the effective set
    /// when nothing else does. SECBIT_KEEP_CAPS is cleared.
    /// </summary>
    public static void Exec(TaskSettings p, uint ruid, uint euid)
    {
        var root = (p.SecureBits & SecBits.NoRoot) == 0 && (ruid == 0 || euid == 0);
        p.CapPermitted = (root ? p.CapabilityBound | p.CapInheritable : 0) | p.CapAmbient;
        p.CapEffective = root && euid == 0 ? p.CapPermitted : p.CapAmbient;
        p.SecureBits &= ~SecBits.KeepCaps;
    }
}
