using Kernel.Platform;

namespace Kernel.Actors.Vfs;

// A tmpfs file mapped MAP_SHARED keeps its contents in a host memory file from then on (see HostShm), which covers
// every mapped page: bytes past the end of the file are holes, and the mappings fault there (SIGBUS) themselves.
public sealed partial class TmpRegular : IFilePages
{
    private MappingWatchers? _watchers;

    public long MappedLength => Data.MappedLength;
    public bool CoversPastEnd => true;
    public MappingWatchers Watchers
    {
        get
        {
            if (_watchers is { } w) return w;
            w = new MappingWatchers();
            if (Interlocked.CompareExchange(ref _watchers, w, null) is { } won) return won;
            Data.Resized = (oldLength, newLength) => w.Resized(this, oldLength, newLength);
            return w;
        }
    }

    public long Prepare(long end) => Data.ShareForMapping(end, out _);

    // Prepare made the host file cover the mapping; no lock is taken here, as the memory manager holds its own (a resize
    // tells it of the change under the contents' lock).
    public bool MapInto(HostMemory host, ulong guest, ulong length, long offset, bool writable) =>
        Data.HostFile is { } shm && shm.Size >= offset + (long)length && host.MapFile(guest, length, shm.Fd, offset);

    public void Sync(HostMemory host, ulong guest, ulong length, bool wait) { } // the memory is the file

    public long Read(long offset, Span<byte> buffer) => Data.Read(offset, buffer);
}

public sealed partial class PagedData
{
    private HostShm? _host;
    /// <summary>Told of each change of length once the contents are mapped (called under the lock; it takes none of ours).</summary>
    internal Action<long, long>? Resized;

    /// <summary>The host file once the contents moved there (set once, read without the lock).</summary>
    internal HostShm? HostFile => Volatile.Read(ref _host);

    /// <summary>The length, read without the lock (the memory manager's fault path reads it).</summary>
    internal long MappedLength => Volatile.Read(ref _length);
    /// <summary>Pages counted against the filesystem's size= when the contents moved to the host (a host file is not counted further).</summary>
    private long _hostPages;

    /// <summary>
    /// The host fd of the contents, moving them there on the first call; the host file then spans at least
    /// <paramref name="size"/> bytes, so that a mapping of that much never touches a page the host lacks.
    /// </summary>
    internal long ShareForMapping(long size, out int fd)
    {
        fd = -1;
        lock (_lock)
        {
            if (_host is null)
            {
                long r = HostShm.Create(out var shm);
                if (r < 0) return r;
                foreach (var (page, data) in _pages)
                {
                    r = shm!.Write(page * PageSize, data);
                    if (r < 0)
                    {
                        shm.Dispose();
                        return r;
                    }
                }
                foreach (var page in _reserved) shm!.Reserve(page * PageSize, PageSize);
                _hostPages = _pages.Count + _reserved.Count;
                _pages.Clear();
                _reserved.Clear();
                Volatile.Write(ref _host, shm!);
            }
            long e = _host.EnsureSize(size);
            if (e < 0) return e;
            fd = _host.Fd;
            return 0;
        }
    }

    private long HostWriteLocked(long offset, ReadOnlySpan<byte> src)
    {
        long n = _host!.Write(offset, src);
        if (n > 0 && offset + n > _length) SetMappedLengthLocked(offset + n);
        return n;
    }

    /// <summary>
    /// A new length: whatever lies past the end (a mapping can store there) is punched out, so the bytes a truncation
    /// drops, or an extension adds, read as zeros, as in a tmpfs file.
    /// </summary>
    private long HostResizeLocked(long length)
    {
        long from = Math.Min(length, _length);
        long r = _host!.Punch(from, Math.Max(_host.Size, Math.Max(length, _length)) - from);
        if (r < 0) return r;
        SetMappedLengthLocked(length);
        return 0;
    }

    /// <summary>A new length of mapped contents: the mappings learn which pages now lie past the end.</summary>
    private void SetMappedLengthLocked(long length)
    {
        long old = _length;
        _length = length;
        Resized?.Invoke(old, length);
    }
}
