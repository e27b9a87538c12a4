using System.Buffers.Binary;
using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.AsyncIo;

// Submission: SQEs become operations in link chains. A chain runs one operation at a time; an operation that
// must wait (readiness, a timer) is in flight and resumes its chain when it finishes.
public sealed partial class IoUringContext
{
    public const byte OpNop = 0, OpReadv = 1, OpWritev = 2, OpFsync = 3, OpReadFixed = 4, OpWriteFixed = 5, OpPollAdd = 6,
        OpPollRemove = 7, OpTimeout = 11, OpTimeoutRemove = 12, OpAsyncCancel = 14, OpRead = 22, OpWrite = 23;
    /// <summary>IORING_OP_LAST of Linux 6.1: opcodes at or past it are unknown (EINVAL).</summary>
    public const byte OpLast = 48;

    private const byte SqeFixedFile = 1, SqeIoDrain = 2, SqeIoLink = 4, SqeIoHardlink = 8, SqeAsync = 16, SqeBufferSelect = 32,
        SqeCqeSkipSuccess = 64;
    private const byte SqeCommon = SqeFixedFile | SqeIoLink | SqeIoHardlink | SqeAsync;
    private const byte SqeValid = SqeCommon | SqeIoDrain | SqeBufferSelect | SqeCqeSkipSuccess;

    /// <summary>RWF_* flags a read or write may carry (RWF_SUPPORTED).</summary>
    private const uint RwfHipri = 1, RwfDsync = 2, RwfSync = 4, RwfNowait = 8, RwfAppend = 16, RwfNoAppend = 32, RwfAtomic = 64, RwfDontCache = 128;
    private const uint RwfSupported = RwfHipri | RwfDsync | RwfSync | RwfNowait | RwfAppend | RwfNoAppend | RwfAtomic | RwfDontCache;
    private const uint FsyncDatasync = 1;
    private const uint NopInjectResult = 1;
    private const uint PollAddMulti = 1, PollUpdateEvents = 2, PollUpdateUserData = 4;
    private const uint TimeoutAbs = 1, TimeoutUpdate = 2, TimeoutBoottime = 4, TimeoutRealtime = 8, TimeoutLinkUpdate = 16,
        TimeoutEtimeSuccess = 32, TimeoutMultishot = 64;
    private const uint CancelAll = 1, CancelFd = 2, CancelAny = 4, CancelFdFixed = 8, CancelUserData = 16, CancelOp = 32;
    private const int PollUnmask = Poll.Err | Poll.Hup | Poll.Nval | Poll.RdHup;

    public static bool IsSupported(byte op) => op is OpNop or OpReadv or OpWritev or OpFsync or OpReadFixed or OpWriteFixed
        or OpPollAdd or OpPollRemove or OpTimeout or OpTimeoutRemove or OpAsyncCancel or OpRead or OpWrite;

    private static bool IsReadWrite(byte op) => op is OpRead or OpWrite or OpReadv or OpWritev or OpReadFixed or OpWriteFixed;

    /// <summary>One SQE, copied at submission (IORING_FEAT_SUBMIT_STABLE), and its progress.</summary>
    private sealed class UringOp(KernelProcess process, ReadOnlySpan<byte> sqe)
    {
        public KernelProcess Process { get; } = process;
        public byte Opcode { get; } = sqe[0];
        public byte SqeFlags { get; } = sqe[1];
        public ushort Ioprio { get; } = BinaryPrimitives.ReadUInt16LittleEndian(sqe[2..]);
        public int Fd { get; } = BinaryPrimitives.ReadInt32LittleEndian(sqe[4..]);
        public ulong Off { get; } = BinaryPrimitives.ReadUInt64LittleEndian(sqe[8..]);
        public ulong Addr { get; } = BinaryPrimitives.ReadUInt64LittleEndian(sqe[16..]);
        public uint Len { get; } = BinaryPrimitives.ReadUInt32LittleEndian(sqe[24..]);
        public uint OpFlags { get; } = BinaryPrimitives.ReadUInt32LittleEndian(sqe[28..]);
        public ulong UserData { get; } = BinaryPrimitives.ReadUInt64LittleEndian(sqe[32..]);
        public ushort BufIndex { get; } = BinaryPrimitives.ReadUInt16LittleEndian(sqe[40..]);
        public ushort Personality { get; } = BinaryPrimitives.ReadUInt16LittleEndian(sqe[42..]);
        public int SpliceFdIn { get; } = BinaryPrimitives.ReadInt32LittleEndian(sqe[44..]);
        public ulong Addr3 { get; } = BinaryPrimitives.ReadUInt64LittleEndian(sqe[48..]);

        public Chain? Chain { get; set; }
        public int InitError { get; set; }
        public bool Issuing { get; set; }
        public bool Done { get; set; }
        public bool Failed { get; set; }
        public OpenFile? File { get; set; }
        public IDisposable? Watch { get; set; }
        public ICancelable? Timer { get; set; }
        public (ulong Base, ulong Length)[] Vecs { get; set; } = [];
        public ulong Expected { get; set; }
        public long Progress { get; set; }
        public int PollEvents { get; set; }
        public TimeSpan Delay { get; set; }
        public long Target { get; set; }

        public bool Links => (SqeFlags & (SqeIoLink | SqeIoHardlink)) != 0;
        public bool Write => Opcode is OpWrite or OpWritev or OpWriteFixed;

        /// <summary>Lets go of what the operation held: its wait, its timer, its file.</summary>
        public void Cleanup()
        {
            Watch?.Dispose();
            Watch = null;
            Timer?.Cancel();
            Timer = null;
            File?.DropReference();
            File = null;
        }
    }

    /// <summary>SQEs joined by IOSQE_IO_LINK: run in order, a failure cancels the rest (not after a HARDLINK).</summary>
    private sealed class Chain
    {
        public List<UringOp> Ops { get; } = [];
        public int Next { get; set; }
        public bool InitFailed { get; set; }
        public bool Drained { get; set; }
    }

    /// <summary>
    /// Consumes up to <paramref name="toSubmit"/> SQEs (io_submit_sqes) and returns how many were consumed. An SQE
    /// that fails its checks is completed with its errno and ends the submission (unless IORING_SETUP_SUBMIT_ALL).
    /// </summary>
    public long Submit(KernelProcess process, uint toSubmit)
    {
        lock (_lock)
        {
            if (_closed) return -(long)Errno.EBADF;
            var available = Pages.ReadU32(SqTail) - _sqHead;
            var entries = Math.Min(toSubmit, Math.Min(available, SqEntries));
            long submitted = 0;
            Chain? link = null;
            for (var i = 0; i < entries; i++)
            {
                var slot = _sqHead & (SqEntries - 1);
                _sqHead++;
                if ((Flags & SetupNoSqArray) == 0)
                {
                    slot = Pages.ReadU32(_arrayOffset + 4 * slot);
                    if (slot >= SqEntries)
                    {
                        Pages.WriteU32(SqDropped, Pages.ReadU32(SqDropped) + 1);
                        break;
                    }
                }
                var op = new UringOp(process, Pages.Span(SqesOffset + (ulong)SqeSize * slot, SqeSize));
                submitted++;
                link ??= new Chain();
                link.Ops.Add(op);
                op.Chain = link;
                op.InitError = Prepare(op);
                if (op.InitError != 0) link.InitFailed = true;
                if (op.Links) continue;
                Queue(link);
                link = null;
                if (op.InitError != 0 && (Flags & SetupSubmitAll) == 0) break;
            }
            if (link is not null) Queue(link); // a chain still open at the end runs as it is
            Pages.WriteU32(SqHead, _sqHead);
            AfterCompletions(inline: true);
            return submitted;
        }
    }

    private void Queue(Chain chain)
    {
        if (chain.InitFailed)
        {
            // Nothing of a chain with a bad SQE runs: that one gets its errno, the others ECANCELED.
            foreach (var op in chain.Ops)
            {
                op.Failed = true;
                PostResult(op, op.InitError != 0 ? -op.InitError : -(int)Errno.ECANCELED, true);
            }
            return;
        }
        if (_deferred.Count > 0 || _drainedRunning > 0 || (chain.Ops[0].SqeFlags & SqeIoDrain) != 0)
        {
            _deferred.Enqueue(chain);
            RunDeferred();
            return;
        }
        Start(chain);
    }

    /// <summary>IOSQE_IO_DRAIN: a drained chain starts when nothing else runs, and what follows waits for it.</summary>
    private void RunDeferred()
    {
        while (_deferred.Count > 0 && _runningChains == 0)
        {
            var chain = _deferred.Dequeue();
            chain.Drained = true;
            _drainedRunning++;
            Start(chain);
        }
    }

    private void Start(Chain chain)
    {
        _runningChains++;
        Advance(chain);
    }

    /// <summary>Issues the chain's operations in turn until one has to wait or the chain ends.</summary>
    private void Advance(Chain chain)
    {
        while (chain.Next < chain.Ops.Count)
        {
            var op = chain.Ops[chain.Next];
            op.Issuing = true;
            Issue(op);
            op.Issuing = false;
            if (!op.Done)
            {
                _inflight.Add(op);
                return;
            }
            if (!Step(chain, op)) return;
        }
        End(chain);
    }

    /// <summary>After <paramref name="op"/> finished: false when its failure cancelled the rest of the chain.</summary>
    private bool Step(Chain chain, UringOp op)
    {
        chain.Next++;
        if (!op.Failed || (op.SqeFlags & SqeIoHardlink) != 0 || chain.Next >= chain.Ops.Count) return true;
        for (; chain.Next < chain.Ops.Count; chain.Next++)
        {
            var rest = chain.Ops[chain.Next];
            rest.Failed = true;
            PostResult(rest, -(int)Errno.ECANCELED, true);
        }
        End(chain);
        return false;
    }

    private void End(Chain chain)
    {
        _runningChains--;
        if (chain.Drained) _drainedRunning--;
        RunDeferred();
    }

    /// <summary>
    /// Completes an operation: its CQE (unless IOSQE_CQE_SKIP_SUCCESS and it succeeded), the count timeouts that
    /// reach their count, and, when it finished after waiting, the rest of its chain.
    /// </summary>
    private void Finish(UringOp op, long result, bool countsInSequence = true, bool? failed = null)
    {
        if (op.Done) return;
        op.Done = true;
        _inflight.Remove(op);
        op.Cleanup();
        // A short read or write breaks a link as an error does.
        op.Failed = failed ?? (result < 0 || (IsReadWrite(op.Opcode) && (ulong)result != op.Expected));
        PostResult(op, (int)result, countsInSequence);
        if (!op.Issuing && op.Chain is { } chain && Step(chain, op)) Advance(chain);
    }

    private void PostResult(UringOp op, int result, bool countsInSequence)
    {
        if ((op.SqeFlags & SqeCqeSkipSuccess) != 0 && !op.Failed) return;
        Post(op.UserData, result, 0);
        if (!countsInSequence) return;
        _sequence++;
        foreach (var t in _inflight.ToArray())
        {
            if (t.Opcode == OpTimeout && t.Target > 0 && _sequence >= t.Target) Finish(t, 0, countsInSequence: false);
        }
    }

    /// <summary>Resumes an operation that waited, on the VFS actor, when its file may have become ready.</summary>
    private void Retry(UringOp op)
    {
        if (op.Done) return;
        if (op.Process.IsExiting)
        {
            Finish(op, -(long)Errno.ECANCELED);
            return;
        }
        if (op.Opcode == OpPollAdd) TryPoll(op);
        else TryReadWrite(op);
    }

    /// <summary>Subscribes a waiting operation to its file's changes; false when the file never changes.</summary>
    private bool Arm(UringOp op)
    {
        if (op.Watch is not null) return true;
        var interest = op.Opcode == OpPollAdd ? op.PollEvents : op.Write ? Poll.WriteWait : Poll.ReadWait;
        op.Watch = Readiness.Watch(op.File!, interest, _ => _host.Post(() => Run(() => Retry(op))));
        return op.Watch is not null;
    }
}
