using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A pipe buffer. Nothing here blocks: an operation that would block returns -EAGAIN, and the owner parks the caller
/// until <see cref="Changed"/> fires (after data is written or read, or an end is closed) and retries.
/// </summary>
public sealed class Pipe : IWaitable
{
    public const int DefaultCapacity = 65536;
    private static long _nextIno = 1;

    private readonly object _lock = new();
    private byte[] _ring = new byte[DefaultCapacity];
    private int _head;   // index of the first unread byte
    private int _count;
    private int _readers;
    private int _writers;
    private readonly Timespec _created = Timespec.Now;

    internal Pipe()
    {
        Ino = (ulong)Interlocked.Increment(ref _nextIno);
    }

    public ulong Ino { get; }

    /// <summary>Raised outside the pipe's lock after any change of state.</summary>
    public event Action? Changed;

    /// <summary>An anonymous pipe (pipe2): flags may hold O_NONBLOCK, O_CLOEXEC (the caller's business), O_DIRECT.</summary>
    public static (OpenFile ReadEnd, OpenFile WriteEnd) Create(int flags)
    {
        var p = new Pipe();
        int status = flags & (O_NONBLOCK | O_DIRECT);
        lock (p._lock)
        {
            p._readers = 1;
            p._writers = 1;
        }
        return (new PipeEnd(p, null, O_RDONLY | status), new PipeEnd(p, null, O_WRONLY | status));
    }

    public int Capacity { get { lock (_lock) return _ring.Length; } }
    public int Available { get { lock (_lock) return _count; } }
    public int Readers { get { lock (_lock) return _readers; } }
    public int Writers { get { lock (_lock) return _writers; } }

    /// <summary>A read would have to wait: no data but a writer that may still write.</summary>
    public bool ReadWouldBlock { get { lock (_lock) return _count == 0 && _writers > 0; } }
    /// <summary>A write would have to wait: readers exist and the buffer is full.</summary>
    public bool WriteWouldBlock { get { lock (_lock) return _readers > 0 && _count == _ring.Length; } }

    /// <summary>Whether a write of <paramref name="length"/> bytes could make progress now (all at once when it is at most PIPE_BUF).</summary>
    public bool CanWrite(int length)
    {
        lock (_lock)
        {
            if (_readers == 0) return true; // it fails at once with EPIPE
            int free = _ring.Length - _count;
            return length <= PIPE_BUF ? free >= length : free > 0;
        }
    }

    /// <summary>F_SETPIPE_SZ: rounds up to a power of two pages; EBUSY if the data does not fit.</summary>
    public long SetCapacity(int size)
    {
        if (size <= 0) return -(long)Errno.EINVAL;
        if (size > 1 << 20) return -(long)Errno.EPERM;
        int cap = 4096;
        while (cap < size) cap <<= 1;
        lock (_lock)
        {
            if (_count > cap) return -(long)Errno.EBUSY;
            var ring = new byte[cap];
            CopyOut(ring);
            _ring = ring;
            _head = 0;
        }
        RaiseChanged();
        return cap;
    }

    internal long Read(Span<byte> buffer)
    {
        long n;
        lock (_lock)
        {
            if (buffer.Length == 0) return 0;
            if (_count == 0) return _writers > 0 ? -(long)Errno.EAGAIN : 0;
            n = Math.Min(buffer.Length, _count);
            CopyOut(buffer[..(int)n]);
            _head = (_head + (int)n) % _ring.Length;
            _count -= (int)n;
            if (_count == 0) _head = 0;
        }
        RaiseChanged();
        return n;
    }

    internal long Write(ReadOnlySpan<byte> data)
    {
        int n;
        lock (_lock)
        {
            if (data.Length == 0) return 0;
            if (_readers == 0) return -(long)Errno.EPIPE;
            int free = _ring.Length - _count;
            // Writes of at most PIPE_BUF bytes are never interleaved with others: all or nothing.
            if (data.Length <= PIPE_BUF && free < data.Length) return -(long)Errno.EAGAIN;
            if (free == 0) return -(long)Errno.EAGAIN;
            n = Math.Min(free, data.Length);
            int tail = (_head + _count) % _ring.Length;
            int first = Math.Min(n, _ring.Length - tail);
            data[..first].CopyTo(_ring.AsSpan(tail));
            data[first..n].CopyTo(_ring.AsSpan(0));
            _count += n;
        }
        RaiseChanged();
        return n;
    }

    private void CopyOut(Span<byte> dest)
    {
        int first = Math.Min(dest.Length, _ring.Length - _head);
        _ring.AsSpan(_head, first).CopyTo(dest);
        _ring.AsSpan(0, dest.Length - first).CopyTo(dest[first..]);
    }

    /// <summary>Opens an end of a named pipe (FIFO): read-only, write-only, or (as Linux allows) both.</summary>
    internal long OpenEnd(Location location, int flags, out OpenFile? file)
    {
        file = null;
        int acc = flags & O_ACCMODE;
        lock (_lock)
        {
            // A non-blocking writer with no reader gets ENXIO; blocking opens are not held back (not modelled).
            if (acc == O_WRONLY && (flags & O_NONBLOCK) != 0 && _readers == 0) return -(long)Errno.ENXIO;
            if (acc == O_RDONLY || acc == O_RDWR) _readers++;
            if (acc == O_WRONLY || acc == O_RDWR) _writers++;
        }
        file = new PipeEnd(this, location, flags);
        RaiseChanged();
        return 0;
    }

    internal void Close(bool reader, bool writer)
    {
        lock (_lock)
        {
            if (reader) _readers--;
            if (writer) _writers--;
        }
        RaiseChanged();
    }

    internal void StatInto(out StatInfo st, uint uid, uint gid)
    {
        int count;
        lock (_lock) count = _count;
        st = new StatInfo(PipeFsDev, Ino, S_IFIFO | 0x180 /* 0600 */, 1, uid, gid, 0, count, 4096, 0,
            _created.Sec, _created.Nsec, _created.Sec, _created.Nsec, _created.Sec, _created.Nsec);
    }

    private static readonly ulong PipeFsDev = StatInfo.MakeDev(0, 12);

    private void RaiseChanged() => Changed?.Invoke();
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
    public override IWaitable Waitable => Pipe;

    public override long Read(Span<byte> buffer) => CanRead ? Pipe.Read(buffer) : -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> data) => CanWrite ? Pipe.Write(data) : -(long)Errno.EBADF;
    public override long PRead(Span<byte> buffer, long offset) => -(long)Errno.ESPIPE;
    public override long PWrite(ReadOnlySpan<byte> data, long offset) => -(long)Errno.ESPIPE;
    public override long Seek(long offset, int whence) => -(long)Errno.ESPIPE;

    public override long Stat(out StatInfo st)
    {
        if (Location is not null) return Location.Inode.Stat(out st);
        Pipe.StatInto(out st, 0, 0);
        return 0;
    }

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
