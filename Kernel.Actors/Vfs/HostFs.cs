using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A read-only view of a host directory. Every node is reached through openat2 beneath an O_PATH fd of the directory
/// with symlink resolution forbidden: the guest resolver expands symlinks itself, so nothing can lead outside.
/// </summary>
public sealed class HostFilesystem : Filesystem, IDisposable
{
    private int _rootFd;
    private readonly Dictionary<string, HostInode> _cache = new(StringComparer.Ordinal);
    private readonly object _cacheLock = new();

    private HostFilesystem(int rootFd, string hostDir)
    {
        _rootFd = rootFd;
        HostDirectory = hostDir;
        HostNative.FStat(rootFd, Dev, out var st);
        Root = new HostInode(this, "", null, null, st.Ino, st.Mode, st.Uid, st.Gid);
    }

    public string HostDirectory { get; }
    public override string Type => "hostfs";
    public override bool ReadOnly => true;
    public override Inode Root { get; }
    internal int RootFd => _rootFd;

    /// <summary>Opens <paramref name="hostDir"/>; ENOENT/ENOTDIR/EACCES for a bad directory, ENOSYS without openat2.</summary>
    public static long Open(string hostDir, out HostFilesystem? fs)
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
        fs = new HostFilesystem(fd, hostDir);
        return 0;
    }

    public override StatFsInfo StatFs()
    {
        HostNative.FStatFs(_rootFd, out var st);
        return st with { FsId = Dev, Flags = st.Flags | StatFsInfo.ST_RDONLY };
    }

    internal long OpenNode(string rel, int hostFlags, out int fd) => HostNative.OpenBeneath(_rootFd, rel, hostFlags, out fd);

    internal HostInode Intern(string rel, Func<HostInode> make)
    {
        lock (_cacheLock)
        {
            if (!_cache.TryGetValue(rel, out var node)) _cache[rel] = node = make();
            return node;
        }
    }

    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _rootFd, -1);
        if (fd >= 0) HostNative.Close(fd);
    }
}

/// <summary>A node of a host directory, named by its symlink-free path relative to the root.</summary>
public sealed class HostInode : Inode
{
    private readonly HostInode? _parent;
    private readonly string? _name;
    private readonly uint _mode, _uid, _gid;

    internal HostInode(HostFilesystem fs, string rel, HostInode? parent, string? name, ulong ino, uint mode, uint uid, uint gid)
        : base(fs, ino)
    {
        RelativePath = rel;
        _parent = parent;
        _name = name;
        _mode = mode;
        _uid = uid;
        _gid = gid;
    }

    public string RelativePath { get; }
    private HostFilesystem HostFs => (HostFilesystem)Fs;
    public override uint Mode => _mode;
    public override uint Uid => _uid;
    public override uint Gid => _gid;
    public override Inode? DirParent => _parent;
    public override string? DirName => _name;

    private string ChildPath(string name) => RelativePath.Length == 0 ? name : RelativePath + "/" + name;

    public override long Stat(out StatInfo st)
    {
        st = default;
        long r = HostFs.OpenNode(RelativePath, HostNative.O_PATH | HostNative.O_NOFOLLOW, out int fd);
        if (r < 0) return r;
        r = HostNative.FStat(fd, Fs.Dev, out st);
        HostNative.Close(fd);
        return r;
    }

    public override long Lookup(string name, out Inode? child)
    {
        child = null;
        if (!IsDirectory) return -(long)Errno.ENOTDIR;
        string rel = ChildPath(name);
        long r = HostFs.OpenNode(rel, HostNative.O_PATH | HostNative.O_NOFOLLOW, out int fd);
        if (r < 0) return r == -(long)Errno.ELOOP ? -(long)Errno.ENOENT : r;
        r = HostNative.FStat(fd, Fs.Dev, out var st);
        HostNative.Close(fd);
        if (r < 0) return r;
        child = HostFs.Intern(rel, () => new HostInode(HostFs, rel, this, name, st.Ino, st.Mode, st.Uid, st.Gid));
        return 0;
    }

    public override long ReadDir(out List<DirEntry> entries)
    {
        entries = [];
        if (!IsDirectory) return -(long)Errno.ENOTDIR;
        long r = HostFs.OpenNode(RelativePath, HostNative.O_RDONLY | HostNative.O_DIRECTORY, out int fd);
        if (r < 0) return r;
        r = HostNative.ReadAllEntries(fd, entries);
        HostNative.Close(fd);
        return r;
    }

    public override long ReadLink(out string target)
    {
        target = "";
        if (!IsSymlink || _parent is null || _name is null) return -(long)Errno.EINVAL;
        long r = HostFs.OpenNode(_parent.RelativePath, HostNative.O_PATH | HostNative.O_DIRECTORY, out int dirFd);
        if (r < 0) return r;
        r = HostNative.ReadLinkAt(dirFd, _name, out target);
        HostNative.Close(dirFd);
        return r;
    }

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        file = null;
        switch (FileType)
        {
            case S_IFREG:
                long r = HostFs.OpenNode(RelativePath, HostNative.O_RDONLY | HostNative.O_NOFOLLOW, out int fd);
                if (r < 0) return r;
                file = new HostRegularFile(location, fd, flags);
                return 0;
            case S_IFCHR or S_IFBLK:
                return -(long)Errno.EACCES; // device nodes of a host tree are not served (as on a nodev mount)
            default:
                return -(long)Errno.ENXIO;
        }
    }
}

/// <summary>An open regular file of a host directory (read only); our own offset over pread on the host fd.</summary>
public sealed class HostRegularFile : OpenFile
{
    private readonly object _posLock = new();
    private int _fd;
    private long _pos;

    internal HostRegularFile(Location location, int fd, int flags) : base(location, flags)
    {
        _fd = fd;
    }

    public override long Read(Span<byte> buffer)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        lock (_posLock)
        {
            long n = HostNative.PRead(_fd, buffer, _pos);
            if (n > 0) _pos += n;
            return Transferred(n, false);
        }
    }

    public override long PRead(Span<byte> buffer, long offset)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        if (offset < 0) return -(long)Errno.EINVAL;
        return Transferred(HostNative.PRead(_fd, buffer, offset), false);
    }

    public override long Write(ReadOnlySpan<byte> data) => -(long)Errno.EBADF;
    public override long PWrite(ReadOnlySpan<byte> data, long offset) => -(long)Errno.EBADF;
    public override long Truncate(long length) => CanWrite ? -(long)Errno.EROFS : -(long)Errno.EINVAL;

    public override long Stat(out StatInfo st) => HostNative.FStat(_fd, Location!.Mount.Fs.Dev, out st);

    public override long Seek(long offset, int whence)
    {
        lock (_posLock)
        {
            long r;
            if (whence is SEEK_DATA or SEEK_HOLE) r = HostNative.LSeek(_fd, offset, whence);
            else
            {
                long size = 0;
                if (whence == SEEK_END)
                {
                    long s = HostNative.FStat(_fd, 0, out var st);
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
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) HostNative.Close(fd);
    }
}
