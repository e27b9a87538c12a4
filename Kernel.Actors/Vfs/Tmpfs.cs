using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>An in-memory filesystem (tmpfs; devfs is one with device nodes in it).</summary>
public sealed class Tmpfs : Filesystem
{
    private long _nextIno = 1;
    private readonly string _type;

    private readonly uint _initialMode;

    public Tmpfs(string type = "tmpfs", uint rootMode = 0x3FF /* 01777 */, uint uid = 0, uint gid = 0)
    {
        _type = type;
        _initialMode = rootMode & 0xFFF;
        Root = new TmpDirectory(this, NextIno(), rootMode & 0xFFF /* 07777 */, uid, gid, null, null);
    }

    public override string Type => _type;
    public override Inode Root { get; }

    /// <summary>
    /// For the internal hugetlbfs of MFD_HUGETLB memfds: the huge page size (0 for tmpfs). Its files are backed by base
    /// pages but keep hugetlbfs's rules: no write(2), sizes and mappings in whole huge pages.
    /// </summary>
    public ulong HugePageSize { get; init; }
    internal ulong NextIno() => (ulong)Interlocked.Increment(ref _nextIno);

    // size= and nr_inodes= (0: unlimited); pages are counted as they are first written, nodes as they are created.
    private readonly object _spaceLock = new();
    private long _maxPages, _maxInodes, _usedPages, _usedInodes = 1; // the root directory counts, as on Linux

    public long MaxPages => _maxPages;
    public long MaxInodes => _maxInodes;
    private TmpfsOptions? _options;
    private ulong _memoryBytes = 4UL << 30;

    /// <summary>Applies mount options (size=, nr_inodes=; mode, uid and gid were given to the constructor).</summary>
    internal long Configure(TmpfsOptions options, ulong memoryBytes = 4UL << 30)
    {
        _memoryBytes = memoryBytes;
        long r = SetLimits(options.MaxPages ?? _maxPages, options.MaxInodes ?? _maxInodes);
        if (r == 0) _options = _options is null ? options : options with { Mode = _options.Mode, Uid = _options.Uid, Gid = _options.Gid };
        return r;
    }

    /// <summary>remount: size= and nr_inodes= change; mode=, uid= and gid= are accepted and ignored, as on Linux.</summary>
    public override long Reconfigure(string options, bool readOnly)
    {
        long r = TmpfsOptions.Parse(options, _memoryBytes, out var o);
        if (r < 0) return r;
        r = Configure(o, _memoryBytes);
        return r < 0 ? r : SetSuperReadOnly(readOnly);
    }

    public override string MountOptions
    {
        get
        {
            var o = new List<string>();
            if (_maxPages != 0) o.Add($"size={_maxPages * 4}k");
            if (_maxInodes != 0) o.Add($"nr_inodes={_maxInodes}");
            var root = (TmpInode)Root;
            uint mode = _options?.Mode ?? _initialMode;
            if (mode != 0x3FF /* 01777 */) o.Add("mode=" + Convert.ToString(mode, 8).PadLeft(3, '0'));
            if (root.OwnerUid != 0 && _options?.Uid is { } uid) o.Add($"uid={uid}");
            if (root.OwnerGid != 0 && _options?.Gid is { } gid) o.Add($"gid={gid}");
            return string.Join(',', o);
        }
    }

    /// <summary>Sets the limits (a remount may not shrink them below what is in use: EINVAL).</summary>
    public long SetLimits(long maxPages, long maxInodes)
    {
        lock (_spaceLock)
        {
            if ((maxPages != 0 && maxPages < _usedPages) || (maxInodes != 0 && maxInodes < _usedInodes)) return -(long)Errno.EINVAL;
            _maxPages = maxPages;
            _maxInodes = maxInodes;
            return 0;
        }
    }

    internal bool TryTakePage()
    {
        lock (_spaceLock)
        {
            if (_maxPages != 0 && _usedPages >= _maxPages) return false;
            _usedPages++;
            return true;
        }
    }

    internal void ReturnPages(long count)
    {
        lock (_spaceLock) _usedPages -= count;
    }

    internal bool TryTakeInode()
    {
        lock (_spaceLock)
        {
            if (_maxInodes != 0 && _usedInodes >= _maxInodes) return false;
            _usedInodes++;
            return true;
        }
    }

    internal void ReturnInode()
    {
        lock (_spaceLock) _usedInodes--;
    }

    public override StatFsInfo StatFs()
    {
        const long blockSize = 4096;
        const ulong nominal = 1UL << 20; // 4 GiB and 1M nodes when unlimited, as tmpfs sizes itself from RAM
        // hugetlbfs without size= or nr_inodes= reports no counts, in huge-page blocks.
        if (HugePageSize != 0)
            return new StatFsInfo(StatFsInfo.HUGETLBFS_MAGIC, (long)HugePageSize, 0, 0, 0, 0, 0, Dev, 255, (long)HugePageSize, 0);
        lock (_spaceLock)
        {
            ulong blocks = _maxPages != 0 ? (ulong)_maxPages : nominal;
            ulong files = _maxInodes != 0 ? (ulong)_maxInodes : nominal;
            ulong freeBlocks = blocks - Math.Min(blocks, (ulong)_usedPages);
            ulong freeFiles = files - Math.Min(files, (ulong)_usedInodes);
            return new StatFsInfo(StatFsInfo.TMPFS_MAGIC, blockSize, blocks, freeBlocks, freeBlocks, files, freeFiles, Dev, 255, blockSize, 0);
        }
    }

    public override long Rename(Inode oldDir, string oldName, Inode newDir, string newName, uint flags)
    {
        if (oldDir is not TmpDirectory od || newDir is not TmpDirectory nd) return -(long)Errno.EXDEV;
        if (!od.Entries.TryGetValue(oldName, out var moving)) return -(long)Errno.ENOENT;
        nd.Entries.TryGetValue(newName, out var existing);
        var now = Timespec.Now;
        if ((flags & RENAME_EXCHANGE) != 0)
        {
            if (existing is null) return -(long)Errno.ENOENT;
            od.Entries[oldName] = existing;
            nd.Entries[newName] = moving;
            Reparent(existing, od, oldName);
            Reparent(moving, nd, newName);
            if (!ReferenceEquals(od, nd) && moving.IsDirectory != existing.IsDirectory)
            {
                // The ".." links move with the directories.
                int delta = moving.IsDirectory ? 1 : -1;
                nd.Nlink += (uint)delta;
                od.Nlink -= (uint)delta;
            }
        }
        else
        {
            if (existing is not null)
            {
                if (existing is TmpDirectory ed)
                {
                    if (ed.Entries.Count != 0) return -(long)Errno.ENOTEMPTY;
                    ed.Nlink = 0;
                    ed.Parent = null;
                    nd.Nlink--;
                }
                else
                {
                    if (existing.Nlink > 1) ReturnInode();
                    existing.Nlink--;
                }
                if (existing.Nlink == 0) existing.Unlinked();
                existing.Ctime = now;
            }
            od.Entries.Remove(oldName);
            nd.Entries[newName] = moving;
            Reparent(moving, nd, newName);
            if (moving.IsDirectory && !ReferenceEquals(od, nd))
            {
                od.Nlink--;
                nd.Nlink++;
            }
        }
        moving.Ctime = now;
        od.Mtime = od.Ctime = now;
        nd.Mtime = nd.Ctime = now;
        return 0;
    }

    private static void Reparent(TmpInode node, TmpDirectory dir, string name)
    {
        if (node is TmpDirectory d)
        {
            d.Parent = dir;
            d.Name = name;
        }
    }
}

/// <summary>State common to tmpfs nodes.</summary>
public abstract class TmpInode : MemoryInode
{
    private readonly Timespec _birth;

    protected TmpInode(Tmpfs fs, ulong ino, uint mode, uint uid, uint gid) : base(fs, ino, mode, uid, gid)
    {
        Nlink = 1;
        _birth = Ctime;
    }

    protected override Timespec? BirthTime => _birth;

    internal uint Nlink;
    internal Tmpfs TmpFs => (Tmpfs)Fs;

    /// <summary>chattr flags (FS_*_FL), of those tmpfs keeps.</summary>
    internal uint Flags;

    public override uint AttrFlags => Flags;

    public override long GetAttrFlags(out uint flags)
    {
        flags = Flags;
        return 0;
    }

    public override long SetAttrFlags(uint flags)
    {
        if ((flags & ~InodeFlags.Tmpfs) != 0) return -(long)Errno.EOPNOTSUPP;
        Flags = flags;
        Ctime = Timespec.Now;
        return 0;
    }

    protected override uint LinkCount => Nlink;

    private XattrStore? _xattrs;

    public override long GetXattr(string name, out byte[] value)
    {
        value = [];
        return _xattrs?.Get(name, out value) ?? -(long)Errno.ENODATA;
    }

    public override long ListXattr(out List<string> names)
    {
        names = _xattrs?.Names() ?? [];
        return 0;
    }

    public override long SetXattr(string name, byte[] value, int flags)
    {
        long r = (_xattrs ??= new XattrStore()).Set(name, value, flags);
        if (r == 0) Ctime = Timespec.Now;
        return r;
    }

    public override long RemoveXattr(string name)
    {
        long r = _xattrs?.Remove(name) ?? -(long)Errno.ENODATA;
        if (r == 0) Ctime = Timespec.Now;
        return r;
    }

    /// <summary>The last name of this node went away: its space and node count return to the filesystem.</summary>
    internal virtual void Unlinked() => TmpFs.ReturnInode();
}

public sealed class TmpDirectory : TmpInode
{
    internal readonly Dictionary<string, TmpInode> Entries = new(StringComparer.Ordinal);
    internal TmpDirectory? Parent;
    internal string? Name;

    internal TmpDirectory(Tmpfs fs, ulong ino, uint perm, uint uid, uint gid, TmpDirectory? parent, string? name)
        : base(fs, ino, S_IFDIR | perm, uid, gid)
    {
        Parent = parent;
        Name = name;
        Nlink = 2;
    }

    public override Inode? DirParent => Parent;
    public override string? DirName => Name;
    protected override long Size => 4096;
    protected override long BlockCount() => 8;

    public override long Lookup(string name, out Inode? child)
    {
        child = Entries.GetValueOrDefault(name);
        return child is null ? -(long)Errno.ENOENT : 0;
    }

    public override long ReadDir(out List<DirEntry> entries)
    {
        entries = new List<DirEntry>(Entries.Count);
        foreach (var (name, node) in Entries) entries.Add(new DirEntry(name, node.Ino, DirectoryFile.DirentType(node.Mode)));
        Atime = Timespec.Now;
        return 0;
    }

    /// <summary>A new node takes the directory's inheritable flags (nodump, noatime), as shmem_get_inode gives them.</summary>
    private T Inherit<T>(T node) where T : TmpInode
    {
        node.Flags = Flags & InodeFlags.TmpfsInherited;
        return node;
    }

    private long Add(string name, TmpInode node, bool newNode = true)
    {
        if (Nlink == 0) return -(long)Errno.ENOENT; // a removed directory takes no new entries
        if (Entries.ContainsKey(name)) return -(long)Errno.EEXIST;
        if (newNode && !TmpFs.TryTakeInode()) return -(long)Errno.ENOSPC;
        Entries[name] = node;
        Mtime = Ctime = Timespec.Now;
        return 0;
    }

    public override long CreateFile(string name, uint mode, Credentials creds, out Inode? child)
    {
        var f = Inherit(new TmpRegular(TmpFs, TmpFs.NextIno(), mode & 0xFFF /* 07777 */, creds.Fsuid, NewGid(creds)));
        child = f;
        return Add(name, f);
    }

    public override long CreateDirectory(string name, uint mode, Credentials creds)
    {
        uint perm = mode & 0xFFF /* 07777 */;
        if ((Mode & S_ISGID) != 0) perm |= S_ISGID; // setgid directories propagate
        long r = Add(name, Inherit(new TmpDirectory(TmpFs, TmpFs.NextIno(), perm, creds.Fsuid, NewGid(creds), this, name)));
        if (r == 0) Nlink++;
        return r;
    }

    public override long CreateSymlink(string name, string target, Credentials creds) =>
        Add(name, Inherit(new TmpSymlink(TmpFs, TmpFs.NextIno(), target, creds.Fsuid, NewGid(creds))));

    public override long CreateNode(string name, uint mode, ulong rdev, Credentials creds)
    {
        uint type = mode & S_IFMT;
        TmpInode node = type switch
        {
            S_IFREG or 0 => new TmpRegular(TmpFs, TmpFs.NextIno(), mode & 0xFFF /* 07777 */, creds.Fsuid, NewGid(creds)),
            S_IFIFO => new TmpFifo(TmpFs, TmpFs.NextIno(), mode & 0xFFF /* 07777 */, creds.Fsuid, NewGid(creds)),
            S_IFCHR or S_IFBLK or S_IFSOCK => new TmpSpecial(TmpFs, TmpFs.NextIno(), type | (mode & 0xFFF /* 07777 */), rdev, creds.Fsuid, NewGid(creds)),
            _ => null!,
        };
        if (node is null) return -(long)Errno.EPERM;
        return Add(name, Inherit(node));
    }

    /// <summary>Adds a device node whose opens are served by <paramref name="open"/> (devfs); a null file gives ENXIO.</summary>
    public long AddDevice(string name, uint perm, uint major, uint minor, Func<Location, int, OpenFile?> open) =>
        AddDevice(name, perm, major, minor, (Location loc, int flags, out OpenFile? file) =>
        {
            file = open(loc, flags);
            return file is null ? -(long)Errno.ENXIO : 0;
        });

    /// <summary>Adds a device node whose opens are served by <paramref name="open"/>, which may fail with any errno.</summary>
    public long AddDevice(string name, uint perm, uint major, uint minor, OpenDevice open) =>
        Add(name, new TmpDevice(TmpFs, TmpFs.NextIno(), perm, StatInfo.MakeDev(major, minor), open));

    public override long AddLink(string name, Inode target)
    {
        if (target is not TmpInode t || !ReferenceEquals(t.Fs, Fs)) return -(long)Errno.EXDEV;
        if (t.Nlink == 0 && t is not TmpRegular { Linkable: true }) return -(long)Errno.ENOENT;
        // Every name costs an inode of nr_inodes, as Linux's shmem_link counts each extra link (its dentry pins memory).
        long r = Add(name, t);
        if (r == 0)
        {
            // Once named, it is an ordinary file: unlinked again, it cannot come back (Linux clears I_LINKABLE).
            if (t is TmpRegular reg) reg.Linkable = false;
            t.Nlink++;
            t.Ctime = Timespec.Now;
        }
        return r;
    }

    public override long RemoveEntry(string name, bool directory)
    {
        if (!Entries.TryGetValue(name, out var node)) return -(long)Errno.ENOENT;
        if (directory)
        {
            if (node is not TmpDirectory d) return -(long)Errno.ENOTDIR;
            if (d.Entries.Count != 0) return -(long)Errno.ENOTEMPTY;
            d.Nlink = 0;
            d.Parent = null;
            Nlink--;
        }
        else
        {
            if (node.IsDirectory) return -(long)Errno.EISDIR;
            if (node.Nlink > 1) TmpFs.ReturnInode(); // the name's share; the last one is returned by Unlinked
            node.Nlink--;
        }
        if (node.Nlink == 0) node.Unlinked();
        Entries.Remove(name);
        var now = Timespec.Now;
        node.Ctime = now;
        Mtime = Ctime = now;
        return 0;
    }

    public override long CreateUnnamedFile(uint mode, Credentials creds, bool linkable, out Inode? file)
    {
        file = null;
        if (Nlink == 0) return -(long)Errno.ENOENT;
        // Counted only once it gets a name (linkat), as its space is returned only when it is unlinked.
        file = Inherit(new TmpRegular(TmpFs, TmpFs.NextIno(), mode & 0xFFF /* 07777 */, creds.Fsuid, NewGid(creds)) { Nlink = 0, Linkable = linkable });
        return 0;
    }

    private uint NewGid(Credentials creds) => (Mode & S_ISGID) != 0 ? Gid : creds.Fsgid;
}

public sealed class TmpSymlink : TmpInode
{
    private readonly string _target;

    internal TmpSymlink(Tmpfs fs, ulong ino, string target, uint uid, uint gid) : base(fs, ino, S_IFLNK | 0x1FF /* 0777 */, uid, gid)
    {
        _target = target;
    }

    protected override long Size => System.Text.Encoding.UTF8.GetByteCount(_target);

    public override long ReadLink(out string target)
    {
        target = _target;
        Atime = Timespec.Now;
        return 0;
    }
}

public sealed partial class TmpRegular : TmpInode
{
    internal readonly PagedData Data;
    /// <summary>An O_TMPFILE file opened without O_EXCL may get a name with linkat.</summary>
    internal bool Linkable;

    internal TmpRegular(Tmpfs fs, ulong ino, uint perm, uint uid, uint gid) : base(fs, ino, S_IFREG | perm, uid, gid)
    {
        Data = new PagedData(fs);
    }

    internal override void Unlinked()
    {
        base.Unlinked();
        Data.Detach();
    }

    protected override long Size => Data.Length;
    protected override long BlockCount() => Data.PageCount * 8;
    protected override int BlockSize => TmpFs.HugePageSize != 0 ? (int)TmpFs.HugePageSize : base.BlockSize;

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        file = new TmpRegularFile(location, this, flags);
        return 0;
    }

    public override long Truncate(long length)
    {
        // hugetlbfs sizes files in whole huge pages.
        if (TmpFs.HugePageSize != 0 && (ulong)length % TmpFs.HugePageSize != 0) return -(long)Errno.EINVAL;
        long r = CheckResize(length);
        if (r < 0) return r;
        r = Data.SetLength(length);
        if (r < 0) return r;
        Mtime = Ctime = Timespec.Now;
        return 0;
    }

    internal void Touch(bool modified)
    {
        var now = Timespec.Now;
        if (modified) Mtime = Ctime = now;
        else Atime = now;
    }
}

/// <summary>Opens a device node: 0 and the file, or -errno.</summary>
public delegate long OpenDevice(Location location, int flags, out OpenFile? file);

/// <summary>A character device node (devfs): opening it asks a factory for the file object.</summary>
public sealed class TmpDevice : TmpInode
{
    private readonly ulong _rdev;
    private readonly OpenDevice _open;

    internal TmpDevice(Tmpfs fs, ulong ino, uint perm, ulong rdev, OpenDevice open)
        : base(fs, ino, S_IFCHR | perm, 0, 0)
    {
        _rdev = rdev;
        _open = open;
    }

    protected override ulong Rdev => _rdev;

    public override long Open(Location location, int flags, out OpenFile? file) => _open(location, flags, out file);
}

/// <summary>A device or socket node made with mknod: a character device opens the standard device of its number, if any; the rest give ENXIO.</summary>
public sealed class TmpSpecial : TmpInode
{
    private readonly ulong _rdev;

    internal TmpSpecial(Tmpfs fs, ulong ino, uint mode, ulong rdev, uint uid, uint gid) : base(fs, ino, mode, uid, gid)
    {
        _rdev = rdev;
    }

    protected override ulong Rdev => _rdev;

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        file = null;
        return FileType == S_IFCHR ? Devfs.OpenByNumber(_rdev, location, flags, out file) : -(long)Errno.ENXIO;
    }
}

/// <summary>A named pipe: every open shares one <see cref="Pipe"/>.</summary>
public sealed class TmpFifo : TmpInode
{
    private Pipe? _pipe;

    internal TmpFifo(Tmpfs fs, ulong ino, uint perm, uint uid, uint gid) : base(fs, ino, S_IFIFO | perm, uid, gid) { }

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        _pipe ??= new Pipe();
        return _pipe.OpenEnd(location, flags, out file);
    }
}

/// <summary>An open tmpfs regular file.</summary>
public sealed partial class TmpRegularFile : OpenFile
{
    private readonly TmpRegular _node;
    private readonly object _posLock = new();
    private long _pos;

    internal TmpRegularFile(Location location, TmpRegular node, int flags) : base(location, flags)
    {
        _node = node;
    }

    public override long Read(Span<byte> buffer)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        lock (_posLock)
        {
            long n = _node.Data.Read(_pos, buffer);
            _pos += n;
            _node.Touch(false);
            return Transferred(n, false);
        }
    }

    public override long Write(ReadOnlySpan<byte> data)
    {
        if (!CanWrite) return -(long)Errno.EBADF;
        lock (_posLock)
        {
            long n = _node.SealedWriteLength((StatusFlags & O_APPEND) != 0 ? _node.Data.Length : _pos, data.Length);
            if (n < 0) return n;
            data = data[..(int)n];
            if ((StatusFlags & O_APPEND) != 0)
            {
                n = _node.Data.Append(data, out long end);
                if (n < 0) return n;
                _pos = end;
            }
            else
            {
                n = _node.Data.Write(_pos, data);
                if (n < 0) return n;
                _pos += n;
            }
            if (n > 0) _node.Touch(true);
            return Transferred(n, true);
        }
    }

    public override long PRead(Span<byte> buffer, long offset)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        if (offset < 0) return -(long)Errno.EINVAL;
        long n = _node.Data.Read(offset, buffer);
        _node.Touch(false);
        return Transferred(n, false);
    }

    public override long PWrite(ReadOnlySpan<byte> data, long offset)
    {
        if (!CanWrite) return -(long)Errno.EBADF;
        if (offset < 0) return -(long)Errno.EINVAL;
        // Linux appends even for pwrite on an O_APPEND file.
        bool append = (StatusFlags & O_APPEND) != 0;
        long n = _node.SealedWriteLength(append ? _node.Data.Length : offset, data.Length);
        if (n < 0) return n;
        data = data[..(int)n];
        n = append ? _node.Data.Append(data, out _) : _node.Data.Write(offset, data);
        if (n > 0) _node.Touch(true);
        return Transferred(n, true);
    }

    public override long Seek(long offset, int whence)
    {
        lock (_posLock)
        {
            long r = whence switch
            {
                SEEK_DATA => _node.Data.SeekData(offset),
                SEEK_HOLE => _node.Data.SeekHole(offset),
                _ => ComputeSeek(_pos, _node.Data.Length, offset, whence),
            };
            if (r >= 0) _pos = r;
            return r;
        }
    }

    public override long Truncate(long length)
    {
        if (!CanWrite) return -(long)Errno.EINVAL;
        if (length < 0) return -(long)Errno.EINVAL;
        long r = _node.Truncate(length);
        if (r == 0) Location!.Mount.Vfs.Notify.Changed(Location, FsNotify.Modify);
        return r;
    }
}

/// <summary>Sparse file contents in 4 KiB pages (absent pages read as zeros), safe for concurrent readers and writers.</summary>
public sealed partial class PagedData
{
    private const int PageSize = 4096;
    /// <summary>Largest file size accepted (as a filesystem's s_maxbytes).</summary>
    public const long MaxSize = 1L << 40;
    private readonly Dictionary<long, byte[]> _pages = new();
    private readonly object _lock = new();
    private long _length;
    /// <summary>The tmpfs whose size= limit the pages count against (null: unlimited, or detached after the last unlink).</summary>
    private Tmpfs? _space;

    public PagedData(Tmpfs? space = null)
    {
        _space = space;
    }

    /// <summary>The file lost its last name: its pages no longer count against the filesystem.</summary>
    internal void Detach()
    {
        lock (_lock)
        {
            _space?.ReturnPages(_pages.Count + _reserved.Count + _hostPages);
            _space = null;
        }
    }

    public long Length { get { lock (_lock) return _length; } }
    public long PageCount { get { lock (_lock) return _host?.Pages ?? _pages.Count + _reserved.Count; } }

    public long Read(long offset, Span<byte> dest)
    {
        lock (_lock)
        {
            if (offset >= _length || dest.Length == 0) return 0;
            int count = (int)Math.Min(dest.Length, _length - offset);
            if (_host is not null) return _host.Read(offset, dest[..count]);
            int done = 0;
            while (done < count)
            {
                long pos = offset + done;
                long page = pos / PageSize;
                int inPage = (int)(pos % PageSize);
                int chunk = Math.Min(count - done, PageSize - inPage);
                if (_pages.TryGetValue(page, out var p)) p.AsSpan(inPage, chunk).CopyTo(dest.Slice(done, chunk));
                else dest.Slice(done, chunk).Clear();
                done += chunk;
            }
            return count;
        }
    }

    public long Write(long offset, ReadOnlySpan<byte> src)
    {
        lock (_lock) return WriteLocked(offset, src);
    }

    /// <summary>Writes at the end; <paramref name="endOffset"/> is the offset just past the data.</summary>
    public long Append(ReadOnlySpan<byte> src, out long endOffset)
    {
        lock (_lock)
        {
            long start = _length;
            long n = WriteLocked(start, src);
            endOffset = n < 0 ? start : start + n;
            return n;
        }
    }

    private long WriteLocked(long offset, ReadOnlySpan<byte> src)
    {
        if (src.Length == 0) return 0;
        if (offset >= MaxSize) return -(long)Errno.EFBIG;
        int count = (int)Math.Min(src.Length, MaxSize - offset);
        if (_host is not null) return HostWriteLocked(offset, src[..count]);
        int done = 0;
        while (done < count)
        {
            long pos = offset + done;
            long page = pos / PageSize;
            int inPage = (int)(pos % PageSize);
            int chunk = Math.Min(count - done, PageSize - inPage);
            if (!_pages.TryGetValue(page, out var p))
            {
                // A page fallocate reserved was counted against size= already.
                if (!_reserved.Remove(page) && _space is not null && !_space.TryTakePage()) break; // size= reached
                _pages[page] = p = new byte[PageSize];
            }
            src.Slice(done, chunk).CopyTo(p.AsSpan(inPage, chunk));
            done += chunk;
        }
        if (done == 0) return -(long)Errno.ENOSPC;
        _length = Math.Max(_length, offset + done);
        return done;
    }

    public long SetLength(long length)
    {
        if (length < 0) return -(long)Errno.EINVAL;
        if (length > MaxSize) return -(long)Errno.EFBIG;
        lock (_lock)
        {
            if (_host is not null) return HostResizeLocked(length);
            if (length < _length)
            {
                long firstDropped = (length + PageSize - 1) / PageSize;
                var dropped = _pages.Keys.Where(k => k >= firstDropped).ToList();
                foreach (var key in dropped) _pages.Remove(key);
                _space?.ReturnPages(dropped.Count + _reserved.RemoveWhere(k => k >= firstDropped));
                int tail = (int)(length % PageSize);
                if (tail != 0 && _pages.TryGetValue(length / PageSize, out var last)) last.AsSpan(tail).Clear();
            }
            _length = length;
            return 0;
        }
    }

    public long SeekData(long offset)
    {
        lock (_lock)
        {
            if (offset < 0 || offset >= _length) return -(long)Errno.ENXIO;
            if (_host is not null) return _host.SeekDataBefore(offset, _length);
            for (long page = offset / PageSize; page * PageSize < _length; page++)
                if (_pages.ContainsKey(page)) return Math.Max(offset, page * PageSize);
            return -(long)Errno.ENXIO;
        }
    }

    public long SeekHole(long offset)
    {
        lock (_lock)
        {
            if (offset < 0 || offset >= _length) return -(long)Errno.ENXIO;
            if (_host is not null) return _host.SeekHoleBefore(offset, _length);
            for (long page = offset / PageSize; page * PageSize < _length; page++)
                if (!_pages.ContainsKey(page)) return Math.Max(offset, page * PageSize);
            return _length;
        }
    }
}
