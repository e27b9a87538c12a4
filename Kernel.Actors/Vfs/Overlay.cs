using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// The default root filesystem: a read-only host directory (the lower layer) under an in-memory tmpfs (the upper layer)
/// that takes every change, as Linux overlayfs with one lower layer. A file is copied up the first time it is changed
/// (written, truncated, chmod/chown/utimes, xattr set, linked); deleting a lower name leaves a whiteout; a directory made
/// where a lower one was removed is opaque; directories list the union of both layers. The host directory is never
/// written (its filesystem object is read only).
/// </summary>
public sealed class OverlayFilesystem : Filesystem, IDisposable
{
    public const long OVERLAYFS_SUPER_MAGIC = 0x794c7630;
    /// <summary>Upper-only nodes get numbers with this bit set, so they never collide with a lower file's number.</summary>
    public const ulong UpperInoTag = 1UL << 62;

    // Every upper node has exactly one overlay node, so hard links made in the overlay stay one inode.
    private readonly Dictionary<TmpInode, OverlayInode> _byUpper = new(ReferenceEqualityComparer.Instance);

    public OverlayFilesystem(HostFilesystem lower)
    {
        Lower = lower;
        Upper = new Tmpfs("tmpfs", lower.Root.Mode & 0xFFF, lower.Root.Uid, lower.Root.Gid);
        var root = new OverlayInode(this, lower.Root, null, null);
        Root = root;
        root.SetUpper((TmpInode)Upper.Root);
        if (lower.Root.Stat(out var st) == 0) ((TmpInode)Upper.Root).SetTimes(new Timespec(st.AtimeSec, st.AtimeNsec), new Timespec(st.MtimeSec, st.MtimeNsec));
    }

    public HostFilesystem Lower { get; }
    public Tmpfs Upper { get; }
    public override string Type => "overlay";
    public override Inode Root { get; }
    public override string MountOptions => "lowerdir=" + Lower.HostDirectory.Replace(",", "\\,");

    public override StatFsInfo StatFs()
    {
        var u = Upper.StatFs();
        return u with { Type = OVERLAYFS_SUPER_MAGIC, FsId = Dev, Flags = 0 };
    }

    internal OverlayInode NodeFor(TmpInode upper, OverlayInode parent, string name)
    {
        lock (_byUpper)
        {
            if (!_byUpper.TryGetValue(upper, out var node)) _byUpper[upper] = node = new OverlayInode(this, null, parent, name, upper);
            return node;
        }
    }

    internal void Register(TmpInode upper, OverlayInode node)
    {
        lock (_byUpper) _byUpper[upper] = node;
    }

    /// <summary>
    /// rename within the overlay. A directory that has lower contents (lower-only or merged) cannot move: EXDEV, as
    /// overlayfs answers without redirect_dir, and callers such as mv then copy. Everything else is copied up and moved
    /// in the upper layer; a lower name left behind gets a whiteout.
    /// </summary>
    public override long Rename(Inode oldDir, string oldName, Inode newDir, string newName, uint flags)
    {
        if (oldDir is not OverlayInode od || newDir is not OverlayInode nd) return -(long)Errno.EXDEV;
        // Linux overlayfs takes only RENAME_EXCHANGE and RENAME_NOREPLACE.
        if ((flags & RENAME_WHITEOUT) != 0) return -(long)Errno.EINVAL;
        long r = od.Lookup(oldName, out var s);
        if (r < 0) return r;
        var source = (OverlayInode)s!;
        r = nd.Lookup(newName, out var d);
        if (r < 0 && r != -(long)Errno.ENOENT) return r;
        var dest = (OverlayInode?)d;
        bool exchange = (flags & RENAME_EXCHANGE) != 0;
        if (!source.CanMove || (exchange && dest is not null && !dest.CanMove)) return -(long)Errno.EXDEV;
        if (!exchange && dest is { IsDirectory: true })
        {
            r = dest.ReadDir(out var inDest);
            if (r < 0) return r;
            if (inDest.Count != 0) return -(long)Errno.ENOTEMPTY;
        }
        if ((r = od.CopyUp()) < 0 || (r = nd.CopyUp()) < 0 || (r = source.CopyUp()) < 0) return r;
        if (exchange && (r = dest!.CopyUp()) < 0) return r;
        // A lower-only destination has no upper entry: the move simply covers it.
        r = Upper.Rename(od.Upper!, oldName, nd.Upper!, newName, flags & RENAME_EXCHANGE);
        if (r < 0) return r;
        if (!exchange)
        {
            od.CoverLowerName(oldName);
            dest?.MarkRemoved();
        }
        od.ForgetLowerChild(oldName);
        nd.ForgetLowerChild(newName);
        source.MoveTo(nd, newName);
        if (exchange) dest!.MoveTo(od, oldName);
        return 0;
    }

    public void Dispose() => Lower.Dispose();
}

/// <summary>A node of the overlay: its upper node (once copied up or created there), its lower node, or both (a merged directory).</summary>
public sealed class OverlayInode : Inode
{
    private volatile TmpInode? _upper;
    private OverlayInode? _parent;
    private string? _name;
    private bool _removed;
    // Lower names hidden by a delete or rename (whiteouts), and the nodes of lower-only children already looked up.
    private HashSet<string>? _whiteouts;
    private Dictionary<string, OverlayInode>? _lowerChildren;

    internal OverlayInode(OverlayFilesystem fs, Inode? lower, OverlayInode? parent, string? name, TmpInode? upper = null)
        : base(fs, lower?.Ino ?? (upper!.Ino | OverlayFilesystem.UpperInoTag))
    {
        Lower = lower;
        _upper = upper;
        _parent = parent;
        _name = name;
    }

    private OverlayFilesystem Ovl => (OverlayFilesystem)Fs;
    /// <summary>The host node this one shows (or was copied up from); null for nodes made in the overlay.</summary>
    public Inode? Lower { get; }
    public TmpInode? Upper => _upper;
    private Inode Current => (Inode?)_upper ?? Lower!;
    private bool Merged => _upper is not null && Lower is not null && IsDirectory;
    /// <summary>Only non-directories and directories without lower contents can be renamed (see <see cref="OverlayFilesystem.Rename"/>).</summary>
    internal bool CanMove => !IsDirectory || Lower is null;

    public override uint Mode => Current.Mode;
    public override uint Uid => Current.Uid;
    public override uint Gid => Current.Gid;
    public override Inode? DirParent => _removed ? null : _parent;
    public override string? DirName => _removed ? null : _name;

    internal void SetUpper(TmpInode upper)
    {
        Ovl.Register(upper, this);
        _upper = upper;
    }

    public override long Stat(out StatInfo st)
    {
        long r = Current.Stat(out st);
        if (r < 0) return r;
        // One device and stable numbers for the whole overlay; merged directories report one link, as overlayfs does.
        st = st with { Dev = Fs.Dev, Ino = Ino, Nlink = Merged ? 1 : st.Nlink };
        return 0;
    }

    // ---- lookup and listing ----

    public override long Lookup(string name, out Inode? child)
    {
        child = null;
        if (!IsDirectory) return -(long)Errno.ENOTDIR;
        if (_removed) return -(long)Errno.ENOENT;
        if (_upper is TmpDirectory ud && ud.Entries.TryGetValue(name, out var u))
        {
            child = Ovl.NodeFor(u, this, name);
            return 0;
        }
        if (Lower is null || (_whiteouts?.Contains(name) ?? false)) return -(long)Errno.ENOENT;
        // Lookups and changes all run on the VFS actor's thread: no locking here.
        if (_lowerChildren?.TryGetValue(name, out var known) ?? false)
        {
            child = known;
            return 0;
        }
        long r = Lower.Lookup(name, out var l);
        if (r < 0) return r;
        _lowerChildren ??= new(StringComparer.Ordinal);
        child = _lowerChildren[name] = new OverlayInode(Ovl, l, this, name);
        return 0;
    }

    public override long ReadDir(out List<DirEntry> entries)
    {
        entries = [];
        if (!IsDirectory) return -(long)Errno.ENOTDIR;
        if (_removed) return 0;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (_upper is TmpDirectory ud)
        {
            foreach (var (name, node) in ud.Entries.ToArray())
            {
                entries.Add(new DirEntry(name, Ovl.NodeFor(node, this, name).Ino, DirectoryFile.DirentType(node.Mode)));
                seen.Add(name);
            }
            ud.Atime = Timespec.Now;
        }
        if (Lower is not null)
        {
            long r = Lower.ReadDir(out var lower);
            if (r < 0) return r;
            foreach (var e in lower)
                if (!seen.Contains(e.Name) && !(_whiteouts?.Contains(e.Name) ?? false)) entries.Add(e);
        }
        return 0;
    }

    public override long ReadLink(out string target) => Current.ReadLink(out target);

    // ---- copy-up ----

    /// <summary>
    /// Makes sure this node exists in the upper layer (its directories first), with the lower node's type, contents,
    /// owner, mode, times and xattrs. The parent's times are kept, as overlayfs keeps them.
    /// </summary>
    internal long CopyUp()
    {
        if (_upper is not null) return 0;
        var lower = Lower!;
        long r = lower.Stat(out var st);
        if (r < 0) return r;
        var upperRoot = (TmpDirectory)Ovl.Upper.Root;
        var creds = new Credentials(st.Uid, st.Gid, st.Uid, st.Gid, []);
        uint perm = st.Mode & 0xFFF;
        TmpInode? made;
        if (_removed || _parent is null)
        {
            // Unlinked while open: the copy has no name, as the file has none.
            if (!IsRegular) return -(long)Errno.ENOENT;
            r = upperRoot.CreateUnnamedFile(perm, creds, linkable: false, out var f);
            if (r < 0) return r;
            made = (TmpInode)f!;
        }
        else
        {
            r = _parent.CopyUp();
            if (r < 0) return r;
            var dir = (TmpDirectory)_parent._upper!;
            var (atime, mtime) = (dir.Atime, dir.Mtime);
            r = FileType switch
            {
                S_IFREG => dir.CreateFile(_name!, perm, creds, out _),
                S_IFDIR => dir.CreateDirectory(_name!, perm, creds),
                S_IFLNK => lower.ReadLink(out var target) is var e && e < 0 ? e : dir.CreateSymlink(_name!, target, creds),
                _ => dir.CreateNode(_name!, st.Mode, st.Rdev, creds),
            };
            if (r < 0) return r;
            made = dir.Entries[_name!];
            dir.Atime = atime;
            dir.Mtime = mtime;
        }
        if (made is TmpRegular reg && lower is HostInode host)
        {
            try
            {
                using var data = new PagedDataStream(reg.Data);
                r = host.ReadAll(data);
            }
            catch (IOException)
            {
                r = -(long)Errno.ENOSPC;
            }
            if (r < 0)
            {
                // Leave no half copy behind: the lower file stays the one shown.
                if (!_removed && _parent?._upper is TmpDirectory d && d.Entries.TryGetValue(_name!, out var half) && ReferenceEquals(half, made))
                    d.RemoveEntry(_name!, false);
                return r;
            }
        }
        made.OwnerUid = st.Uid;
        made.OwnerGid = st.Gid;
        if (!IsSymlink) made.SetMode(perm);
        if (lower.ListXattr(out var names) == 0)
            foreach (var n in names)
                if (lower.GetXattr(n, out var v) == 0) made.SetXattr(n, v, 0);
        made.Atime = new Timespec(st.AtimeSec, st.AtimeNsec);
        made.Mtime = new Timespec(st.MtimeSec, st.MtimeNsec);
        SetUpper(made);
        return 0;
    }

    // ---- changes in this directory ----

    private long Made(string name, long r, out Inode? child)
    {
        child = null;
        if (r < 0) return r;
        child = Ovl.NodeFor(((TmpDirectory)_upper!).Entries[name], this, name);
        return 0;
    }

    private long PrepareChange() => _removed ? -(long)Errno.ENOENT : CopyUp();

    public override long CreateFile(string name, uint mode, Credentials creds, out Inode? child)
    {
        child = null;
        long r = PrepareChange();
        return r < 0 ? r : Made(name, _upper!.CreateFile(name, mode, creds, out _), out child);
    }

    public override long CreateDirectory(string name, uint mode, Credentials creds)
    {
        long r = PrepareChange();
        // The new directory has no lower part: made over a whiteout it is opaque.
        return r < 0 ? r : Made(name, _upper!.CreateDirectory(name, mode, creds), out _);
    }

    public override long CreateSymlink(string name, string target, Credentials creds)
    {
        long r = PrepareChange();
        return r < 0 ? r : Made(name, _upper!.CreateSymlink(name, target, creds), out _);
    }

    public override long CreateNode(string name, uint mode, ulong rdev, Credentials creds)
    {
        long r = PrepareChange();
        return r < 0 ? r : Made(name, _upper!.CreateNode(name, mode, rdev, creds), out _);
    }

    public override long CreateUnnamedFile(uint mode, Credentials creds, bool linkable, out Inode? file)
    {
        file = null;
        long r = PrepareChange();
        if (r < 0) return r;
        r = _upper!.CreateUnnamedFile(mode, creds, linkable, out var f);
        if (r < 0) return r;
        file = Ovl.NodeFor((TmpInode)f!, this, "");
        return 0;
    }

    public override long AddLink(string name, Inode target)
    {
        if (target is not OverlayInode t || !ReferenceEquals(t.Fs, Fs)) return -(long)Errno.EXDEV;
        long r = PrepareChange();
        if (r < 0 || (r = t.CopyUp()) < 0) return r;
        return _upper!.AddLink(name, t._upper!);
    }

    public override long RemoveEntry(string name, bool directory)
    {
        long r = Lookup(name, out var c);
        if (r < 0) return r;
        var child = (OverlayInode)c!;
        if (directory)
        {
            if (!child.IsDirectory) return -(long)Errno.ENOTDIR;
            r = child.ReadDir(out var inside);
            if (r < 0) return r;
            if (inside.Count != 0) return -(long)Errno.ENOTEMPTY;
        }
        else if (child.IsDirectory) return -(long)Errno.EISDIR;
        if ((r = PrepareChange()) < 0) return r;
        var dir = (TmpDirectory)_upper!;
        if (dir.Entries.ContainsKey(name))
        {
            r = dir.RemoveEntry(name, directory);
            if (r < 0) return r;
        }
        else dir.Mtime = dir.Ctime = Timespec.Now;
        CoverLowerName(name);
        if (directory || child._upper is null) child.MarkRemoved();
        return 0;
    }

    /// <summary>A name left this directory: if the lower layer has it, a whiteout keeps it hidden.</summary>
    internal void CoverLowerName(string name)
    {
        ForgetLowerChild(name);
        if (Lower is not null && Lower.Lookup(name, out _) == 0) (_whiteouts ??= new(StringComparer.Ordinal)).Add(name);
    }

    internal void ForgetLowerChild(string name) => _lowerChildren?.Remove(name);

    internal void MarkRemoved() => _removed = true;

    internal void MoveTo(OverlayInode dir, string name)
    {
        _parent = dir;
        _name = name;
    }

    // ---- changes to this node: copy up, then change the upper node ----

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        file = null;
        int acc = flags & O_ACCMODE;
        // Writers and fifos (our pipes, never the host's) need the upper node.
        if (acc != O_RDONLY || FileType == S_IFIFO)
        {
            long r = CopyUp();
            if (r < 0) return r;
        }
        if (_upper is { } up) return up.Open(location, flags, out file);
        long e = Lower!.Open(location, flags, out var inner);
        if (e < 0) return e;
        file = new OverlayLowerFile(location, this, inner!, flags);
        return 0;
    }

    public override long Truncate(long length) => CopyUp() is var r && r < 0 ? r : _upper!.Truncate(length);
    public override long SetMode(uint permissions) => CopyUp() is var r && r < 0 ? r : _upper!.SetMode(permissions);
    public override long SetOwner(uint uid, uint gid) => CopyUp() is var r && r < 0 ? r : _upper!.SetOwner(uid, gid);
    public override long SetTimes(Timespec? atime, Timespec? mtime) => CopyUp() is var r && r < 0 ? r : _upper!.SetTimes(atime, mtime);

    // chattr flags: the upper copy's once copied up, else the lower file's (as ovl_fileattr_get reads the real inode).
    public override uint AttrFlags => _upper?.AttrFlags ?? 0;
    public override long GetAttrFlags(out uint flags) => Current.GetAttrFlags(out flags);
    public override long SetAttrFlags(uint flags) => CopyUp() is var r && r < 0 ? r : _upper!.SetAttrFlags(flags);

    public override long GetXattr(string name, out byte[] value)
    {
        value = [];
        if (name.StartsWith(XattrRules.OverlayPrivate, StringComparison.Ordinal)) return -(long)Errno.ENODATA;
        return Current.GetXattr(name, out value);
    }

    public override long ListXattr(out List<string> names) => Current.ListXattr(out names);
    public override long SetXattr(string name, byte[] value, int flags) => CopyUp() is var r && r < 0 ? r : _upper!.SetXattr(name, value, flags);
    public override long RemoveXattr(string name)
    {
        if (_upper is null && Lower!.GetXattr(name, out _) < 0) return -(long)Errno.ENODATA; // nothing to copy up for
        return CopyUp() is var r && r < 0 ? r : _upper!.RemoveXattr(name);
    }
}

/// <summary>
/// A lower-layer file opened for reading. Once the file is copied up (another descriptor wrote to it), reads go to the
/// upper copy from the same offset, as overlayfs reopens the real file since Linux 4.19.
/// </summary>
public sealed class OverlayLowerFile : OpenFile
{
    private readonly object _lock = new();
    private readonly OverlayInode _node;
    private OpenFile _inner;
    private bool _onUpper;

    internal OverlayLowerFile(Location location, OverlayInode node, OpenFile inner, int flags) : base(location, flags)
    {
        _node = node;
        _inner = inner;
    }

    private OpenFile Inner
    {
        get
        {
            lock (_lock)
            {
                if (!_onUpper && _node.Upper is { } up && up.Open(Location!, StatusFlags, out var reopened) == 0)
                {
                    long pos = _inner.Seek(0, SEEK_CUR);
                    if (pos > 0) reopened!.Seek(pos, SEEK_SET);
                    _inner.Release();
                    _inner = reopened!;
                    _onUpper = true;
                }
                return _inner;
            }
        }
    }

    public override long Read(Span<byte> buffer) => Inner.Read(buffer);
    public override long PRead(Span<byte> buffer, long offset) => Inner.PRead(buffer, offset);
    public override long Write(ReadOnlySpan<byte> data) => -(long)Errno.EBADF;
    public override long PWrite(ReadOnlySpan<byte> data, long offset) => -(long)Errno.EBADF;
    public override long Seek(long offset, int whence) => Inner.Seek(offset, whence);
    public override long Truncate(long length) => -(long)Errno.EINVAL;
    public override long Stat(out StatInfo st) => _node.Stat(out st);
    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut) => Inner.Ioctl(request, argIn, argOut);

    /// <summary>
    /// mmap MAP_SHARED (read-only: the descriptor cannot write): the lower file's pages, or the upper copy's once the
    /// file was copied up (Linux maps the lower file then, whose pages no longer change: the copy is what it shows).
    /// </summary>
    internal long MapPages(out IFilePages? pages)
    {
        pages = null;
        return Inner switch
        {
            TmpRegularFile t => Mapped(t.Node, out pages),
            HostRegularFile h => h.MapPages(false, out pages),
            _ => -(long)Errno.ENODEV,
        };

        static long Mapped(TmpRegular node, out IFilePages? p)
        {
            p = node;
            return 0;
        }
    }

    /// <summary>The bytes a private mapping copies: the upper copy's once there is one, else the lower file's.</summary>
    internal IFileBytes? Bytes => Inner switch
    {
        TmpRegularFile t => t.Node,
        HostRegularFile h => h.Bytes,
        _ => null,
    };

    public override void Release()
    {
        lock (_lock) _inner.Release();
    }
}

/// <summary>A write-only stream into tmpfs file contents (the copy-up of a lower file).</summary>
internal sealed class PagedDataStream(PagedData data) : Stream
{
    private long _pos;

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => _pos;
    public override long Position { get => _pos; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count)
    {
        long n = data.Write(_pos, buffer.AsSpan(offset, count));
        if (n != count) throw new IOException("copy-up: the upper layer is full");
        _pos += n;
    }
}
