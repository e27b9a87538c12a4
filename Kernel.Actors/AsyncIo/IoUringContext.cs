using System.Buffers.Binary;
using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.AsyncIo;

/// <summary>
/// One io_uring instance (io_uring/io_uring.c): the rings and SQEs in kernel-owned pages that the guest maps, the
/// submission of SQEs in link chains, the completion side (CQEs, the overflow list of IORING_FEAT_NODROP, count
/// timeouts) and the callers parked in io_uring_enter waiting for completions. Work runs on the VFS actor; a lock
/// guards against the teardown, which may come from any thread (the last munmap or close).
/// </summary>
public sealed partial class IoUringContext
{
    public const uint SetupIoPoll = 1, SetupSqPoll = 2, SetupSqAff = 4, SetupCqSize = 8, SetupClamp = 16, SetupAttachWq = 32,
        SetupRDisabled = 64, SetupSubmitAll = 128, SetupCoopTaskrun = 256, SetupTaskrunFlag = 512, SetupSqe128 = 1024,
        SetupCqe32 = 2048, SetupSingleIssuer = 4096, SetupDeferTaskrun = 8192, SetupNoMmap = 16384,
        SetupRegisteredFdOnly = 32768, SetupNoSqArray = 65536, SetupHybridIoPoll = 1 << 17, SetupCqeMixed = 1 << 18,
        SetupSqeMixed = 1 << 19;
    private const uint KnownSetupFlags = (1u << 20) - 1;
    private const uint SupportedSetupFlags = SetupCqSize | SetupClamp | SetupSubmitAll | SetupCoopTaskrun | SetupTaskrunFlag |
        SetupSingleIssuer | SetupDeferTaskrun | SetupNoSqArray;
    public const uint MaxEntries = 32768, MaxCqEntries = 65536;

    /// <summary>IORING_FEAT_*: SINGLE_MMAP, NODROP, SUBMIT_STABLE, RW_CUR_POS, CUR_PERSONALITY, FAST_POLL, POLL_32BITS, EXT_ARG.</summary>
    public const uint Features = 1 | 2 | 4 | 8 | 16 | 32 | 64 | 256;

    /// <summary>mmap offsets (IORING_OFF_*) and the mask that selects among them.</summary>
    public const ulong OffSqRing = 0, OffCqRing = 0x8000000, OffSqes = 0x10000000, OffMmapMask = 0xf8000000;

    // struct io_rings as Linux lays it out (both head/tail pairs first, the CQEs on the next cache line).
    private const ulong SqHead = 0, SqTail = 4, CqHead = 8, CqTail = 12, SqRingMask = 16, CqRingMask = 20, SqRingEntries = 24,
        CqRingEntries = 28, SqDropped = 32, SqFlags = 36, CqFlags = 40, CqOverflow = 44, Cqes = 64;
    private const uint SqCqOverflow = 2, CqEventFdDisabled = 1;
    private const int CqeSize = 16, SqeSize = 64;
    /// <summary>How many CQEs the overflow list keeps before it drops (NODROP holds while memory allows).</summary>
    private const int OverflowLimit = 1 << 16;

    private readonly object _lock = new();
    private readonly IAsyncIoHost _host;
    private readonly ulong _arrayOffset;
    private uint _sqHead;   // the kernel's SQ head (cached_sq_head)
    private uint _cqTail;   // the kernel's CQ tail (cached_cq_tail)
    private long _sequence; // CQEs posted, less the timeouts that expired or reached their count
    private bool _dropped;  // a CQE was lost: the next GETEVENTS says EBADR
    private bool _closed;
    private bool _drainDisabled;
    private readonly Queue<(ulong UserData, int Result, uint Flags)> _overflow = new();
    private readonly List<UringOp> _inflight = [];
    private readonly Queue<Chain> _deferred = new();
    private int _runningChains;
    private int _drainedRunning;
    private readonly List<EnterWaiter> _waiters = [];
    private OpenFile?[]? _files;
    private EventFdFile? _eventFd;   // IORING_REGISTER_EVENTFD
    private bool _eventFdAsync;      // IORING_REGISTER_EVENTFD_ASYNC: only completions that did not happen inline
    private uint _signalledTail;
    private (ulong Address, ulong Length)[]? _buffers;

    private IoUringContext(IAsyncIoHost host, uint sqEntries, uint cqEntries, uint flags)
    {
        _host = host;
        SqEntries = sqEntries;
        CqEntries = cqEntries;
        Flags = flags;
        var cqEnd = (Cqes + (ulong)CqeSize * cqEntries + 63) & ~63UL;
        _arrayOffset = (flags & SetupNoSqArray) != 0 ? 0 : cqEnd;
        RingsSize = Mm.AddressSpace.PageUp((flags & SetupNoSqArray) != 0 ? cqEnd : cqEnd + 4UL * sqEntries);
        SqesSize = Mm.AddressSpace.PageUp((ulong)SqeSize * sqEntries);
        Pages = new SharedPages(RingsSize + SqesSize, "[io_uring]");
        Pages.WriteU32(SqRingMask, sqEntries - 1);
        Pages.WriteU32(CqRingMask, cqEntries - 1);
        Pages.WriteU32(SqRingEntries, sqEntries);
        Pages.WriteU32(CqRingEntries, cqEntries);
    }

    public uint SqEntries { get; }
    public uint CqEntries { get; }
    public uint Flags { get; }
    public SharedPages Pages { get; }
    public ulong RingsSize { get; }
    public ulong SqesSize { get; }
    public ulong SqesOffset => RingsSize;

    /// <summary>
    /// io_uring_setup's checks and sizes (io_uring_sanitise_params, io_uring_fill_params): on success
    /// <paramref name="p"/> (struct io_uring_params) holds what goes back to the caller.
    /// </summary>
    public static long Create(IAsyncIoHost host, uint entries, byte[] p, out IoUringContext? ring)
    {
        ring = null;
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(8));
        if ((flags & ~KnownSetupFlags) != 0) return -(long)Errno.EINVAL;
        if ((flags & SetupRegisteredFdOnly) != 0 && (flags & SetupNoMmap) == 0) return -(long)Errno.EINVAL;
        if ((flags & SetupSqPoll) != 0 && (flags & (SetupCoopTaskrun | SetupTaskrunFlag | SetupDeferTaskrun)) != 0) return -(long)Errno.EINVAL;
        if ((flags & SetupTaskrunFlag) != 0 && (flags & (SetupCoopTaskrun | SetupDeferTaskrun)) == 0) return -(long)Errno.EINVAL;
        if ((flags & SetupHybridIoPoll) != 0 && (flags & SetupIoPoll) == 0) return -(long)Errno.EINVAL;
        if ((flags & SetupDeferTaskrun) != 0 && (flags & SetupSingleIssuer) == 0) return -(long)Errno.EINVAL;
        if ((flags & (SetupCqe32 | SetupCqeMixed)) == (SetupCqe32 | SetupCqeMixed)) return -(long)Errno.EINVAL;
        if ((flags & (SetupSqe128 | SetupSqeMixed)) == (SetupSqe128 | SetupSqeMixed)) return -(long)Errno.EINVAL;
        // Flags Linux knows but this kernel does not implement (a polling thread, other ring formats, user memory).
        if ((flags & ~SupportedSetupFlags) != 0) return -(long)Errno.EINVAL;

        if (entries == 0) return -(long)Errno.EINVAL;
        if (entries > MaxEntries)
        {
            if ((flags & SetupClamp) == 0) return -(long)Errno.EINVAL;
            entries = MaxEntries;
        }
        var sq = System.Numerics.BitOperations.RoundUpToPowerOf2(entries);
        uint cq;
        if ((flags & SetupCqSize) != 0)
        {
            cq = BinaryPrimitives.ReadUInt32LittleEndian(p.AsSpan(4));
            if (cq == 0) return -(long)Errno.EINVAL;
            if (cq > MaxCqEntries)
            {
                if ((flags & SetupClamp) == 0) return -(long)Errno.EINVAL;
                cq = MaxCqEntries;
            }
            cq = System.Numerics.BitOperations.RoundUpToPowerOf2(cq);
            if (cq < sq) return -(long)Errno.EINVAL;
        }
        else
        {
            cq = 2 * sq;
        }
        ring = new IoUringContext(host, sq, cq, flags);
        var s = p.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(s, sq);
        BinaryPrimitives.WriteUInt32LittleEndian(s[4..], cq);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], Features);
        // struct io_sqring_offsets at 40, struct io_cqring_offsets at 80.
        WriteOffsets(s[40..], (uint)SqHead, (uint)SqTail, (uint)SqRingMask, (uint)SqRingEntries, (uint)SqFlags, (uint)SqDropped);
        if ((flags & SetupNoSqArray) == 0) BinaryPrimitives.WriteUInt32LittleEndian(s[64..], (uint)ring._arrayOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(s[68..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(s[72..], 0);
        WriteOffsets(s[80..], (uint)CqHead, (uint)CqTail, (uint)CqRingMask, (uint)CqRingEntries, (uint)CqOverflow, (uint)Cqes);
        BinaryPrimitives.WriteUInt32LittleEndian(s[104..], (uint)CqFlags);
        BinaryPrimitives.WriteUInt32LittleEndian(s[108..], 0);
        BinaryPrimitives.WriteUInt64LittleEndian(s[112..], 0);
        return 0;
    }

    private static void WriteOffsets(Span<byte> s, params ReadOnlySpan<uint> values)
    {
        for (var i = 0; i < values.Length; i++) BinaryPrimitives.WriteUInt32LittleEndian(s[(4 * i)..], values[i]);
    }

    /// <summary>CQEs the guest has not reaped yet.</summary>
    private uint Ready => Pages.ReadU32(CqTail) - Pages.ReadU32(CqHead);

    private uint CqFree => CqEntries - Math.Min(_cqTail - Pages.ReadU32(CqHead), CqEntries);

    // ---- completions ----

    /// <summary>Posts a CQE, or keeps it in order on the overflow list while the ring is full.</summary>
    private void Post(ulong userData, int result, uint flags)
    {
        if (_overflow.Count > 0 || CqFree == 0)
        {
            if (_overflow.Count >= OverflowLimit)
            {
                Pages.WriteU32(CqOverflow, Pages.ReadU32(CqOverflow) + 1);
                _dropped = true;
                return;
            }
            _overflow.Enqueue((userData, result, flags));
            Pages.WriteU32(SqFlags, Pages.ReadU32(SqFlags) | SqCqOverflow);
            return;
        }
        Write(userData, result, flags);
    }

    private void Write(ulong userData, int result, uint flags)
    {
        var cqe = Pages.Span(Cqes + (ulong)CqeSize * (_cqTail & (CqEntries - 1)), CqeSize);
        BinaryPrimitives.WriteUInt64LittleEndian(cqe, userData);
        BinaryPrimitives.WriteInt32LittleEndian(cqe[8..], result);
        BinaryPrimitives.WriteUInt32LittleEndian(cqe[12..], flags);
        _cqTail++;
        Pages.WriteU32(CqTail, _cqTail); // after the entry: the guest reads the tail with acquire semantics
    }

    /// <summary>Moves overflowed CQEs into the ring as far as there is room.</summary>
    private void FlushOverflow()
    {
        while (_overflow.Count > 0 && CqFree > 0)
        {
            var (u, r, f) = _overflow.Dequeue();
            Write(u, r, f);
        }
        if (_overflow.Count == 0) Pages.WriteU32(SqFlags, Pages.ReadU32(SqFlags) & ~SqCqOverflow);
    }

    // ---- waiting in io_uring_enter ----

    /// <summary>A caller of io_uring_enter waiting for <see cref="Min"/> CQEs; it holds a reference on the ring's file.</summary>
    private sealed class EnterWaiter(IActorRef sender, uint min, long submitted, OpenFile file)
    {
        public IActorRef Sender { get; } = sender;
        public uint Min { get; } = min;
        public long Submitted { get; } = submitted;
        public OpenFile File { get; } = file;
        public ICancelable? Timer { get; set; }
    }

    /// <summary>
    /// io_cqring_wait: answers at once when <paramref name="min"/> CQEs are ready (null reply: parked), else parks
    /// the caller until they are or <paramref name="timeout"/> passes (then ETIME if the ring is still empty).
    /// </summary>
    public long? Wait(IActorRef sender, OpenFile file, uint min, long submitted, TimeSpan? timeout)
    {
        lock (_lock)
        {
            if (_closed) return -(long)Errno.EBADF;
            min = Math.Min(min, CqEntries);
            FlushOverflow();
            if (_dropped)
            {
                _dropped = false;
                return submitted > 0 ? submitted : -(long)Errno.EBADR;
            }
            if (Ready >= min) return submitted;
            if (timeout == TimeSpan.Zero) return submitted > 0 ? submitted : -(long)Errno.ETIME;
            file.AddReference();
            var w = new EnterWaiter(sender, min, submitted, file);
            _waiters.Add(w);
            if (timeout is { } t) w.Timer = _host.Schedule(t, () => TimedOut(w));
            return null;
        }
    }

    private void TimedOut(EnterWaiter w)
    {
        lock (_lock)
        {
            if (!_waiters.Remove(w)) return;
            var empty = Ready == 0;
            Answer(w, w.Submitted > 0 ? w.Submitted : empty ? -(long)Errno.ETIME : 0);
        }
    }

    /// <summary>Answers the waiters whose CQEs are there (after any work that may have posted some).</summary>
    private void WakeWaiters()
    {
        if (_waiters.Count == 0) return;
        FlushOverflow();
        foreach (var w in _waiters.ToArray())
        {
            if (Ready < w.Min) continue;
            _waiters.Remove(w);
            Answer(w, w.Submitted);
        }
    }

    private static void Answer(EnterWaiter w, long value)
    {
        w.Timer?.Cancel();
        w.Sender.Tell(value < 0 ? new Kernel.Syscalls.Protocol.Failed((Errno)(-value)) : new Kernel.Syscalls.Protocol.Done(value));
        w.File.DropReference();
    }

    // ---- teardown ----

    /// <summary>
    /// The last descriptor and the last mapping are gone: what is in flight is cancelled without CQEs (nobody can
    /// see them), registered files are released and the kernel's view of the pages goes.
    /// </summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_closed) return;
            _closed = true;
            foreach (var op in _inflight.ToArray()) op.Cleanup();
            _inflight.Clear();
            _deferred.Clear();
            UnregisterFiles();
            _buffers = null;
            _eventFd?.DropReference();
            _eventFd = null;
            Pages.Dispose();
        }
    }

    /// <summary>Runs <paramref name="work"/> under the ring's lock unless the ring is gone, then wakes waiters.</summary>
    private void Run(Action work)
    {
        lock (_lock)
        {
            if (_closed) return;
            work();
            AfterCompletions(inline: false);
        }
    }

    /// <summary>
    /// The end of a batch of work: waiters look at the CQ ring, and a registered eventfd is signalled once if CQEs
    /// came since the last signal (as Linux signals per flush), unless the guest set IORING_CQ_EVENTFD_DISABLED.
    /// </summary>
    private void AfterCompletions(bool inline)
    {
        WakeWaiters();
        if (_eventFd is null || _cqTail == _signalledTail || (inline && _eventFdAsync)) return;
        if ((Pages.ReadU32(CqFlags) & CqEventFdDisabled) != 0) return;
        _signalledTail = _cqTail;
        _eventFd.Signal();
    }
}
