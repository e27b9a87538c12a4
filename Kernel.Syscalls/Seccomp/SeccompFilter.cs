using System.Buffers.Binary;

namespace Kernel.Syscalls.Seccomp;

/// <summary>seccomp's modes, actions and the arm64 struct seccomp_data (include/uapi/linux/seccomp.h).</summary>
public static class SeccompAbi
{
    public const int ModeDisabled = 0, ModeStrict = 1, ModeFilter = 2;

    public const uint RetKillProcess = 0x80000000, RetKillThread = 0, RetTrap = 0x00030000, RetErrno = 0x00050000,
        RetUserNotif = 0x7fc00000, RetTrace = 0x7ff00000, RetLog = 0x7ffc0000, RetAllow = 0x7fff0000;
    public const uint RetActionFull = 0xffff0000, RetData = 0x0000ffff;

    public const uint AuditArchAarch64 = 0xC00000B7; // EM_AARCH64 | __AUDIT_ARCH_64BIT | __AUDIT_ARCH_LE
    public const int SysSeccomp = 1;                 // SIGSYS's si_code
    public const int MaxErrno = 4095;

    /// <summary>struct seccomp_data: nr, arch, instruction_pointer, args[6].</summary>
    public const int DataSize = 64;

    /// <summary>Fills <paramref name="data"/> (64 bytes) for syscall <paramref name="nr"/> at <paramref name="pc"/>.</summary>
    public static void Fill(Span<byte> data, int nr, ulong pc, ISyscallContext call)
    {
        BinaryPrimitives.WriteInt32LittleEndian(data, nr);
        BinaryPrimitives.WriteUInt32LittleEndian(data[4..], AuditArchAarch64);
        BinaryPrimitives.WriteUInt64LittleEndian(data[8..], pc);
        for (var i = 0; i < 6; i++) BinaryPrimitives.WriteUInt64LittleEndian(data[(16 + 8 * i)..], call.Arg(i));
    }

    /// <summary>The actions this kernel knows (SECCOMP_GET_ACTION_AVAIL).</summary>
    public static bool KnownAction(uint action) => action is RetKillProcess or RetKillThread or RetTrap or RetErrno
        or RetUserNotif or RetTrace or RetLog or RetAllow;

    /// <summary>ACTION_ONLY: the action as a signed number; the lowest is the most restrictive.</summary>
    public static int Rank(uint ret) => (int)(ret & RetActionFull);
}

/// <summary>
/// One installed filter and, through <see cref="Prev"/>, the ones installed before it (Linux's struct seccomp_filter).
/// Immutable: fork, clone and TSYNC share it between tasks; a new filter only ever points at older ones.
/// </summary>
public sealed class SeccompFilter
{
    public SeccompFilter(ClassicBpf program, bool log, SeccompFilter? prev, SeccompListener? listener = null)
    {
        Program = program;
        Log = log;
        Prev = prev;
        Listener = listener;
        Count = 1 + (prev?.Count ?? 0);
        PathInstructions = program.ConvertedLength + PerFilterPenalty + (prev?.PathInstructions ?? 0);
        if (listener is not null) listener.Filter = this;
    }

    /// <summary>MAX_INSNS_PER_PATH: 256 KiB of instructions on the way from the newest filter to the oldest.</summary>
    public const int MaxPathInstructions = (1 << 18) / BpfInstruction.Size;
    private const int PerFilterPenalty = 4;

    public ClassicBpf Program { get; }
    /// <summary>SECCOMP_FILTER_FLAG_LOG: actions other than ALLOW are logged.</summary>
    public bool Log { get; }
    public SeccompFilter? Prev { get; }
    /// <summary>The user-notification listener of SECCOMP_FILTER_FLAG_NEW_LISTENER, if any.</summary>
    public SeccompListener? Listener { get; }
    /// <summary>Filters on the path, this one included (/proc/[pid]/status Seccomp_filters).</summary>
    public int Count { get; }
    /// <summary>The (converted) instructions on the path with the penalty per filter that seccomp_attach_filter counts.</summary>
    public int PathInstructions { get; }

    /// <summary>Whether <paramref name="program"/> may go on top of <paramref name="top"/> (counted in converted instructions, as Linux does).</summary>
    public static bool Fits(SeccompFilter? top, ClassicBpf program) => program.ConvertedLength + (top?.PathInstructions ?? 0) <= MaxPathInstructions;

    /// <summary>Whether <paramref name="ancestor"/> is this filter or one installed before it (null is everyone's).</summary>
    public bool Descends(SeccompFilter? ancestor)
    {
        if (ancestor is null) return true;
        for (var f = this; f is not null; f = f.Prev)
        {
            if (f == ancestor) return true;
        }
        return false;
    }

    /// <summary>
    /// seccomp_run_filters: every filter runs, newest first; the most restrictive action wins, with the data of the
    /// newest filter that returned it. <paramref name="match"/> is that filter (null when all allow).
    /// </summary>
    public uint Run(ReadOnlySpan<byte> data, out SeccompFilter? match)
    {
        var ret = SeccompAbi.RetAllow;
        match = null;
        for (var f = this; f is not null; f = f.Prev)
        {
            var r = f.Program.Run(data);
            if (SeccompAbi.Rank(r) < SeccompAbi.Rank(ret))
            {
                ret = r;
                match = f;
            }
        }
        return ret;
    }
}
