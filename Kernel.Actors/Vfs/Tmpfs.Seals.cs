using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>memfd_create's file seals (F_ADD_SEALS/F_GET_SEALS), which Linux keeps on every tmpfs inode.</summary>
public static class Seals
{
    public const int Seal = 1, Shrink = 2, Grow = 4, Write = 8, FutureWrite = 0x10, Exec = 0x20;
    public const int All = Seal | Shrink | Grow | Write | FutureWrite | Exec;
}

// Seals, fallocate and the memfd name of tmpfs regular files.
public sealed partial class TmpRegular
{
    private const int PageSize = 4096;

    /// <summary>Seals in force; a plain tmpfs file starts with F_SEAL_SEAL (no sealing), as in Linux.</summary>
    internal int SealMask { get; set; } = Seals.Seal;

    /// <summary>For a memfd: its name as /proc/self/fd shows it ("/memfd:NAME (deleted)"); null for named files.</summary>
    public string? MemfdName { get; internal set; }

    internal static TmpRegular CreateUnlinked(Tmpfs fs, uint perm, uint uid, uint gid) =>
        new(fs, fs.NextIno(), perm, uid, gid) { Nlink = 0 };

    /// <summary>ftruncate under F_SEAL_SHRINK/F_SEAL_GROW.</summary>
    private long CheckResize(long length)
    {
        long size = Data.Length;
        if ((length < size && (SealMask & Seals.Shrink) != 0) || (length > size && (SealMask & Seals.Grow) != 0))
            return -(long)Errno.EPERM;
        return 0;
    }

    /// <summary>
    /// How many of <paramref name="length"/> bytes at <paramref name="offset"/> the seals let through: none under the
    /// write seals; under F_SEAL_GROW the page-sized pieces that end within the file, as Linux checks them one by one.
    /// </summary>
    internal long SealedWriteLength(long offset, int length)
    {
        // hugetlbfs files have no write(2) (only mmap writes them), as Linux's lack of write_iter gives EINVAL.
        if (TmpFs.HugePageSize != 0) return -(long)Errno.EINVAL;
        int seals = SealMask;
        if (length == 0 || (seals & (Seals.Write | Seals.FutureWrite | Seals.Grow)) == 0) return length;
        if ((seals & (Seals.Write | Seals.FutureWrite)) != 0) return -(long)Errno.EPERM;
        long size = Data.Length, done = 0;
        while (done < length)
        {
            long pos = offset + done;
            long chunk = Math.Min(length - done, PageSize - pos % PageSize);
            if (pos + chunk > size) break;
            done += chunk;
        }
        return done == 0 ? -(long)Errno.EPERM : done;
    }

    /// <summary>fallocate on tmpfs: preallocation (mode 0, KEEP_SIZE) and PUNCH_HOLE|KEEP_SIZE; other modes are EOPNOTSUPP.</summary>
    internal long Allocate(int mode, long offset, long length)
    {
        const int KeepSize = 1, PunchHole = 2;
        if ((mode & ~(KeepSize | PunchHole)) != 0) return -(long)Errno.EOPNOTSUPP;
        long r;
        if ((mode & PunchHole) != 0)
        {
            if ((SealMask & (Seals.Write | Seals.FutureWrite)) != 0) return -(long)Errno.EPERM;
            r = Data.PunchHole(offset, length);
        }
        else
        {
            if (offset + length > PagedData.MaxSize) return -(long)Errno.EFBIG;
            if ((SealMask & Seals.Grow) != 0 && offset + length > Data.Length) return -(long)Errno.EPERM;
            r = Data.Reserve(offset, length, (mode & KeepSize) != 0);
        }
        if (r == 0) Mtime = Ctime = Timespec.Now;
        return r;
    }
}

// pwritev2's RWF_APPEND/RWF_NOAPPEND need writes that ignore or force O_APPEND.
public sealed partial class TmpRegularFile
{
    internal TmpRegular Node => _node;

    /// <summary>
    /// A write that appends (<paramref name="append"/>) or goes to <paramref name="offset"/> (-1: the file position)
    /// whatever O_APPEND says; the file position moves only when <paramref name="offset"/> is -1.
    /// </summary>
    internal long WriteWithAppend(ReadOnlySpan<byte> data, long offset, bool append)
    {
        if (!CanWrite) return -(long)Errno.EBADF;
        lock (_posLock)
        {
            long at = append ? _node.Data.Length : offset < 0 ? _pos : offset;
            long n = _node.SealedWriteLength(at, data.Length);
            if (n < 0) return n;
            data = data[..(int)n];
            long end;
            if (append) n = _node.Data.Append(data, out end);
            else
            {
                n = _node.Data.Write(at, data);
                end = at + Math.Max(n, 0);
            }
            if (n < 0) return n;
            if (offset < 0) _pos = end;
            if (n > 0) _node.Touch(true);
            return n;
        }
    }
}

// Preallocated pages (fallocate) and holes (PUNCH_HOLE).
public sealed partial class PagedData
{
    /// <summary>Most pages one file may preallocate: the nominal size tmpfs reports in statfs (4 GiB).</summary>
    private const long MaxReservedPages = 1L << 20;

    /// <summary>Pages allocated by fallocate and not written yet: they count in st_blocks but read as zeros and are holes to SEEK_DATA.</summary>
    private readonly HashSet<long> _reserved = [];

    public long Reserve(long offset, long length, bool keepSize)
    {
        lock (_lock)
        {
            if (_host is not null)
            {
                long e = _host.Reserve(offset, length);
                if (e < 0) return e;
                if (!keepSize && offset + length > _length) SetMappedLengthLocked(offset + length);
                return 0;
            }
            long first = offset / PageSize, last = (offset + length - 1) / PageSize;
            long missing = 0;
            for (long page = first; page <= last && missing <= MaxReservedPages; page++)
                if (!_pages.ContainsKey(page) && !_reserved.Contains(page)) missing++;
            if (missing + _reserved.Count > MaxReservedPages) return -(long)Errno.ENOSPC;
            var taken = new List<long>();
            for (long page = first; page <= last; page++)
            {
                if (_pages.ContainsKey(page) || _reserved.Contains(page)) continue;
                if (_space is not null && !_space.TryTakePage())
                {
                    // size= reached: nothing of this request stays allocated.
                    _space.ReturnPages(taken.Count);
                    foreach (var t in taken) _reserved.Remove(t);
                    return -(long)Errno.ENOSPC;
                }
                _reserved.Add(page);
                taken.Add(page);
            }
            if (!keepSize && offset + length > _length) _length = offset + length;
            return 0;
        }
    }

    /// <summary>Drops the pages wholly inside the range and zeroes the parts of the others; the length stays.</summary>
    public long PunchHole(long offset, long length)
    {
        lock (_lock)
        {
            long end = length > long.MaxValue - offset ? long.MaxValue : offset + length;
            if (_host is not null) return _host.Punch(offset, end - offset);
            foreach (var page in _pages.Keys.Concat(_reserved).Where(p => p * PageSize < end && (p + 1) * PageSize > offset).ToList())
            {
                long pageStart = page * PageSize;
                if (pageStart >= offset && pageStart + PageSize <= end)
                {
                    if (_pages.Remove(page) | _reserved.Remove(page)) _space?.ReturnPages(1);
                }
                else if (_pages.TryGetValue(page, out var data))
                {
                    int from = (int)Math.Max(0, offset - pageStart);
                    int to = (int)Math.Min(PageSize, end - pageStart);
                    data.AsSpan(from, to - from).Clear();
                }
            }
            return 0;
        }
    }
}
