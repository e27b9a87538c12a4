using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Akka.Actor;
using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Platform;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors.AsyncIo;

/// <summary>
/// The AIO contexts of one address space (Linux's mm->ioctx_table): created by io_setup in the MM actor, used by
/// the other calls in the VFS actor, killed with the address space (exit, exec) or by io_destroy.
/// </summary>
public sealed class AioTable
{
    private static readonly ConditionalWeakTable<AddressSpace, AioTable> Tables = new();
    private static readonly ConditionalWeakTable<Sandbox, StrongBox<ulong>> SystemEvents = new();

    /// <summary>fs.aio-max-nr: the events all contexts of a sandbox may ask for together.</summary>
    public const ulong AioMaxNr = 0x10000;

    private readonly object _lock = new();
    private readonly Dictionary<ulong, AioContext> _contexts = new();

    public static AioTable For(AddressSpace mm) => Tables.GetValue(mm, m =>
    {
        var t = new AioTable();
        m.Disposing += _ => t.KillAll();
        return t;
    });

    public static AioTable? Find(AddressSpace mm) => Tables.TryGetValue(mm, out var t) ? t : null;

    public AioContext? Get(ulong id)
    {
        lock (_lock) return _contexts.GetValueOrDefault(id);
    }

    /// <summary>
    /// ioctx_alloc's sizing and limits, for a system of one CPU: EINVAL for a ring past 256 MiB of events, EAGAIN past
    /// aio-max-nr. On success the caller maps <see cref="AioContext.Ring"/> and calls <see cref="Add"/>.
    /// </summary>
    public static long Size(uint nrEvents, out uint ringEvents, out ulong mapLength)
    {
        ringEvents = 0;
        mapLength = 0;
        var maxReqs = nrEvents;
        var n = unchecked(Math.Max(nrEvents, 4u) * 2);
        if (n > 0x10000000u / AioContext.EventSize) return -(long)Errno.EINVAL;
        if (n == 0 || maxReqs > AioMaxNr) return -(long)Errno.EAGAIN;
        // aio_setup_ring: room for two more events (head/tail overlap), rounded up to whole pages.
        mapLength = AddressSpace.PageUp(AioContext.HeaderSize + (ulong)AioContext.EventSize * (n + 2));
        ringEvents = (uint)((mapLength - AioContext.HeaderSize) / AioContext.EventSize);
        return 0;
    }

    /// <summary>Counts the context against aio-max-nr (EAGAIN past it) and makes it known by its id.</summary>
    public long Add(Sandbox sandbox, AioContext ctx)
    {
        var total = SystemEvents.GetValue(sandbox, _ => new StrongBox<ulong>());
        lock (total)
        {
            if (total.Value + ctx.MaxReqs > AioMaxNr) return -(long)Errno.EAGAIN;
            total.Value += ctx.MaxReqs;
        }
        ctx.Released = () =>
        {
            lock (total) total.Value -= ctx.MaxReqs;
        };
        lock (_lock)
        {
            // struct aio_ring's id is the context's index in the table: the lowest free one.
            var index = 0u;
            while (_contexts.Values.Any(c => c.Index == index)) index++;
            ctx.Index = index;
            _contexts[ctx.Id] = ctx;
        }
        return 0;
    }

    /// <summary>io_destroy: the context leaves the table (EINVAL if it is not there) and is killed.</summary>
    public long Destroy(ulong id, out ulong mapLength)
    {
        mapLength = 0;
        AioContext? ctx;
        lock (_lock)
        {
            if (!_contexts.Remove(id, out ctx)) return -(long)Errno.EINVAL;
        }
        mapLength = ctx.MapLength;
        ctx.Kill();
        return 0;
    }

    private void KillAll()
    {
        AioContext[] all;
        lock (_lock)
        {
            all = [.. _contexts.Values];
            _contexts.Clear();
        }
        foreach (var c in all) c.Kill();
    }
}

/// <summary>
/// One AIO context (struct kioctx): the completion ring (struct aio_ring and its io_events, in pages the process
/// maps at <see cref="Id"/>), the slots that keep the ring from overflowing, the requests that wait (polls, and
/// pipe reads or writes that cannot complete yet) and the callers parked in io_getevents.
/// </summary>
public sealed class AioContext
{
    public const int HeaderSize = 32, EventSize = 32;
    public const uint RingMagic = 0xa10a10a1;
    private const ulong RingId = 0, RingNr = 4, RingHead = 8, RingTail = 12, RingMagicOffset = 16, RingCompat = 20,
        RingIncompat = 24, RingHeaderLength = 28;
    public const ushort CmdPread = 0, CmdPwrite = 1, CmdFsync = 2, CmdFdsync = 3, CmdPoll = 5, CmdNoop = 6, CmdPreadv = 7, CmdPwritev = 8;
    private const uint FlagResfd = 1, FlagIoprio = 2;
    private const uint RwfSupported = 0xff, RwfAppend = 0x10;

    private readonly object _lock = new();
    private uint _tail;
    private int _available;
    private uint _completed;
    private bool _dead;
    private readonly List<AioRequest> _active = [];
    private readonly List<Waiter> _waiters = [];

    public AioContext(ulong id, uint ringEvents, uint maxReqs, ulong mapLength, SharedPages ring)
    {
        Id = id;
        Nr = ringEvents;
        MaxReqs = maxReqs;
        MapLength = mapLength;
        Ring = ring;
        _available = (int)ringEvents - 1;
        ring.WriteU32(RingNr, ringEvents);
        ring.WriteU32(RingMagicOffset, RingMagic);
        ring.WriteU32(RingCompat, 1);
        ring.WriteU32(RingIncompat, 0);
        ring.WriteU32(RingHeaderLength, HeaderSize);
    }

    /// <summary>The context id: the address of the ring in the process.</summary>
    public ulong Id { get; }
    /// <summary>Events the ring holds (struct aio_ring's nr).</summary>
    public uint Nr { get; }
    /// <summary>What io_setup asked for, counted against aio-max-nr.</summary>
    public uint MaxReqs { get; }
    public ulong MapLength { get; }
    public SharedPages Ring { get; }
    internal Action? Released { get; set; }

    /// <summary>The context's index in its table, which the ring shows as its id.</summary>
    public uint Index
    {
        get;
        internal set
        {
            field = value;
            Ring.WriteU32(RingId, value);
        }
    }

    /// <summary>The VFS actor, where the context's waits and timers run (it sets this before each use).</summary>
    public IAsyncIoHost? Host { get; set; }

    private IAsyncIoHost H => Host ?? throw new InvalidOperationException("AIO context used outside the VFS actor");

    /// <summary>A request that has not completed (a poll, or a read or write of a pipe that waits).</summary>
    private sealed class AioRequest(ulong obj, ulong data, OpenFile file, KernelProcess process)
    {
        public ulong Obj { get; } = obj;
        public ulong Data { get; } = data;
        public OpenFile File { get; } = file;
        public KernelProcess Process { get; } = process;
        public ushort Opcode { get; init; }
        public int Events { get; init; }
        public (ulong Base, ulong Length)[] Vecs { get; init; } = [];
        public long Offset { get; init; }
        public EventFdFile? Notify { get; init; }
        public IDisposable? Watch { get; set; }
        public bool Done { get; set; }
    }

    private sealed class Waiter(IActorRef sender, long minNr, long nr, ulong events, IGuestMemory mem, object? key)
    {
        public IActorRef Sender { get; } = sender;
        /// <summary>The request that waits (what a signal's interruption names).</summary>
        public object? Key { get; } = key;
        public long MinNr { get; } = minNr;
        public long Nr { get; } = nr;
        public ulong Events { get; } = events;
        public IGuestMemory Memory { get; } = mem;
        public long Got { get; set; }
        public ICancelable? Timer { get; set; }
    }

    // ---- submission ----

    /// <summary>io_submit_one for the iocb at <paramref name="address"/>: 0 when it was accepted, else -errno.</summary>
    public long Submit(KernelProcess process, ulong address)
    {
        var mem = process.Mm;
        var iocb = new byte[64];
        if (mem.Read(address, iocb) != Errno.None) return -(long)Errno.EFAULT;
        var s = iocb.AsSpan();
        var data = BinaryPrimitives.ReadUInt64LittleEndian(s);
        var rwFlags = BinaryPrimitives.ReadUInt32LittleEndian(s[12..]);
        var opcode = BinaryPrimitives.ReadUInt16LittleEndian(s[16..]);
        var reqprio = BinaryPrimitives.ReadInt16LittleEndian(s[18..]);
        var fd = BinaryPrimitives.ReadInt32LittleEndian(s[20..]);
        var buf = BinaryPrimitives.ReadUInt64LittleEndian(s[24..]);
        var nbytes = BinaryPrimitives.ReadUInt64LittleEndian(s[32..]);
        var offset = BinaryPrimitives.ReadInt64LittleEndian(s[40..]);
        var reserved2 = BinaryPrimitives.ReadUInt64LittleEndian(s[48..]);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(s[56..]);
        var resfd = BinaryPrimitives.ReadInt32LittleEndian(s[60..]);
        if (reserved2 != 0 || (long)nbytes < 0) return -(long)Errno.EINVAL;
        lock (_lock)
        {
            if (_dead) return -(long)Errno.EINVAL;
            if (!TakeSlot()) return -(long)Errno.EAGAIN;
            var r = SubmitOne(process, address, data, opcode, fd, buf, nbytes, offset, rwFlags, reqprio, flags, resfd);
            if (r != 0) _available++;
            return r;
        }
    }

    private long SubmitOne(KernelProcess process, ulong address, ulong data, ushort opcode, int fd, ulong buf, ulong nbytes,
        long offset, uint rwFlags, short reqprio, uint flags, int resfd)
    {
        var file = process.Files.GetFile(fd);
        if (file is null) return -(long)Errno.EBADF;
        EventFdFile? notify = null;
        if ((flags & FlagResfd) != 0)
        {
            // eventfd_ctx_fdget: no such file, EBADF; a file that is not an eventfd, EINVAL.
            var e = process.Files.GetFile(resfd);
            if (e is null) return -(long)Errno.EBADF;
            notify = e as EventFdFile;
            if (notify is null) return -(long)Errno.EINVAL;
        }
        if (process.Mm.Write(address + 8, new byte[4]) != Errno.None) return -(long)Errno.EFAULT; // aio_key = KIOCB_KEY
        switch (opcode)
        {
            case CmdPread or CmdPwrite or CmdPreadv or CmdPwritev:
                return ReadWrite(process, file, notify, address, data, opcode, buf, nbytes, offset, rwFlags, reqprio, flags);
            case CmdFsync or CmdFdsync:
                if (buf != 0 || offset != 0 || nbytes != 0 || rwFlags != 0) return -(long)Errno.EINVAL;
                if (file.Location?.Inode is not { } node || !(node.IsRegular || node.IsDirectory)) return -(long)Errno.EINVAL;
                Complete(address, data, 0, null, notify);
                return 0;
            case CmdPoll:
                return SubmitPoll(process, file, notify, address, data, buf, nbytes, offset, rwFlags);
            default:
                return -(long)Errno.EINVAL; // IOCB_CMD_NOOP included: Linux never implemented it
        }
    }

    private long ReadWrite(KernelProcess process, OpenFile file, EventFdFile? notify, ulong address, ulong data, ushort opcode, ulong buf, ulong nbytes,
        long offset, uint rwFlags, short reqprio, uint flags)
    {
        var write = opcode is CmdPwrite or CmdPwritev;
        if ((flags & FlagIoprio) != 0 && (reqprio >> 13) is not (0 or 1 or 2 or 3)) return -(long)Errno.EINVAL;
        if ((rwFlags & ~RwfSupported) != 0) return -(long)Errno.EOPNOTSUPP;
        if (write ? !file.CanWrite : !file.CanRead) return -(long)Errno.EBADF;
        if (file is DirectoryFile) return -(long)Errno.EINVAL; // no read_iter/write_iter
        (ulong, ulong)[] vecs = [(buf, nbytes)];
        if (opcode is CmdPreadv or CmdPwritev)
        {
            var e = GuestIo.ReadIovecs(process.Mm, buf, nbytes, out vecs);
            if (e < 0) return e;
        }
        if (offset < 0) return -(long)Errno.EINVAL; // rw_verify_area
        if (write && (rwFlags & RwfAppend) != 0) offset = GuestIo.AppendOffset(file, offset);
        var r = GuestIo.Vectored(file, process.Mm, vecs, offset, write);
        if (r == -(long)Errno.EAGAIN && !file.NonBlocking)
        {
            // A blocking pipe that is not ready: Linux would block io_submit; the request completes later instead.
            var req = new AioRequest(address, data, file, process) { Opcode = opcode, Vecs = vecs, Offset = offset, Notify = notify };
            if (Wait(req)) return 0;
        }
        Complete(address, data, r, null, notify);
        return 0;
    }

    private long SubmitPoll(KernelProcess process, OpenFile file, EventFdFile? notify, ulong address, ulong data, ulong buf, ulong nbytes, long offset, uint rwFlags)
    {
        if ((ushort)buf != buf) return -(long)Errno.EINVAL;
        if (offset != 0 || nbytes != 0 || rwFlags != 0) return -(long)Errno.EINVAL;
        var events = (int)buf | Poll.Err | Poll.Hup;
        var mask = file.PollEvents() & events;
        if (mask != 0)
        {
            Complete(address, data, mask, null, notify);
            return 0;
        }
        var req = new AioRequest(address, data, file, process) { Opcode = CmdPoll, Events = events, Notify = notify };
        // A file without a poll operation never becomes ready: EINVAL, "same as no support for IOCB_CMD_POLL".
        return Wait(req) ? 0 : -(long)Errno.EINVAL;
    }

    /// <summary>Parks a request until its file changes; false when the file never does.</summary>
    private bool Wait(AioRequest req)
    {
        var interest = req.Opcode == CmdPoll ? req.Events : req.Opcode is CmdPwrite or CmdPwritev ? Poll.WriteWait : Poll.ReadWait;
        req.Watch = Readiness.Watch(req.File, interest, key => H.Post(() => Retry(req, key)));
        if (req.Watch is null) return false;
        req.File.AddReference();
        req.Notify?.AddReference();
        _active.Add(req);
        Retry(req, 0); // a change between the attempt and the subscription is not lost (checked now, as aio_poll does)
        return true;
    }

    /// <summary>A waiting request looks again after a notification keyed <paramref name="key"/> (0: unknown).</summary>
    private void Retry(AioRequest req, int key)
    {
        lock (_lock)
        {
            if (req.Done || _dead) return;
            long result;
            if (req.Opcode == CmdPoll)
            {
                // aio_poll_wake completes with the wake-up's key as it is (a pipe's reader is woken with
                // POLLIN|POLLRDNORM); a wake-up without a key polls the file again, masked by the events.
                result = key != 0 ? key : req.File.PollEvents() & req.Events;
                if ((result & req.Events) == 0) return;
            }
            else
            {
                if (req.Process.IsExiting) result = -(long)Errno.EINTR;
                else
                {
                    result = GuestIo.Vectored(req.File, req.Process.Mm, req.Vecs, req.Offset, req.Opcode is CmdPwrite or CmdPwritev);
                    if (result == -(long)Errno.EAGAIN) return;
                }
            }
            Finish(req, result);
        }
    }

    private void Finish(AioRequest req, long result)
    {
        req.Done = true;
        req.Watch?.Dispose();
        _active.Remove(req);
        Complete(req.Obj, req.Data, result, req.File, req.Notify);
        req.Notify?.DropReference();
    }

    /// <summary>io_cancel: a waiting request completes at once (a poll with no events); EINVAL when none matches.</summary>
    public long Cancel(ulong iocb)
    {
        lock (_lock)
        {
            var req = _active.FirstOrDefault(r => r.Obj == iocb);
            if (req is null) return -(long)Errno.EINVAL;
            Finish(req, req.Opcode == CmdPoll ? 0 : -(long)Errno.EINTR);
            return 0;
        }
    }

    // ---- completion ----

    /// <summary>aio_complete: the io_event goes into the ring, waiters look again.</summary>
    private void Complete(ulong obj, ulong data, long res, OpenFile? heldFile, EventFdFile? notify)
    {
        if (!_dead)
        {
            var ev = Ring.Span(HeaderSize + (ulong)EventSize * _tail, EventSize);
            BinaryPrimitives.WriteUInt64LittleEndian(ev, data);
            BinaryPrimitives.WriteUInt64LittleEndian(ev[8..], obj);
            BinaryPrimitives.WriteInt64LittleEndian(ev[16..], res);
            BinaryPrimitives.WriteInt64LittleEndian(ev[24..], 0);
            if (++_tail >= Nr) _tail = 0;
            Ring.WriteU32(RingTail, _tail); // after the event: a reader in the process trusts what is below the tail
            _completed++;
            notify?.Signal(); // IOCB_FLAG_RESFD: after the event is in the ring
        }
        heldFile?.DropReference();
        foreach (var w in _waiters.ToArray()) TryAnswer(w);
    }

    /// <summary>A slot for one more request (aio_get_req): slots come back as the process reads events.</summary>
    private bool TakeSlot()
    {
        if (_available == 0) Refill();
        if (_available == 0) return false;
        _available--;
        return true;
    }

    private void Refill()
    {
        var head = Ring.ReadU32(RingHead) % Nr; // the process may write the head: clamp it
        var inRing = head <= _tail ? _tail - head : Nr - (head - _tail);
        if (_completed <= inRing) return;
        _available += (int)(_completed - inRing);
        _completed = inRing;
    }

    // ---- reading events ----

    /// <summary>
    /// io_getevents: at least <paramref name="minNr"/> (at most <paramref name="nr"/>) events copied to
    /// <paramref name="events"/>; parks the caller (null reply) until there are enough or the timeout passes.
    /// </summary>
    public KernelReply? GetEvents(IActorRef sender, IGuestMemory mem, long minNr, long nr, ulong events, TimeSpan? timeout, object? key = null)
    {
        lock (_lock)
        {
            var w = new Waiter(sender, minNr, nr, events, mem, key);
            var reply = Read(w);
            if (reply is not null || timeout == TimeSpan.Zero) return reply ?? new Done(w.Got);
            _waiters.Add(w);
            if (timeout is { } t) w.Timer = H.Schedule(t, () => Expire(w));
            return null;
        }
    }

    /// <summary>Reads what the ring holds into the waiter's buffer; a reply once it has enough (or an error).</summary>
    private KernelReply? Read(Waiter w)
    {
        var r = ReadRing(w.Memory, w.Events + (ulong)w.Got * EventSize, w.Nr - w.Got);
        if (r > 0) w.Got += r;
        if (r < 0 && w.Got == 0) return new Failed((Errno)(-r));
        if (_dead && w.Got == 0) return new Failed(Errno.EINVAL);
        return w.Got >= w.MinNr || r < 0 || _dead ? new Done(w.Got) : null;
    }

    private void TryAnswer(Waiter w)
    {
        var reply = Read(w);
        if (reply is null) return;
        _waiters.Remove(w);
        w.Timer?.Cancel();
        w.Sender.Tell(reply);
    }

    /// <summary>A signal ends the wait of <paramref name="key"/>: the events read so far, or EINTR when none (read_events).</summary>
    public void Interrupt(object key)
    {
        lock (_lock)
        {
            var w = _waiters.FirstOrDefault(x => ReferenceEquals(x.Key, key));
            if (w is null) return;
            _waiters.Remove(w);
            w.Timer?.Cancel();
            w.Sender.Tell(w.Got > 0 ? new Done(w.Got) : new Failed(Errno.EINTR));
        }
    }

    private void Expire(Waiter w)
    {
        lock (_lock)
        {
            if (!_waiters.Remove(w)) return;
            w.Sender.Tell(new Done(w.Got));
        }
    }

    /// <summary>aio_read_events_ring: copies events from head to tail out and moves the head; -EFAULT if the copy fails.</summary>
    private long ReadRing(IGuestMemory mem, ulong to, long want)
    {
        if (_dead) return 0;
        var head = Ring.ReadU32(RingHead);
        var tail = Ring.ReadU32(RingTail);
        if (head == tail) return 0;
        head %= Nr;
        tail %= Nr;
        long n = 0;
        while (n < want && head != tail)
        {
            if (mem.Write(to + (ulong)n * EventSize, Ring.Span(HeaderSize + (ulong)EventSize * head, EventSize)) != Errno.None)
            {
                return -(long)Errno.EFAULT;
            }
            n++;
            head = (head + 1) % Nr;
        }
        Ring.WriteU32(RingHead, head);
        return n;
    }

    // ---- teardown ----

    /// <summary>kill_ioctx: waiting requests are cancelled, waiters hear EINVAL (or what they got), the kernel's view goes.</summary>
    public void Kill()
    {
        lock (_lock)
        {
            if (_dead) return;
            foreach (var req in _active.ToArray()) Finish(req, req.Opcode == CmdPoll ? 0 : -(long)Errno.EINTR);
            _dead = true;
            foreach (var w in _waiters.ToArray()) TryAnswer(w);
            Ring.Dispose();
        }
        Released?.Invoke();
    }
}
