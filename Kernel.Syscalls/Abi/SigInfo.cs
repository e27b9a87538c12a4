using System.Buffers.Binary;

namespace Kernel.Syscalls.Abi;

/// <summary>
/// A queued signal's siginfo_t (arm64: 128 bytes). Which union fields are meaningful depends on the signal and
/// <see cref="Code"/>; the layout keeps them where glibc reads them.
/// </summary>
public sealed record SigInfo(int Signo, int Code)
{
    public const int Size = 128;

    // si_code values (include/uapi/asm-generic/siginfo.h).
    public const int SiUser = 0, SiKernel = 0x80, SiQueue = -1, SiTimer = -2, SiMesgq = -3, SiAsyncio = -4,
        SiSigio = -5, SiTkill = -6;
    public const int SegvMaperr = 1, SegvAccerr = 2, IllIllopc = 1, TrapBrkpt = 1, BusAdraln = 1;
    public const int CldExited = 1, CldKilled = 2, CldDumped = 3, CldTrapped = 4, CldStopped = 5, CldContinued = 6;

    public int Errno { get; init; }
    /// <summary>si_pid/si_uid (kill, sigqueue, SIGCHLD).</summary>
    public int Pid { get; init; }
    public uint Uid { get; init; }
    /// <summary>SIGCHLD: exit code or signal; user and system time in clock ticks.</summary>
    public int Status { get; init; }
    public long Utime { get; init; }
    public long Stime { get; init; }
    /// <summary>Faults: si_addr.</summary>
    public ulong Addr { get; init; }
    /// <summary>sigqueue and timers: si_value.</summary>
    public ulong Value { get; init; }
    /// <summary>POSIX timers: si_timerid and si_overrun.</summary>
    public int TimerId { get; init; }
    public int Overrun { get; init; }
    /// <summary>SIGIO/SIGPOLL: si_band and si_fd.</summary>
    public long Band { get; init; }
    public int Fd { get; init; }
    /// <summary>SIGSYS from seccomp (si_code SYS_SECCOMP): si_syscall and si_arch; si_call_addr is <see cref="Addr"/>.</summary>
    public int Syscall { get; init; }
    public uint Arch { get; init; }
    /// <summary>A queued siginfo_t from rt_sigqueueinfo: its 128 bytes go to the receiver unchanged.</summary>
    public byte[]? Raw { get; init; }

    /// <summary>A signal sent by kill/tgkill from <paramref name="pid"/> running as <paramref name="uid"/>.</summary>
    public static SigInfo FromUser(int signo, int code, int pid, uint uid) => new(signo, code) { Pid = pid, Uid = uid };

    /// <summary>A signal the kernel sends on its own (SI_KERNEL).</summary>
    public static SigInfo Kernel(int signo) => new(signo, SiKernel);

    public byte[] ToBytes()
    {
        var b = new byte[Size];
        if (Raw is not null)
        {
            Raw.AsSpan(0, Size).CopyTo(b);
            BinaryPrimitives.WriteInt32LittleEndian(b, Signo);
            return b;
        }
        BinaryPrimitives.WriteInt32LittleEndian(b, Signo);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), Errno);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(8), Code);
        var u = b.AsSpan(16); // the union, 8-aligned
        switch (Signo)
        {
            case Sig.SIGSEGV or Sig.SIGBUS or Sig.SIGILL or Sig.SIGFPE or Sig.SIGTRAP when Code > 0:
                BinaryPrimitives.WriteUInt64LittleEndian(u, Addr);
                break;
            case Sig.SIGSYS when Code > 0:
                BinaryPrimitives.WriteUInt64LittleEndian(u, Addr);
                BinaryPrimitives.WriteInt32LittleEndian(u[8..], Syscall);
                BinaryPrimitives.WriteUInt32LittleEndian(u[12..], Arch);
                break;
            case Sig.SIGCHLD when Code > 0:
                BinaryPrimitives.WriteInt32LittleEndian(u, Pid);
                BinaryPrimitives.WriteUInt32LittleEndian(u[4..], Uid);
                BinaryPrimitives.WriteInt32LittleEndian(u[8..], Status);
                BinaryPrimitives.WriteInt64LittleEndian(u[16..], Utime);
                BinaryPrimitives.WriteInt64LittleEndian(u[24..], Stime);
                break;
            case not (Sig.SIGCHLD) when Code > 0 && (Band != 0 || Fd != 0): // an I/O signal (SIGIO or F_SETSIG's)
                BinaryPrimitives.WriteInt64LittleEndian(u, Band);
                BinaryPrimitives.WriteInt32LittleEndian(u[8..], Fd);
                break;
            default:
                if (Code == SiTimer)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(u, TimerId);
                    BinaryPrimitives.WriteInt32LittleEndian(u[4..], Overrun);
                    BinaryPrimitives.WriteUInt64LittleEndian(u[8..], Value);
                }
                else
                {
                    BinaryPrimitives.WriteInt32LittleEndian(u, Pid);
                    BinaryPrimitives.WriteUInt32LittleEndian(u[4..], Uid);
                    BinaryPrimitives.WriteUInt64LittleEndian(u[8..], Value);
                }
                break;
        }
        return b;
    }
}

/// <summary>The alternate signal stack (sigaltstack's stack_t flags and Linux's on_sig_stack test).</summary>
public static class AltStack
{
    public const int OnStack = 1, Disable = 2;

    /// <summary>Whether <paramref name="sp"/> lies on the enabled alternate stack <paramref name="alt"/>.</summary>
    public static bool Contains((ulong Sp, int Flags, ulong Size) alt, ulong sp) =>
        alt.Flags != Disable && sp > alt.Sp && sp - alt.Sp <= alt.Size;
}

/// <summary>sa_flags bits (arm64 uses the generic values).</summary>
public static class SaFlags
{
    public const ulong NoCldStop = 1, NoCldWait = 2, SigInfo = 4, Unsupported = 0x400, ExposeTagBits = 0x800,
        Restorer = 0x04000000, OnStack = 0x08000000, Restart = 0x10000000, NoDefer = 0x40000000, ResetHand = 0x80000000;
}
