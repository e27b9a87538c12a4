namespace Kernel.Syscalls.Abi;

/// <summary>Readiness bits: poll(2) revents, epoll event masks and the keys of readiness notifications (same values).</summary>
public static class Poll
{
    public const int In = 0x1;
    public const int Pri = 0x2;
    public const int Out = 0x4;
    public const int Err = 0x8;
    public const int Hup = 0x10;
    public const int Nval = 0x20;
    public const int RdNorm = 0x40;
    public const int RdBand = 0x80;
    public const int WrNorm = 0x100;
    public const int WrBand = 0x200;
    public const int Msg = 0x400;
    public const int RdHup = 0x2000;

    /// <summary>What a file without a poll operation reports (Linux's DEFAULT_POLLMASK).</summary>
    public const int DefaultMask = In | Out | RdNorm | WrNorm;
    /// <summary>Data can be read.</summary>
    public const int Readable = In | RdNorm;
    /// <summary>Data can be written.</summary>
    public const int Writable = Out | WrNorm;
    /// <summary>What a blocked reader waits for: data, end of file or an error.</summary>
    public const int ReadWait = In | RdNorm | RdHup | Hup | Err;
    /// <summary>What a blocked writer waits for: room, or an error.</summary>
    public const int WriteWait = Out | WrNorm | Hup | Err;

    /// <summary>select's sets: which revents make a descriptor ready in the read, write and exception sets.</summary>
    public const int SelectIn = RdNorm | RdBand | In | Hup | Err | Nval;
    public const int SelectOut = WrBand | WrNorm | Out | Err | Nval;
    public const int SelectEx = Pri | Nval;

    // epoll-only bits.
    public const uint EpollExclusive = 1u << 28;
    public const uint EpollWakeup = 1u << 29;
    public const uint EpollOneShot = 1u << 30;
    public const uint EpollEt = 1u << 31;
    /// <summary>Bits that are flags of the registration, not events (EP_PRIVATE_BITS).</summary>
    public const uint EpollPrivateBits = EpollWakeup | EpollOneShot | EpollEt | EpollExclusive;
    /// <summary>What an EPOLLEXCLUSIVE registration may ask for (EPOLLEXCLUSIVE_OK_BITS).</summary>
    public const uint EpollExclusiveOk = (uint)(In | Out | Err | Hup) | EpollWakeup | EpollEt | EpollExclusive;
}
