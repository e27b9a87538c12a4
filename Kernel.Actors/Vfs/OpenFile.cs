using System.Buffers.Binary;
using System.Text;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// An open file description, shared by dup'd descriptors; the fd table calls <see cref="Release"/> on the last close.
/// Read/Write/PRead/PWrite may be called from several task threads at once; the rest from one thread at a time.
/// </summary>
public abstract partial class OpenFile : Kernel.Syscalls.IFastFile
{
    private int _references = 1;

    /// <summary>Another descriptor (dup, fork) now refers to this description.</summary>
    public void AddReference() => Interlocked.Increment(ref _references);

    /// <summary>A descriptor was closed; the last close reports the close (inotify, epoll) and releases the file.</summary>
    public void DropReference()
    {
        if (Interlocked.Decrement(ref _references) != 0) return;
        Location?.Mount.Vfs.Notify.Closed(this);
        Closed?.Invoke(this);
        Release();
    }

    /// <summary>Raised once, when the last descriptor referring to this description is closed.</summary>
    public event Action<OpenFile>? Closed;

    protected OpenFile(Location? location, int flags)
    {
        Location = location;
        StatusFlags = flags & StatusFlagsMask;
    }

    /// <summary>The open that made this file also created it (FMODE_CREATED, F_CREATED_QUERY).</summary>
    public bool CreatedByOpen { get; internal set; }

    /// <summary>O_APPEND|O_NONBLOCK|access mode... (arm64 values), as F_GETFL reports them.</summary>
    public int StatusFlags { get; set; }
    /// <summary>Where the file was opened (null for pipes and other anonymous files).</summary>
    public Location? Location { get; }

    public int AccessMode => StatusFlags & O_ACCMODE;
    public bool IsPathOnly => (StatusFlags & O_PATH) != 0;
    public bool CanRead => !IsPathOnly && (AccessMode == O_RDONLY || AccessMode == O_RDWR);
    public bool CanWrite => !IsPathOnly && (AccessMode == O_WRONLY || AccessMode == O_RDWR);
    public bool NonBlocking => (StatusFlags & O_NONBLOCK) != 0;

    public virtual long Read(Span<byte> buffer) => CanRead ? -(long)Errno.EINVAL : -(long)Errno.EBADF;
    public virtual long Write(ReadOnlySpan<byte> data) => CanWrite ? -(long)Errno.EINVAL : -(long)Errno.EBADF;
    public virtual long PRead(Span<byte> buffer, long offset) => CanRead ? -(long)Errno.ESPIPE : -(long)Errno.EBADF;
    public virtual long PWrite(ReadOnlySpan<byte> data, long offset) => CanWrite ? -(long)Errno.ESPIPE : -(long)Errno.EBADF;
    public virtual long Seek(long offset, int whence) => IsPathOnly ? -(long)Errno.EBADF : -(long)Errno.ESPIPE;
    public virtual long GetDents64(Span<byte> buffer) => IsPathOnly ? -(long)Errno.EBADF : -(long)Errno.ENOTDIR;

    public virtual long Stat(out StatInfo st)
    {
        if (Location is not null) return Location.Inode.Stat(out st);
        st = default;
        return -(long)Errno.EBADF;
    }

    /// <summary>Where a write would start in a regular file (RLIMIT_FSIZE): the end with O_APPEND (pwrite too, as Linux), else the offset or the position.</summary>
    public virtual long WriteStart(long offset)
    {
        if (Location is not { } loc || !loc.Inode.IsRegular) return -1;
        if ((StatusFlags & O_APPEND) != 0) return Stat(out var st) >= 0 ? st.Size : -1;
        return offset >= 0 ? offset : Seek(0, 1 /* SEEK_CUR */);
    }

    /// <summary>ftruncate: needs a writable regular file.</summary>
    public virtual long Truncate(long length) => -(long)Errno.EINVAL;

    /// <summary>
    /// An ioctl. <paramref name="argIn"/> holds what the caller copied from the guest for requests that take input,
    /// <paramref name="argOut"/> receives output for requests that return data; the result is the ioctl's return value.
    /// </summary>
    public virtual long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut) => -(long)Errno.ENOTTY;

    public virtual bool IsTerminal => false;

    // ---- Readiness: poll, select, epoll and the parking of blocking reads and writes use these members. ----

    /// <summary>
    /// Whether the file has a poll operation. Files without one (regular files, directories, /dev/null...) are always
    /// ready for poll and select (<see cref="Poll.DefaultMask"/>), and epoll_ctl refuses them with EPERM.
    /// </summary>
    public virtual bool Pollable => false;

    /// <summary>The readiness now (<see cref="Poll"/> bits), as Linux's poll reports it for this kind of file. Never blocks.</summary>
    public virtual int PollEvents() => Poll.DefaultMask;

    /// <summary>
    /// Notified (with the events that may have become ready) whenever <see cref="PollEvents"/> may change; null for
    /// files whose readiness never changes. A read or write that returned EAGAIN waits on it.
    /// </summary>
    public virtual WaitQueue? Readiness => null;

    /// <summary>
    /// For a blocking read parked since <paramref name="waitStarted"/> (a Stopwatch timestamp) with nothing to return:
    /// when it stops waiting and returns 0 (a terminal's VTIME). Null: it waits for readiness alone.
    /// </summary>
    public virtual long? ReadDeadline(long waitStarted) => null;

    /// <summary>What /proc/[pid]/fd/N reads for a file without a Location, as Linux names it ("pipe:[N]", "socket:[N]", "anon_inode:[eventfd]").</summary>
    public virtual string AnonymousName => "anon_inode:[file]";

    /// <summary>
    /// An open of /proc/[pid]/fd/N for a file without a Location: a new description of the same object with
    /// <paramref name="flags"/>. ENXIO when it has none, as for Linux's anonymous inodes.
    /// </summary>
    public virtual long Reopen(int flags, out OpenFile? file)
    {
        file = null;
        return -(long)Errno.ENXIO;
    }

    /// <summary>The last descriptor referring to this description was closed.</summary>
    public virtual void Release() { }

    /// <summary>Reports a read (IN_ACCESS) or write (IN_MODIFY) of <paramref name="count"/> bytes to inotify.</summary>
    protected long Transferred(long count, bool written)
    {
        if (count > 0) Location?.Mount.Vfs.Notify.Transferred(this, written);
        return count;
    }

    /// <summary>lseek for files that know only SEEK_SET and SEEK_CUR (directories, /proc files); the new offset or -EINVAL.</summary>
    protected static long SeekSetOrCurrent(long current, long offset, int whence)
    {
        long target = whence switch
        {
            SEEK_SET => offset,
            SEEK_CUR => current + offset,
            _ => -1,
        };
        return target < 0 ? -(long)Errno.EINVAL : target;
    }

    /// <summary>Shared lseek arithmetic for files with a size; returns the new offset or -errno.</summary>
    protected static long ComputeSeek(long current, long size, long offset, int whence)
    {
        long target;
        switch (whence)
        {
            case SEEK_SET: target = offset; break;
            case SEEK_CUR:
                if (offset > 0 && current > long.MaxValue - offset) return -(long)Errno.EOVERFLOW;
                target = current + offset;
                break;
            case SEEK_END:
                if (offset > 0 && size > long.MaxValue - offset) return -(long)Errno.EOVERFLOW;
                target = size + offset;
                break;
            case SEEK_DATA:
                if (offset < 0 || offset >= size) return -(long)Errno.ENXIO;
                target = offset;
                break;
            case SEEK_HOLE:
                if (offset < 0 || offset >= size) return -(long)Errno.ENXIO;
                target = size;
                break;
            default: return -(long)Errno.EINVAL;
        }
        return target < 0 ? -(long)Errno.EINVAL : target;
    }
}

/// <summary>An O_PATH descriptor: it names a file (for *at calls, fstat, fchdir) but allows no I/O.</summary>
public sealed class PathFile : OpenFile
{
    public PathFile(Location location, int flags) : base(location, O_PATH) { }

    public override long Read(Span<byte> buffer) => -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> data) => -(long)Errno.EBADF;
    public override long PRead(Span<byte> buffer, long offset) => -(long)Errno.EBADF;
    public override long PWrite(ReadOnlySpan<byte> data, long offset) => -(long)Errno.EBADF;
    public override long Truncate(long length) => -(long)Errno.EBADF;
    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut) => -(long)Errno.EBADF;
}

/// <summary>
/// An open directory. Entries are listed from a snapshot taken when reading starts at offset 0 (as after rewinddir);
/// the d_off cookie of each record is the index of the next entry.
/// </summary>
public sealed class DirectoryFile : OpenFile
{
    private readonly object _lock = new();
    private List<DirEntry>? _snapshot;
    private long _pos;

    public DirectoryFile(Location location, int flags) : base(location, flags) { }

    public override long Read(Span<byte> buffer) => -(long)Errno.EISDIR;
    public override long Write(ReadOnlySpan<byte> data) => -(long)Errno.EBADF;
    public override long PRead(Span<byte> buffer, long offset) => -(long)Errno.EISDIR;
    public override long PWrite(ReadOnlySpan<byte> data, long offset) => -(long)Errno.EBADF;

    public override long Seek(long offset, int whence)
    {
        lock (_lock)
        {
            long target = SeekSetOrCurrent(_pos, offset, whence);
            if (target < 0) return target;
            _pos = target;
            if (target == 0) _snapshot = null;
            return target;
        }
    }

    public override long GetDents64(Span<byte> buffer)
    {
        lock (_lock)
        {
            if (_snapshot is null || _pos == 0)
            {
                long r = TakeSnapshot(out _snapshot);
                if (r < 0) return r;
            }
            var list = _snapshot!;
            var loc = Location!;
            int written = 0;
            while (_pos < list.Count)
            {
                var e = list[(int)_pos];
                int nameLen = Encoding.UTF8.GetByteCount(e.Name);
                int reclen = (19 + nameLen + 1 + 7) & ~7;
                if (written + reclen > buffer.Length)
                {
                    if (written == 0) return -(long)Errno.EINVAL;
                    break;
                }
                var rec = buffer.Slice(written, reclen);
                rec.Clear();
                BinaryPrimitives.WriteUInt64LittleEndian(rec, e.Ino);
                BinaryPrimitives.WriteInt64LittleEndian(rec[8..], _pos + 1);
                BinaryPrimitives.WriteUInt16LittleEndian(rec[16..], (ushort)reclen);
                rec[18] = e.Type;
                Encoding.UTF8.GetBytes(e.Name, rec[19..]);
                written += reclen;
                _pos++;
            }
            loc.Mount.Vfs.Notify.Transferred(this, false);
            return written;
        }
    }

    private long TakeSnapshot(out List<DirEntry> list)
    {
        var loc = Location!;
        list = [];
        long r = loc.Inode.ReadDir(out var entries);
        if (r < 0) return r;
        ulong parentIno = loc.Inode.Ino;
        if (loc.IsMountRoot && loc.Mount.MountpointDir is { } mp) parentIno = mp.Inode.Ino;
        else if (loc.Inode.DirParent is { } p) parentIno = p.Ino;
        list.Add(new DirEntry(".", loc.Inode.Ino, DT_DIR));
        list.Add(new DirEntry("..", parentIno, DT_DIR));
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            list.Add(e);
            names.Add(e.Name);
        }
        // Mount points on names the underlying directory lacks still show up, as a mounted directory would.
        foreach (var m in loc.Mount.Vfs.MountsOn(loc))
            if (names.Add(m.Name)) list.Add(new DirEntry(m.Name, m.Root.Ino, DT_DIR));
        return 0;
    }

    public static byte DirentType(uint mode) => (mode & S_IFMT) switch
    {
        S_IFDIR => DT_DIR,
        S_IFREG => DT_REG,
        S_IFLNK => DT_LNK,
        S_IFCHR => DT_CHR,
        S_IFBLK => DT_BLK,
        S_IFIFO => DT_FIFO,
        S_IFSOCK => DT_SOCK,
        _ => DT_UNKNOWN,
    };
}

/// <summary>Linux's permission check (generic_permission) with root's DAC override.</summary>
public static class Permission
{
    public const int MayExec = 1;
    public const int MayWrite = 2;
    public const int MayRead = 4;

    /// <summary>What an open with access mode <paramref name="accessMode"/> (O_RDONLY, O_WRONLY, O_RDWR) must be allowed.</summary>
    public static int ForAccessMode(int accessMode) => accessMode switch
    {
        O_RDONLY => MayRead,
        O_WRONLY => MayWrite,
        _ => MayRead | MayWrite,
    };

    public static long Check(Inode inode, Credentials creds, int mask)
    {
        mask &= 7;
        if (mask == 0) return 0;
        // Nobody writes to an immutable inode, not even root (inode_permission).
        if ((mask & MayWrite) != 0 && inode.IsImmutable) return -(long)Errno.EPERM;
        uint mode = inode.Mode;
        if (creds.IsRoot)
        {
            // Root may execute only what someone may execute, but may always search directories.
            if ((mask & MayExec) != 0 && !inode.IsDirectory && (mode & 0x49 /* 0111 */) == 0) return -(long)Errno.EACCES;
            return 0;
        }
        uint bits;
        if (creds.Fsuid == inode.Uid) bits = (mode >> 6) & 7;
        else if (creds.InGroup(inode.Gid)) bits = (mode >> 3) & 7;
        else bits = mode & 7;
        return (bits & (uint)mask) == (uint)mask ? 0 : -(long)Errno.EACCES;
    }

    /// <summary>Sticky directories: only the owner of the entry or of the directory (or root) may remove or rename it.</summary>
    public static bool MayDeleteInSticky(Inode dir, Inode victim, Credentials creds) =>
        !dir.IsAppendOnly && !victim.IsAppendOnly && !victim.IsImmutable && StickyAllows(dir, victim, creds);

    private static bool StickyAllows(Inode dir, Inode victim, Credentials creds) =>
        (dir.Mode & S_ISVTX) == 0 || creds.IsRoot || creds.Fsuid == victim.Uid || creds.Fsuid == dir.Uid;
}
