using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// eventfd: a 64-bit counter. A read takes the whole count (or 1 with EFD_SEMAPHORE) and waits while it is zero;
/// a write adds and waits while the sum would reach 2^64-1. Reads and writes go through the ordinary read/write
/// paths: -EAGAIN here parks a blocking caller on <see cref="Readiness"/>.
/// </summary>
public sealed class EventFdFile : AnonymousFile
{
    public const int Semaphore = 1;
    private const ulong Max = ulong.MaxValue - 1; // the largest count a write may reach

    private readonly Lock _lock = new();
    private readonly WaitQueue _queue = new();
    private readonly bool _semaphore;
    private ulong _count;

    /// <summary>flags: EFD_SEMAPHORE and EFD_NONBLOCK (O_NONBLOCK); the caller has checked them.</summary>
    public EventFdFile(ulong initial, int flags) : base(O_RDWR | (flags & O_NONBLOCK))
    {
        _count = initial;
        _semaphore = (flags & Semaphore) != 0;
    }

    public ulong Count { get { lock (_lock) return _count; } }

    public override WaitQueue Readiness => _queue;

    public override int PollEvents()
    {
        lock (_lock)
        {
            int mask = 0;
            // eventfd_poll reports the plain bits only (no RDNORM/WRNORM).
            if (_count > 0) mask |= Poll.In;
            if (_count == ulong.MaxValue) mask |= Poll.Err;
            if (_count < Max) mask |= Poll.Out;
            return mask;
        }
    }

    /// <summary>eventfd_signal: adds one (up to 2^64-1), as AIO and io_uring completions do; never waits.</summary>
    public void Signal()
    {
        lock (_lock)
        {
            if (_count < ulong.MaxValue) _count++;
        }
        _queue.Notify(Poll.In);
    }

    public override long Read(Span<byte> buffer)
    {
        if (buffer.Length < 8) return Err(Errno.EINVAL);
        ulong value;
        lock (_lock)
        {
            if (_count == 0) return Err(Errno.EAGAIN);
            value = _semaphore ? 1 : _count;
            _count -= value;
        }
        PutU64(buffer, value);
        _queue.Notify(Poll.Out);
        return 8;
    }

    public override long Write(ReadOnlySpan<byte> data)
    {
        if (data.Length < 8) return Err(Errno.EINVAL);
        var value = U64(data);
        if (value == ulong.MaxValue) return Err(Errno.EINVAL);
        lock (_lock)
        {
            if (ulong.MaxValue - _count <= value) return Err(Errno.EAGAIN);
            _count += value;
        }
        // Linux wakes readers even for a write of 0 (an edge-triggered epoll sees it).
        _queue.Notify(Poll.In);
        return 8;
    }
}
