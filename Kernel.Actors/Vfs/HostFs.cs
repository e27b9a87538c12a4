using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A view of a host directory: read only (the overlay's lower layer, --mount binds), or writable (--rootfs-writable).
/// Every node is reached through openat2 beneath an O_PATH fd of the directory with symlink resolution forbidden, and
/// every change is made through a directory fd so reached plus one name component without following it: the guest
/// resolver expands symlinks itself, so nothing can lead outside, and no host path is ever built from guest input.
/// </summary>
public sealed partial class HostFilesystem : Filesystem, IDisposable
{
    private int _rootFd;

    private HostFilesystem(int rootFd, string hostDir, bool writable)
    {
        _rootFd = rootFd;
        HostDirectory = hostDir;
        Writable = writable;
        HostNative.FStat(rootFd, Dev, out var st);
        Root = new HostInode(this, null, null, st.Ino, st.Mode, st.Uid, st.Gid);
    }

    public string HostDirectory { get; }
    /// <summary>Changes reach the host directory (never for the overlay's lower layer).</summary>
    public bool Writable { get; }
    public override string Type => "hostfs";
    public override bool ReadOnly => !Writable;
    public override Inode Root { get; }
    internal int RootFd => _rootFd;

    /// <summary>Opens <paramref name="hostDir"/> read only; ENOENT/ENOTDIR/EACCES for a bad directory, ENOSYS without openat2.</summary>
    public static long Open(string hostDir, out HostFilesystem? fs) => Open(hostDir, false, out fs);

    public static long Open(string hostDir, bool writable, out HostFilesystem? fs)
    {
        fs = null;
        long r = HostNative.OpenDirectoryPath(hostDir, out int fd);
        if (r < 0) return r;
        // Make sure the host kernel has openat2 (Linux 5.6+) before relying on it.
        r = HostNative.OpenBeneath(fd, "", HostNative.O_PATH | HostNative.O_DIRECTORY, out int probe);
        if (r < 0)
        {
            HostNative.Close(fd);
            return r == -(long)Errno.ENOSYS || r == -(long)Errno.E2BIG ? -(long)Errno.ENOSYS : r;
        }
        HostNative.Close(probe);
        fs = new HostFilesystem(fd, hostDir, writable);
        return 0;
    }

    public override StatFsInfo StatFs()
    {
        HostNative.FStatFs(_rootFd, out var st);
        return st with { FsId = Dev, Flags = 0 }; // the mount supplies f_flags
    }

    internal long OpenNode(string rel, int hostFlags, out int fd) => HostNative.OpenBeneath(_rootFd, rel, hostFlags, out fd);

    /// <summary>Opens for reading without touching the host's access time where the host lets us (O_NOATIME).</summary>
    internal long OpenForReading(string rel, int hostFlags, out int fd)
    {
        long r = OpenNode(rel, hostFlags | HostNative.O_NOATIME, out fd);
        return r == -(long)Errno.EPERM ? OpenNode(rel, hostFlags, out fd) : r;
    }

    public override long Rename(Inode oldDir, string oldName, Inode newDir, string newName, uint flags)
    {
        if (!Writable) return -(long)Errno.EROFS;
        if (oldDir is not HostInode od || newDir is not HostInode nd) return -(long)Errno.EXDEV;
        return od.WithDirFd(oldFd => nd.WithDirFd(newFd =>
        {
            // The VFS makes the whiteout itself, through the filesystem's mknod.
            long r = HostNative.RenameAt2(oldFd, oldName, newFd, newName, flags & ~RENAME_WHITEOUT);
            if (r == 0) HostInode.Moved(od, oldName, nd, newName, (flags & RENAME_EXCHANGE) != 0);
            return r;
        }));
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _rootFd, -1);
        if (fd >= 0) HostNative.Close(fd);
    }
}

/// <summary>
/// A node of a host directory, named by its parent and name (so a renamed directory takes its subtree along).
/// Each directory keeps the nodes looked up in it, so that a name gives the same node while the host file is the same.
/// </summary>
public sealed class HostInode : Inode, IFileBytes
{
    private HostInode? _parent;
    private string? _name;
    private bool _gone; // unlinked, or replaced by a rename: no path names it any more
    private uint _mode, _uid, _gid;
    private readonly Dictionary<string, HostInode> _children = new(StringComparer.Ordinal);
    private Pipe? _pipe;

    internal HostInode(HostFilesystem fs, HostInode? parent, string? name, ulong ino, uint mode, uint uid, uint gid)
        : base(fs, ino)
    {
        _parent = parent;
        _name = name;
        _mode = mode;
        _uid = uid;
        _gid = gid;
    }

    /// <summary>The symlink-free path from the root ("" for the root itself).</summary>
    public string RelativePath
    {
        get
        {
            if (_parent is null) return "";
            var parts = new List<string>();
            for (var n = this; n._parent is not null; n = n._parent) parts.Add(n._name!);
            parts.Reverse();
            return string.Join('/', parts);
        }
    }

    internal HostFilesystem HostFs => (HostFilesystem)Fs;
    public override uint Mode => _mode;
    public override uint Uid => _uid;
    public override uint Gid => _gid;
    public override Inode? DirParent => _parent;
    public override string? DirName => _name;
    private bool Removed => _gone;

    private string ChildPath(string name) => _parent is null ? name : RelativePath + "/" + name;

    /// <summary>Opens this node by its path beneath the root (ENOENT once it has no name).</summary>
    private long OpenSelf(int hostFlags, bool reading, out int fd)
    {
        fd = -1;
        if (_gone) return -(long)Errno.ENOENT;
        return reading ? HostFs.OpenForReading(RelativePath, hostFlags, out fd) : HostFs.OpenNode(RelativePath, hostFlags, out fd);
    }

    public override long Stat(out StatInfo st)
    {
        st = default;
        long r = OpenSelf(HostNative.O_PATH | HostNative.O_NOFOLLOW, false, out int fd);
        if (r < 0) return r;
        r = HostNative.FStat(fd, Fs.Dev, out st);
        HostNative.Close(fd);
        if (r == 0) Refresh(st);
        return r;
    }

    private void Refresh(in StatInfo st)
    {
        _mode = st.Mode;
        _uid = st.Uid;
        _gid = st.Gid;
    }

    public override long Lookup(string name, out Inode? child)
    {
        child = null;
        if (!IsDirectory) return -(long)Errno.ENOTDIR;
        if (Removed) return -(long)Errno.ENOENT;
        long r = HostFs.OpenNode(ChildPath(name), HostNative.O_PATH | HostNative.O_NOFOLLOW, out int fd);
        if (r < 0) return r == -(long)Errno.ELOOP ? -(long)Errno.ENOENT : r;
        r = HostNative.FStat(fd, Fs.Dev, out var st);
        HostNative.Close(fd);
        if (r < 0) return r;
        lock (_children)
        {
            // The same host file keeps its node; a different one (replaced on the host) gets a new node.
            if (_children.TryGetValue(name, out var known) && known.Ino == st.Ino && known.FileType == (st.Mode & S_IFMT))
                known.Refresh(st);
            else _children[name] = known = new HostInode(HostFs, this, name, st.Ino, st.Mode, st.Uid, st.Gid);
            child = known;
        }
        return 0;
    }

    public override long ReadDir(out List<DirEntry> entries)
    {
        entries = [];
        if (!IsDirectory) return -(long)Errno.ENOTDIR;
        if (Removed) return 0;
        long r = OpenSelf(HostNative.O_RDONLY | HostNative.O_DIRECTORY, true, out int fd);
        if (r < 0) return r;
        r = HostNative.ReadAllEntries(fd, entries);
        HostNative.Close(fd);
        return r;
    }

    public override long ReadLink(out string target)
    {
        target = "";
        if (!IsSymlink || _parent is null || _name is null) return -(long)Errno.EINVAL;
        var name = _name;
        string text = "";
        long r = _parent.WithDirFd(dirFd => HostNative.ReadLinkAt(dirFd, name, out text));
        target = text;
        return r;
    }

    /// <summary>Bytes of the file from <paramref name="offset"/> (a private mapping's source): opened for the read, so nothing stays open.</summary>
    public long Read(long offset, Span<byte> buffer)
    {
        long r = OpenSelf(HostNative.O_RDONLY | HostNative.O_NOFOLLOW, true, out int fd);
        if (r < 0) return r;
        try { return HostNative.PRead(fd, buffer, offset); }
        finally { HostNative.Close(fd); }
    }

    /// <summary>The whole contents of a regular file (the overlay's copy-up).</summary>
    internal long ReadAll(Stream destination)
    {
        long r = OpenSelf(HostNative.O_RDONLY | HostNative.O_NOFOLLOW, true, out int fd);
        if (r < 0) return r;
        try
        {
            var buf = new byte[1 << 16];
            for (long offset = 0; ; offset += r)
            {
                r = HostNative.PRead(fd, buf, offset);
                if (r <= 0) return r;
                destination.Write(buf, 0, (int)r);
            }
        }
        finally
        {
            HostNative.Close(fd);
        }
    }

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        file = null;
        switch (FileType)
        {
            case S_IFREG:
                int acc = flags & O_ACCMODE;
                bool write = acc is O_WRONLY or O_RDWR;
                if (write && !HostFs.Writable) return -(long)Errno.EROFS;
                int hostFlags = (acc == O_WRONLY ? HostNative.O_WRONLY : acc == O_RDWR ? HostNative.O_RDWR : HostNative.O_RDONLY) | HostNative.O_NOFOLLOW;
                if (!HostFs.Writable && !_gone)
                {
                    // The overlay's lower tree never changes: the host file is opened when first read.
                    file = new HostRegularFile(location, this, () => (OpenSelf(hostFlags, true, out int lazy), lazy), flags);
                    return 0;
                }
                long r = OpenSelf(hostFlags, !write, out int fd);
                if (r < 0) return r;
                file = new HostRegularFile(location, this, fd, flags);
                return 0;
            case S_IFCHR or S_IFBLK:
                return -(long)Errno.EACCES; // device nodes of a host tree are not served (as on a nodev mount)
            case S_IFIFO:
                // A named pipe of the host tree is a rendezvous between guest tasks only.
                lock (_children) _pipe ??= new Pipe();
                return _pipe.OpenEnd(location, flags, out file);
            default:
                return -(long)Errno.ENXIO;
        }
    }

    // ---- changes (writable host directories only; the VFS has checked permissions and existence) ----

    /// <summary>Runs <paramref name="op"/> with an O_PATH fd of this directory.</summary>
    internal long WithDirFd(Func<int, long> op)
    {
        long r = OpenSelf(HostNative.O_PATH | HostNative.O_DIRECTORY, false, out int fd);
        if (r < 0) return r;
        try { return op(fd); }
        finally { HostNative.Close(fd); }
    }

    /// <summary>Runs <paramref name="op"/> with the fd of this node's directory and its name ("." in the root for the root).</summary>
    private long WithEntry(Func<int, string, long> op)
    {
        if (!HostFs.Writable) return -(long)Errno.EROFS;
        if (_gone) return -(long)Errno.ENOENT;
        if (_parent is null) return op(HostFs.RootFd, ".");
        var name = _name!;
        return _parent.WithDirFd(fd => op(fd, name));
    }

    private long Change(Func<int, long> op) => !HostFs.Writable ? -(long)Errno.EROFS : WithDirFd(op);

    /// <summary>Gives a new entry the guest's owner and exact mode (the host's umask and ids would differ).</summary>
    private static long Adopt(int dirFd, string name, uint? mode, Credentials creds, uint gid)
    {
        if (mode is { } m)
        {
            long r = HostNative.LChmodAt(dirFd, name, m);
            if (r < 0) return r;
        }
        long c = HostNative.LChownAt(dirFd, name, creds.Fsuid, gid);
        return c == -(long)Errno.EPERM ? 0 : c; // a host process that is not root cannot give files away
    }

    private uint NewGid(Credentials creds) => (_mode & S_ISGID) != 0 ? _gid : creds.Fsgid;

    private long Created(string name, long r, out Inode? child)
    {
        child = null;
        return r < 0 ? r : Lookup(name, out child);
    }

    public override long CreateFile(string name, uint mode, Credentials creds, out Inode? child)
    {
        long r = Change(dirFd =>
        {
            long e = HostNative.OpenAt(dirFd, name, HostNative.O_CREAT | HostNative.O_EXCL | HostNative.O_WRONLY, 0, out int fd);
            if (e < 0) return e;
            HostNative.Close(fd);
            return Adopt(dirFd, name, mode & 0xFFF, creds, NewGid(creds));
        });
        return Created(name, r, out child);
    }

    public override long CreateDirectory(string name, uint mode, Credentials creds)
    {
        uint perm = mode & 0xFFF;
        if ((_mode & S_ISGID) != 0) perm |= S_ISGID;
        return Change(dirFd =>
        {
            long e = HostNative.MkdirAt(dirFd, name, 0x1C0 /* 0700 until adopted */);
            return e < 0 ? e : Adopt(dirFd, name, perm, creds, NewGid(creds));
        });
    }

    public override long CreateSymlink(string name, string target, Credentials creds) => Change(dirFd =>
    {
        long e = HostNative.SymlinkAt(target, dirFd, name);
        return e < 0 ? e : Adopt(dirFd, name, null, creds, NewGid(creds));
    });

    /// <summary>mknod: regular files, fifos and sockets; device nodes are never made in a host directory (EPERM).</summary>
    public override long CreateNode(string name, uint mode, ulong rdev, Credentials creds)
    {
        uint type = mode & S_IFMT;
        if (type == S_IFREG) return CreateFile(name, mode, creds, out _);
        if (type is not (S_IFIFO or S_IFSOCK)) return -(long)Errno.EPERM;
        return Change(dirFd =>
        {
            long e = HostNative.MknodAt(dirFd, name, type | 0x180 /* 0600 until adopted */);
            return e < 0 ? e : Adopt(dirFd, name, mode & 0xFFF, creds, NewGid(creds));
        });
    }

    public override long AddLink(string name, Inode target)
    {
        if (target is not HostInode t || !ReferenceEquals(t.Fs, Fs)) return -(long)Errno.EXDEV;
        if (t._parent is null) return -(long)Errno.ENOENT;
        var targetName = t._name!;
        return Change(dirFd => t._parent.WithDirFd(targetDir => HostNative.LinkAt(targetDir, targetName, dirFd, name)));
    }

    public override long RemoveEntry(string name, bool directory)
    {
        long r = Change(dirFd => HostNative.UnlinkAt(dirFd, name, directory));
        if (r == 0) Forget(name);
        return r;
    }

    private void Forget(string name)
    {
        lock (_children)
        {
            if (_children.Remove(name, out var gone)) gone.Gone();
        }
    }

    private void Gone()
    {
        _gone = true;
        if (IsDirectory) _parent = null;
    }

    /// <summary>Keeps the child caches in step with a rename done on the host.</summary>
    internal static void Moved(HostInode oldDir, string oldName, HostInode newDir, string newName, bool exchange)
    {
        HostInode? moving, other;
        lock (oldDir._children) oldDir._children.Remove(oldName, out moving);
        lock (newDir._children) newDir._children.Remove(newName, out other);
        if (other is not null)
        {
            if (exchange)
            {
                other._parent = oldDir;
                other._name = oldName;
                lock (oldDir._children) oldDir._children[oldName] = other;
            }
            else other.Gone();
        }
        if (moving is not null)
        {
            moving._parent = newDir;
            moving._name = newName;
            lock (newDir._children) newDir._children[newName] = moving;
        }
    }

    public override long SetMode(uint permissions)
    {
        if (IsSymlink) return -(long)Errno.EOPNOTSUPP;
        uint mode = (_mode & S_IFMT) | (permissions & 0xFFF);
        long r = WithEntry((fd, name) => HostNative.LChmodAt(fd, name, mode & 0xFFF));
        if (r == 0) _mode = mode;
        return r;
    }

    public override long SetOwner(uint uid, uint gid)
    {
        long r = WithEntry((fd, name) => HostNative.LChownAt(fd, name, uid, gid));
        if (r == 0) Stat(out _);
        return r;
    }

    public override long SetTimes(Timespec? atime, Timespec? mtime) =>
        WithEntry((fd, name) => HostNative.LUtimesAt(fd, name, atime, mtime));

    public override long Truncate(long length)
    {
        if (!HostFs.Writable) return -(long)Errno.EROFS;
        if (!IsRegular) return -(long)Errno.EINVAL;
        long r = OpenSelf(HostNative.O_WRONLY | HostNative.O_NOFOLLOW, false, out int fd);
        if (r < 0) return r;
        r = HostFs.MappedPages(Ino) is { } pages ? pages.Truncate(fd, length) : HostNative.FTruncate(fd, length);
        HostNative.Close(fd);
        return r;
    }

    // ---- extended attributes: user.* and trusted.* of regular files and directories ----

    private long WithDataFd(bool forWriting, Func<int, long> op)
    {
        if (!IsRegular && !IsDirectory) return forWriting ? -(long)Errno.EOPNOTSUPP : -(long)Errno.ENODATA;
        if (forWriting && !HostFs.Writable) return -(long)Errno.EROFS;
        int flags = HostNative.O_RDONLY | HostNative.O_NOFOLLOW | HostNative.O_NONBLOCK | (IsDirectory ? HostNative.O_DIRECTORY : 0);
        long r = OpenSelf(flags, true, out int fd);
        if (r < 0) return r;
        try { return op(fd); }
        finally { HostNative.Close(fd); }
    }

    public override long GetXattr(string name, out byte[] value)
    {
        byte[] result = [];
        long r = WithDataFd(false, fd => HostNative.FGetXattr(fd, name, out result));
        value = result;
        // A host filesystem without xattrs simply has none.
        return r == -(long)Errno.EOPNOTSUPP ? -(long)Errno.ENODATA : r;
    }

    public override long ListXattr(out List<string> names)
    {
        List<string> result = [];
        long r = WithDataFd(false, fd => HostNative.FListXattr(fd, out result));
        names = result.Where(n => XattrRules.CheckNamespace(n) == 0 && !n.StartsWith(XattrRules.OverlayPrivate, StringComparison.Ordinal)).ToList();
        return r == -(long)Errno.EOPNOTSUPP || r == -(long)Errno.ENODATA ? 0 : r;
    }

    public override long SetXattr(string name, byte[] value, int flags) => WithDataFd(true, fd => HostNative.FSetXattr(fd, name, value, flags));

    // chattr flags of the host file (the host enforces them); a writable root sets them on the host file.
    public override long GetAttrFlags(out uint flags)
    {
        var buf = new byte[4];
        long r = WithDataFd(false, fd => HostNative.Ioctl(fd, HostNative.FS_IOC_GETFLAGS, buf));
        flags = r < 0 ? 0 : BitConverter.ToUInt32(buf) & InodeFlags.UserVisible;
        return r is -(long)Errno.ENODATA or -(long)Errno.EINVAL ? -(long)Errno.ENOTTY : r;
    }

    public override long SetAttrFlags(uint flags) =>
        WithDataFd(true, fd => HostNative.Ioctl(fd, HostNative.FS_IOC_SETFLAGS, BitConverter.GetBytes(flags)));
    public override long RemoveXattr(string name) => WithDataFd(true, fd => HostNative.FRemoveXattr(fd, name));
}

/// <summary>An open regular file of a host directory; our own offset over pread/pwrite on the host fd.</summary>
public sealed class HostRegularFile : OpenFile
{
    private readonly object _posLock = new();
    private readonly HostInode _node;
    private int _fd;
    private long _pos;
    // Opens the host file on first use (read-only trees only: there a name cannot go away while the file is open).
    private Func<(long Error, int Fd)>? _deferred;
    private bool _released;

    internal HostRegularFile(Location location, HostInode node, int fd, int flags) : base(location, flags)
    {
        _node = node;
        _fd = fd;
    }

    /// <summary>A file whose host descriptor is opened only when its contents are first needed: open+close touches no host file.</summary>
    internal HostRegularFile(Location location, HostInode node, Func<(long Error, int Fd)> open, int flags) : base(location, flags)
    {
        _node = node;
        _fd = -1;
        _deferred = open;
    }

    /// <summary>The host descriptor (-1 after release, or when the deferred open failed).</summary>
    private int Fd
    {
        get
        {
            var fd = Volatile.Read(ref _fd);
            if (fd >= 0 || Volatile.Read(ref _deferred) is null) return fd;
            lock (_posLock)
            {
                if (_deferred is { } open && !_released)
                {
                    var (e, opened) = open();
                    _deferred = null;
                    if (e == 0) Volatile.Write(ref _fd, opened);
                }
                return _fd;
            }
        }
    }

    public override long Read(Span<byte> buffer)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        lock (_posLock)
        {
            long n = HostNative.PRead(Fd, buffer, _pos);
            if (n > 0) _pos += n;
            return Transferred(n, false);
        }
    }

    public override long PRead(Span<byte> buffer, long offset)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        if (offset < 0) return -(long)Errno.EINVAL;
        return Transferred(HostNative.PRead(Fd, buffer, offset), false);
    }

    public override long Write(ReadOnlySpan<byte> data)
    {
        if (!CanWrite) return -(long)Errno.EBADF;
        lock (_posLock)
        {
            long at = _pos;
            if ((StatusFlags & O_APPEND) != 0)
            {
                long s = HostNative.FStat(Fd, 0, out var st);
                if (s < 0) return s;
                at = st.Size;
            }
            long n = HostNative.PWrite(Fd, data, at);
            if (n >= 0) _pos = at + n;
            if (n > 0) Wrote(at + n);
            return n;
        }
    }

    public override long PWrite(ReadOnlySpan<byte> data, long offset)
    {
        if (!CanWrite) return -(long)Errno.EBADF;
        if (offset < 0) return -(long)Errno.EINVAL;
        if ((StatusFlags & O_APPEND) != 0)
        {
            // Linux appends even for pwrite on an O_APPEND file.
            long s = HostNative.FStat(Fd, 0, out var st);
            if (s < 0) return s;
            offset = st.Size;
        }
        long n = HostNative.PWrite(Fd, data, offset);
        if (n > 0) Wrote(offset + n);
        return n;
    }

    /// <summary>The file's bytes for a private mapping (read again by path when needed: no descriptor is kept).</summary>
    internal IFileBytes Bytes => _node;

    /// <summary>A write reached <paramref name="end"/>: mappings of the file may show pages up to it now.</summary>
    private void Wrote(long end) => _node.HostFs.MappedPages(_node.Ino)?.Wrote(end);

    /// <summary>
    /// mmap: the pages of this host file, shared with every other mapping of it; <paramref name="writable"/> keeps a
    /// descriptor that may write (the file is open for writing).
    /// </summary>
    internal long MapPages(bool writable, out IFilePages? pages)
    {
        pages = null;
        int fd = Fd;
        if (fd < 0) return -(long)Errno.EBADF;
        long r = HostNative.FStat(fd, 0, out var st);
        if (r < 0) return r;
        var p = _node.HostFs.PagesFor(_node.Ino, st.Size);
        r = p.Adopt(fd, writable);
        if (r < 0) return r;
        pages = p;
        return 0;
    }

    public override long Truncate(long length)
    {
        if (!CanWrite) return -(long)Errno.EINVAL;
        if (length < 0) return -(long)Errno.EINVAL;
        return _node.HostFs.MappedPages(_node.Ino) is { } pages ? pages.Truncate(Fd, length) : HostNative.FTruncate(Fd, length);
    }

    public override long Stat(out StatInfo st)
    {
        long r = HostNative.FStat(Fd, Location!.Mount.Fs.Dev, out st);
        // Under the overlay the number is the overlay's (the same as the lower file's).
        if (r == 0) st = st with { Ino = Location.Inode.Ino };
        return r;
    }

    public override long Seek(long offset, int whence)
    {
        lock (_posLock)
        {
            long r;
            if (whence is SEEK_DATA or SEEK_HOLE) r = HostNative.LSeek(Fd, offset, whence);
            else
            {
                long size = 0;
                if (whence == SEEK_END)
                {
                    long s = HostNative.FStat(Fd, 0, out var st);
                    if (s < 0) return s;
                    size = st.Size;
                }
                r = ComputeSeek(_pos, size, offset, whence);
            }
            if (r >= 0) _pos = r;
            return r;
        }
    }

    public override void Release()
    {
        lock (_posLock)
        {
            _released = true;
            _deferred = null;
        }
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) HostNative.Close(fd);
    }
}
