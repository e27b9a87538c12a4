using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A pipe buffer, kept as Linux keeps it: a ring of page-sized slots (16 by default). Small writes merge into the
/// last slot while it has room; O_DIRECT writers make packets, one slot each, of which a read returns at most one.
/// Nothing here blocks: an operation that would block returns -EAGAIN, and the owner parks the caller
/// until <see cref="Waiters"/> is notified (after data is written or read, or an end is opened or closed) and retries.
/// </summary>
public sealed partial class Pipe
{
    public const int DefaultCapacity = 65536;
    private const int PageSize = 4096;
    private static long _nextIno = 1;

    /// <summary>One slot: a page holding Length bytes from Offset.</summary>
    private sealed class Slot
    {
        public readonly byte[] Page = new byte[PageSize];
        public int Offset;
        public int Length;
        /// <summary>Written by an O_DIRECT writer: a read takes it whole or drops the rest.</summary>
        public bool Packet;
        /// <summary>Later small writes may append to it (plain writes only, not spliced or packet data).</summary>
        public bool CanMerge;
    }

    private readonly object _lock = new();
    private Slot[] _slots = new Slot[DefaultCapacity / PageSize];
    private int _tail;   // index of the oldest slot in use
    private int _used;   // slots in use
    private int _count;  // bytes buffered
    private int _readers;
    private int _writers;
    private int _writerOpens; // Linux's w_counter: a FIFO reader that opened before any writer sees no POLLHUP until one came
    private int _readerOpens; // Linux's r_counter: a blocking FIFO writer waits until it moves
    private readonly Timespec _created = Timespec.Now;

    internal Pipe()
    {
        Ino = (ulong)Interlocked.Increment(ref _nextIno);
    }

    public ulong Ino { get; }

    /// <summary>Notified outside the pipe's lock after any change of state, keyed as Linux wakes pipe waiters.</summary>
    public WaitQueue Waiters { get; } = new();

    /// <summary>An anonymous pipe (pipe2): flags may hold O_NONBLOCK, O_CLOEXEC (the caller's business), O_DIRECT.</summary>
    public static (OpenFile ReadEnd, OpenFile WriteEnd) Create(int flags)
    {
        var p = new Pipe();
        int status = flags & (O_NONBLOCK | O_DIRECT);
        lock (p._lock)
        {
            p._readers = 1;
            p._writers = 1;
            p._writerOpens = 1;
        }
        return (new PipeEnd(p, null, O_RDONLY | status), new PipeEnd(p, null, O_WRONLY | status));
    }

    public int Capacity { get { lock (_lock) return _slots.Length * PageSize; } }
    public int Available { get { lock (_lock) return _count; } }
    public int Readers { get { lock (_lock) return _readers; } }
    public int Writers { get { lock (_lock) return _writers; } }

    /// <summary>A read would have to wait: no data but a writer that may still write.</summary>
    public bool ReadWouldBlock { get { lock (_lock) return _used == 0 && _writers > 0; } }
    /// <summary>A write would have to wait: readers exist and every slot is taken.</summary>
    public bool WriteWouldBlock { get { lock (_lock) return _readers > 0 && _used == _slots.Length; } }

    /// <summary>Whether a write of <paramref name="length"/> bytes could make progress now (all at once when it is at most PIPE_BUF).</summary>
    public bool CanWrite(int length)
    {
        lock (_lock) return _readers == 0 || _used < _slots.Length || CanMergeLocked(length & (PageSize - 1));
    }

    /// <summary>fs.pipe-max-size: the most an unprivileged F_SETPIPE_SZ may ask for.</summary>
    public const int MaxSize = 1 << 20;

    /// <summary>
    /// F_SETPIPE_SZ: rounds up to a power of two pages (one page at least; EINVAL above 2^31); growing past
    /// fs.pipe-max-size needs CAP_SYS_RESOURCE (EPERM); EBUSY if the slots in use do not fit.
    /// </summary>
    public long SetCapacity(uint size, bool privileged)
    {
        if (size > 1u << 31) return -(long)Errno.EINVAL;
        long cap = PageSize;
        while (cap < size) cap <<= 1;
        lock (_lock)
        {
            int slots = (int)(cap / PageSize);
            if (slots > _slots.Length && cap > MaxSize && !privileged) return -(long)Errno.EPERM;
            if (_used > slots) return -(long)Errno.EBUSY;
            var ring = new Slot[slots];
            for (int i = 0; i < _used; i++) ring[i] = _slots[(_tail + i) % _slots.Length];
            _slots = ring;
            _tail = 0;
        }
        RaiseChanged(0);
        return cap;
    }

    internal long Read(Span<byte> buffer)
    {
        int done = 0;
        lock (_lock)
        {
            if (buffer.Length == 0) return 0;
            if (_used == 0) return _writers > 0 ? -(long)Errno.EAGAIN : 0;
            int wanted = buffer.Length;
            while (_used > 0)
            {
                var slot = _slots[_tail]!;
                int chars = Math.Min(slot.Length, wanted - done);
                slot.Page.AsSpan(slot.Offset, chars).CopyTo(buffer[done..]);
                done += chars;
                slot.Offset += chars;
                slot.Length -= chars;
                _count -= chars;
                if (slot.Packet)
                {
                    // The rest of a packet that did not fit is dropped, and a read ends with its packet.
                    _count -= slot.Length;
                    slot.Length = 0;
                    wanted = done;
                }
                if (slot.Length == 0) ReleaseTailLocked();
                if (done == wanted) break;
            }
        }
        RaiseChanged(Poll.Writable);
        return done;
    }

    internal long Write(ReadOnlySpan<byte> data) => Write(data, packet: false);

    /// <summary>A write; <paramref name="packet"/> when the writer is in packet mode (O_DIRECT).</summary>
    internal long Write(ReadOnlySpan<byte> data, bool packet)
    {
        int done = 0;
        lock (_lock)
        {
            if (data.Length == 0) return 0;
            if (_readers == 0) return -(long)Errno.EPIPE;
            // As Linux: the part beyond whole pages goes first into the last slot if it fits there, the rest into new
            // slots of a page each, so a write of at most PIPE_BUF bytes is never split.
            int chars = data.Length & (PageSize - 1);
            if (chars != 0 && CanMergeLocked(chars))
            {
                var last = _slots[(_tail + _used - 1) % _slots.Length]!;
                data[..chars].CopyTo(last.Page.AsSpan(last.Offset + last.Length));
                last.Length += chars;
                _count += chars;
                done = chars;
            }
            while (done < data.Length && _used < _slots.Length)
            {
                int n = Math.Min(PageSize, data.Length - done);
                var slot = AddSlotLocked(packet, canMerge: !packet);
                data.Slice(done, n).CopyTo(slot.Page);
                slot.Length = n;
                _count += n;
                done += n;
            }
            if (done == 0) return -(long)Errno.EAGAIN;
        }
        RaiseChanged(Poll.Readable);
        return done;
    }

    private bool CanMergeLocked(int chars)
    {
        if (_used == 0 || chars == 0) return false;
        var last = _slots[(_tail + _used - 1) % _slots.Length]!;
        return last.CanMerge && last.Offset + last.Length + chars <= PageSize;
    }

    /// <summary>Takes the next free slot (the caller checked there is one), emptied.</summary>
    private Slot AddSlotLocked(bool packet, bool canMerge)
    {
        int index = (_tail + _used) % _slots.Length;
        var slot = _slots[index] ??= new Slot();
        slot.Offset = 0;
        slot.Length = 0;
        slot.Packet = packet;
        slot.CanMerge = canMerge;
        _used++;
        return slot;
    }

    private void ReleaseTailLocked()
    {
        _tail = (_tail + 1) % _slots.Length;
        _used--;
        if (_used == 0) _tail = 0;
    }

    /// <summary>Opens an end of a named pipe (FIFO): read-only, write-only, or (as Linux allows) both.</summary>
    internal long OpenEnd(Location? location, int flags, out OpenFile? file)
    {
        file = null;
        int acc = flags & O_ACCMODE;
        int hupAfter, partner = -1;
        lock (_lock)
        {
            // A non-blocking writer with no reader gets ENXIO.
            if (acc == O_WRONLY && (flags & O_NONBLOCK) != 0 && _readers == 0) return -(long)Errno.ENXIO;
            // A blocking open of a FIFO (not of an anonymous pipe through /proc) with no partner waits for one to
            // open (fifo_open's wait_for_partner); the caller parks it, this notes the counter to watch.
            bool fifo = location is not null && (flags & O_NONBLOCK) == 0;
            if (fifo && acc == O_RDONLY && _writers == 0) partner = _writerOpens;
            if (fifo && acc == O_WRONLY && _readers == 0) partner = _readerOpens;
            if (acc == O_RDONLY || acc == O_RDWR)
            {
                _readers++;
                _readerOpens++;
            }
            if (acc == O_WRONLY || acc == O_RDWR)
            {
                _writers++;
                _writerOpens++;
            }
            hupAfter = _writers == 0 ? _writerOpens : -1;
        }
        file = new PipeEnd(this, location, flags) { HupAfterWriterOpens = hupAfter, PartnerOpens = partner };
        RaiseChanged(0);
        return 0;
    }

    /// <summary>Whether the partner a blocking FIFO open waits for has opened since (its opens counter moved).</summary>
    internal bool PartnerCame(bool reader, int opensBefore)
    {
        lock (_lock) return (reader ? _writerOpens : _readerOpens) != opensBefore;
    }

    internal void Close(bool reader, bool writer)
    {
        lock (_lock)
        {
            if (reader) _readers--;
            if (writer) _writers--;
        }
        RaiseChanged(Poll.Readable | Poll.Writable | Poll.Err | Poll.Hup);
    }

    internal void StatInto(out StatInfo st, uint uid, uint gid)
    {
        int count;
        lock (_lock) count = _count;
        st = new StatInfo(PipeFsDev, Ino, S_IFIFO | 0x180 /* 0600 */, 1, uid, gid, 0, count, 4096, 0,
            _created.Sec, _created.Nsec, _created.Sec, _created.Nsec, _created.Sec, _created.Nsec);
    }

    private static readonly ulong PipeFsDev = StatInfo.MakeDev(0, 12);

    /// <summary>pipe_poll: readable with data, POLLHUP without writers; writable with a slot free, POLLERR without readers.</summary>
    internal int PollEvents(bool reader, bool writer, int hupAfterWriterOpens)
    {
        lock (_lock)
        {
            int mask = 0;
            if (reader)
            {
                if (_count > 0) mask |= Poll.Readable;
                if (_writers == 0 && _writerOpens != hupAfterWriterOpens) mask |= Poll.Hup;
            }
            if (writer)
            {
                if (_used < _slots.Length) mask |= Poll.Writable; // a free slot, as pipe_poll checks
                if (_readers == 0) mask |= Poll.Err;
            }
            return mask;
        }
    }

    private void RaiseChanged(int events) => Waiters.Notify(events);
}

/// <summary>One end of a pipe (or an open of a FIFO).</summary>
public sealed class PipeEnd : OpenFile
{
    private const uint FIONREAD = 0x541B;
    private int _released;

    internal PipeEnd(Pipe pipe, Location? location, int flags) : base(location, flags)
    {
        Pipe = pipe;
    }

    public Pipe Pipe { get; }
    /// <summary>For a FIFO reader opened while no writer existed: POLLHUP stays off until a writer has opened.</summary>
    internal int HupAfterWriterOpens { get; init; } = -1;
    /// <summary>For a blocking FIFO open with no partner: the partner's opens counter when it opened; -1 when it need not wait.</summary>
    internal int PartnerOpens { get; init; } = -1;
    internal bool WaitsForPartner => PartnerOpens >= 0;
    /// <summary>Whether the partner this open waits for has come (a writer for a reader, a reader for a writer).</summary>
    internal bool PartnerCame() => Pipe.PartnerCame(AccessMode == O_RDONLY, PartnerOpens);

    private bool IsReader => !IsPathOnly && AccessMode is O_RDONLY or O_RDWR;
    private bool IsWriter => !IsPathOnly && AccessMode is O_WRONLY or O_RDWR;

    public override bool Pollable => true;
    public override int PollEvents() => Pipe.PollEvents(IsReader, IsWriter, HupAfterWriterOpens);
    public override WaitQueue? Readiness => Pipe.Waiters;

    public override long Read(Span<byte> buffer) => CanRead ? Transferred(Pipe.Read(buffer), false) : -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> data) =>
        CanWrite ? Transferred(Pipe.Write(data, packet: (StatusFlags & O_DIRECT) != 0), true) : -(long)Errno.EBADF;
    public override long PRead(Span<byte> buffer, long offset) => -(long)Errno.ESPIPE;
    public override long PWrite(ReadOnlySpan<byte> data, long offset) => -(long)Errno.ESPIPE;
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;

    public override long Stat(out StatInfo st)
    {
        if (Location is not null) return Location.Inode.Stat(out st);
        Pipe.StatInto(out st, 0, 0);
        return 0;
    }

    public override string AnonymousName => $"pipe:[{Pipe.Ino}]";

    /// <summary>Opening /proc/[pid]/fd/N of a pipe opens it as a FIFO, as Linux does.</summary>
    public override long Reopen(int flags, out OpenFile? file) => Pipe.OpenEnd(null, flags, out file);

    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut)
    {
        if (request != FIONREAD) return -(long)Errno.ENOTTY;
        if (argOut.Length < 4) return -(long)Errno.EFAULT;
        System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(argOut, Pipe.Available);
        return 0;
    }

    public override void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) != 0) return;
        Pipe.Close(AccessMode is O_RDONLY or O_RDWR, AccessMode is O_WRONLY or O_RDWR);
    }
}
