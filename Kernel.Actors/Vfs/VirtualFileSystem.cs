using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.AtFlags;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// The guest's file tree: a mount table over filesystems and the path-based system calls with Linux semantics.
/// Called from one thread at a time (the VFS actor); every fallible method returns a value >= 0 or a negative errno.
/// A null <c>dirAt</c> means the task's current directory (AT_FDCWD).
/// </summary>
public sealed partial class VirtualFileSystem : IDisposable
{
    private readonly List<Filesystem> _owned = new();

    private VirtualFileSystem(Filesystem rootFs)
    {
        Resolver = new PathResolver(this);
        Namespace = new MountNamespace(new Mount(this, rootFs, rootFs.Root, MountFlags.RelAtime, null, "", RootSource(rootFs)));
        _owned.Add(rootFs);
    }

    /// <summary>The mount table (one mount namespace per sandbox for now).</summary>
    public MountNamespace Namespace { get; }
    public Mount RootMount => Namespace.Root;
    public PathResolver Resolver { get; }
    /// <summary>Filesystem events for inotify: the operations below report what they changed.</summary>
    public FsNotify Notify { get; } = new();
    /// <summary>The pseudo-terminals (devpts at /dev/pts, opened through /dev/ptmx).</summary>
    public Devpts Devpts { get; } = new();

    /// <summary>
    /// A file tree whose "/" is the host directory <paramref name="hostRoot"/> (by default under an in-memory overlay that
    /// takes every change; see <see cref="RootFsMode"/>), with tmpfs at /tmp and /dev/shm, devfs at /dev, devpts at
    /// /dev/pts, sysfs at /sys, and each bind's host directory mounted read only at its guest path.
    /// </summary>
    public static long Create(string hostRoot, IReadOnlyList<(string HostDir, string GuestPath)> readOnlyBinds, out VirtualFileSystem? vfs,
        RootFsMode mode = RootFsMode.Overlay)
    {
        vfs = null;
        long r = OpenRootFs(hostRoot, mode, out var rootFs);
        if (r < 0) return r;
        var v = new VirtualFileSystem(rootFs!);
        v.AddMount("/tmp", new Tmpfs("tmpfs", 0x3FF /* 01777 */), false, MountFlags.NoSuid | MountFlags.NoDev);
        v.AddMount("/dev", Devfs.Create(v.Devpts), false, MountFlags.NoSuid);
        v.AddMount("/dev/shm", new Tmpfs("tmpfs", 0x3FF /* 01777 */), false, MountFlags.NoSuid | MountFlags.NoDev);
        v.AddMount("/dev/pts", v.Devpts, false, MountFlags.NoSuid | MountFlags.NoExec);
        v.AddMount("/sys", new Sysfs(), false, MountFlags.NoSuid | MountFlags.NoDev | MountFlags.NoExec);
        // mount -t sysfs makes another sysfs; mount -t devpts shows the sandbox's one pty instance again.
        v.FilesystemTypes.Register("sysfs", (string _, string _, out Filesystem? fs) =>
        {
            fs = new Sysfs();
            return 0;
        });
        v.FilesystemTypes.Register("devpts", (string _, string _, out Filesystem? fs) =>
        {
            fs = v.Devpts;
            return 0;
        });
        foreach (var (hostDir, guestPath) in readOnlyBinds)
        {
            r = HostFilesystem.Open(hostDir, out var bindFs);
            if (r >= 0) r = v.AddMount(guestPath, bindFs!, true);
            if (r < 0)
            {
                v.Dispose();
                return r;
            }
        }
        vfs = v;
        return 0;
    }

    /// <summary>Mounts <paramref name="fs"/> at the absolute guest path (its parent must exist; the name itself need not).</summary>
    public long AddMount(string guestPath, Filesystem fs, bool readOnly, MountFlags flags = MountFlags.None)
    {
        var ctx = NewContext(Credentials.Root);
        int links = 0;
        long r = Resolver.WalkToParent(ctx, ctx.Root, guestPath, ref links, out var parent, out var last, out _);
        if (r < 0) return r;
        if (last is "." or "..") return -(long)Errno.EBUSY;
        if (!parent.IsDirectory) return -(long)Errno.ENOTDIR;
        r = Resolver.Step(ctx, parent, last, false, ref links, out var existing);
        if (r == 0 && !existing.IsDirectory) return -(long)Errno.ENOTDIR;
        if (r < 0 && r != -(long)Errno.ENOENT) return r;
        flags |= MountFlags.RelAtime | (readOnly ? MountFlags.ReadOnly : MountFlags.None);
        Namespace.Attach(new Mount(this, fs, fs.Root, flags, parent, last, fs is HostFilesystem h ? h.HostDirectory : fs.Type), parent, last);
        _owned.Add(fs);
        return 0;
    }

    /// <summary>Every mount, the top one first, in the order they were made (/proc/[pid]/mountinfo).</summary>
    public IEnumerable<Mount> Mounts => Namespace.Mounts;

    internal Mount? MountAt(Location dir, string name) => (dir.Mount.Namespace ?? Namespace).MountAt(dir, name);

    internal IEnumerable<Mount> MountsOn(Location dir) => (dir.Mount.Namespace ?? Namespace).MountsOn(dir);

    private Mount? _nsMount;

    /// <summary>The unattached nsfs mount the namespace links of /proc lead to (one for the sandbox, so numbers compare).</summary>
    public Mount NsMount
    {
        get
        {
            if (_nsMount is { } m) return m;
            Interlocked.CompareExchange(ref _nsMount, new Mount(this, new Nsfs(), false, null, ""), null);
            return _nsMount;
        }
    }

    /// <summary>The mount table a task works in: its root's.</summary>
    internal MountNamespace NamespaceOf(FsContext ctx) => ctx.Root.Mount.Namespace ?? Namespace;

    private bool IsMountPoint(Location parent, string name) => MountAt(parent, name) is not null;

    public FsContext NewContext(Credentials creds) => new(RootMount.RootLocation, RootMount.RootLocation, creds);

    private static Location Start(FsContext ctx, Location? dirAt) => dirAt ?? ctx.Cwd;

    /// <summary>Resolves a path for the *at calls (AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH).</summary>
    public long Resolve(FsContext ctx, Location? dirAt, string path, int atFlags, out Location location)
    {
        location = Start(ctx, dirAt);
        if (path.Length == 0) return (atFlags & AT_EMPTY_PATH) != 0 ? 0 : -(long)Errno.ENOENT;
        int links = 0;
        return Resolver.Resolve(ctx, location, path, (atFlags & AT_SYMLINK_NOFOLLOW) == 0, ref links, out location);
    }

    // ---- open ----

    public long Open(FsContext ctx, Location? dirAt, string path, int flags, int mode, out OpenFile? file)
    {
        file = null;
        if ((flags & __O_TMPFILE) != 0)
        {
            if ((flags & O_TMPFILE) != O_TMPFILE || (flags & O_CREAT) != 0) return -(long)Errno.EINVAL;
            int acc = flags & O_ACCMODE;
            if (acc != O_WRONLY && acc != O_RDWR) return -(long)Errno.EINVAL;
        }
        else if ((flags & (O_CREAT | O_DIRECTORY)) == (O_CREAT | O_DIRECTORY)) return -(long)Errno.EINVAL;
        if ((flags & O_PATH) != 0) flags &= O_PATH | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW;
        if (path.Length == 0) return -(long)Errno.ENOENT;
        int links = 0;
        return OpenAt(ctx, Start(ctx, dirAt), path, flags, mode, ref links, out file);
    }

    private long OpenAt(FsContext ctx, Location start, string path, int flags, int mode, ref int links, out OpenFile? file)
    {
        file = null;
        if ((flags & __O_TMPFILE) != 0) return OpenTmpFile(ctx, start, path, flags, mode, ref links, out file);
        long r = Resolver.WalkToParent(ctx, start, path, ref links, out var parent, out var last, out bool trailing);
        if (r < 0) return r;
        Location loc;
        if ((flags & O_CREAT) != 0)
        {
            if (trailing || last is "." or "..") return -(long)Errno.EISDIR;
            r = Resolver.Step(ctx, parent, last, false, ref links, out loc);
            if (r == -(long)Errno.ENOENT) return CreateAndOpen(ctx, parent, last, flags, mode, out file);
            if (r < 0) return r;
            if ((flags & O_EXCL) != 0) return -(long)Errno.EEXIST;
            if (loc.Inode.IsSymlink)
            {
                if ((flags & O_NOFOLLOW) != 0) return -(long)Errno.ELOOP;
                if (loc.Inode is IMagicLink)
                {
                    r = Resolver.FollowLink(ctx, parent, loc, ref links, out loc);
                    return r < 0 ? r : OpenLocation(ctx, loc, flags, false, out file);
                }
                // A dangling symlink is created through, as Linux does without O_EXCL.
                r = PathResolver.MayFollow(ctx, loc);
                if (r < 0) return r;
                if (++links > PathResolver.MaxLinks) return -(long)Errno.ELOOP;
                r = loc.Inode.ReadLink(out var target);
                if (r < 0) return r;
                if (target.Length == 0) return -(long)Errno.ENOENT;
                return OpenAt(ctx, parent, target, flags, mode, ref links, out file);
            }
        }
        else
        {
            bool follow = (flags & O_NOFOLLOW) == 0 || trailing;
            r = Resolver.Step(ctx, parent, last, follow, ref links, out loc);
            if (r < 0) return r;
            if (trailing && !loc.IsDirectory) return -(long)Errno.ENOTDIR;
            if (loc.Inode.IsSymlink && (flags & O_PATH) == 0) return -(long)Errno.ELOOP;
        }
        return OpenLocation(ctx, loc, flags, false, out file);
    }

    private long CreateAndOpen(FsContext ctx, Location parent, string name, int flags, int mode, out OpenFile? file)
    {
        file = null;
        if (parent.Mount.ReadOnly) return -(long)Errno.EROFS;
        long r = Permission.Check(parent.Inode, ctx.Creds, Permission.MayWrite | Permission.MayExec);
        if (r < 0) return r;
        uint perm = (uint)mode & 0xFFF /* 07777 */ & ~(uint)ctx.Umask;
        r = parent.Inode.CreateFile(name, perm, ctx.Creds, out var node);
        if (r < 0) return r;
        Notify.Created(parent, name, false);
        return OpenLocation(ctx, new Location(parent.Mount, node!, parent, name), flags, true, out file);
    }

    private long OpenTmpFile(FsContext ctx, Location start, string path, int flags, int mode, ref int links, out OpenFile? file)
    {
        file = null;
        long r = Resolver.Resolve(ctx, start, path, true, ref links, out var dir);
        if (r < 0) return r;
        if (!dir.IsDirectory) return -(long)Errno.ENOTDIR;
        if (dir.Mount.ReadOnly) return -(long)Errno.EROFS;
        r = Permission.Check(dir.Inode, ctx.Creds, Permission.MayWrite | Permission.MayExec);
        if (r < 0) return r;
        uint perm = (uint)mode & 0xFFF /* 07777 */ & ~(uint)ctx.Umask;
        r = dir.Inode.CreateUnnamedFile(perm, ctx.Creds, (flags & O_EXCL) == 0, out var node);
        if (r < 0) return r;
        return OpenLocation(ctx, new Location(dir.Mount, node!, dir, "#" + node!.Ino), flags & ~__O_TMPFILE & ~O_DIRECTORY, true, out file);
    }

    /// <summary>Opens a resolved location: type checks, permissions, read-only mounts, O_TRUNC.</summary>
    public long OpenLocation(FsContext ctx, Location loc, int flags, bool created, out OpenFile? file)
    {
        file = null;
        var inode = loc.Inode;
        if ((flags & O_PATH) != 0)
        {
            if ((flags & O_DIRECTORY) != 0 && !inode.IsDirectory) return -(long)Errno.ENOTDIR;
            file = new PathFile(loc, flags);
            return 0;
        }
        if ((flags & O_DIRECTORY) != 0 && !inode.IsDirectory) return -(long)Errno.ENOTDIR;
        int acc = flags & O_ACCMODE;
        // O_TRUNC asks for write access (build_open_flags), which a directory never gives.
        if (inode.IsDirectory && (acc != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) != 0)) return -(long)Errno.EISDIR;
        if (inode.IsSymlink) return -(long)Errno.ELOOP;
        if (inode.FileType is S_IFCHR or S_IFBLK && loc.Mount.NoDev) return -(long)Errno.EACCES;
        int mask = Permission.ForAccessMode(acc);
        // O_DIRECT needs a file that does direct I/O (FMODE_CAN_ODIRECT): not a directory, nor procfs's or sysfs's files.
        bool direct = (flags & O_DIRECT) != 0;
        if (direct && (inode.IsDirectory || (inode.IsRegular && !DoesDirectIo(inode)))) return -(long)Errno.EINVAL;
        bool truncate = (flags & O_TRUNC) != 0 && inode.IsRegular;
        if (truncate) mask |= Permission.MayWrite;
        // A regular file opened for writing counts as written until its last close: exec refuses it, as it
        // refuses a running program's file to writers (ETXTBSY).
        bool writer = (mask & Permission.MayWrite) != 0 && inode.IsRegular;
        if (!created)
        {
            if ((mask & Permission.MayWrite) != 0 && loc.Mount.ReadOnly && IsReadOnlyAffected(inode)) return -(long)Errno.EROFS;
            long r = Permission.Check(inode, ctx.Creds, mask);
            if (r < 0) return r;
            // An append-only file opens for writing only with O_APPEND, and never truncates (may_open).
            if (inode.IsAppendOnly && ((acc != O_RDONLY && (flags & O_APPEND) == 0) || (flags & O_TRUNC) != 0)) return -(long)Errno.EPERM;
            // O_NOATIME is for the owner (or CAP_FOWNER) only, as may_open checks.
            if ((flags & O_NOATIME) != 0 && !ctx.Creds.IsRoot && ctx.Creds.Fsuid != inode.Uid) return -(long)Errno.EPERM;
        }
        if (writer && !inode.TryGetWriteAccess()) return -(long)Errno.ETXTBSY;
        if (truncate && !created)
        {
            long r = inode.Truncate(0);
            if (r < 0)
            {
                inode.PutWriteAccess();
                return r;
            }
        }
        if (inode.IsDirectory) file = new DirectoryFile(loc, flags);
        else if (inode.Open(loc, flags, out file) is var e && e < 0)
        {
            if (writer) inode.PutWriteAccess();
            return e;
        }
        if (writer) file!.Closed += _ => inode.PutWriteAccess();
        file!.CreatedByOpen = created;
        // A device refuses O_DIRECT once its driver opened (so /dev/tty's ENXIO comes first); FIFOs take it (packets).
        if (direct && inode.FileType is S_IFCHR or S_IFBLK)
        {
            file!.DropReference();
            file = null;
            return -(long)Errno.EINVAL;
        }
        Notify.Opened(file!);
        // Linux reports the truncation after the open.
        if (truncate && !created) Notify.Changed(loc, FsNotify.Modify);
        return 0;
    }

    /// <summary>Regular files of tmpfs (memfds too) and of the host's filesystems do direct I/O (Linux 6.6 and later for tmpfs).</summary>
    private static bool DoesDirectIo(Inode inode) => inode.Fs is Tmpfs or OverlayFilesystem or HostFilesystem;

    /// <summary>Whether F_SETFL may turn O_DIRECT on for <paramref name="file"/>: pipes (packet mode) and direct-I/O regular files.</summary>
    public static bool CanDirectIo(OpenFile file) =>
        file is PipeEnd || file.Location?.Inode is { IsRegular: true } inode && DoesDirectIo(inode);

    // Devices and fifos stay writable on a read-only mount, as in Linux.
    private static bool IsReadOnlyAffected(Inode inode) => inode.IsRegular || inode.IsDirectory || inode.IsSymlink;

    // ---- metadata ----

    public long Stat(FsContext ctx, Location? dirAt, string path, int atFlags, out StatInfo st) =>
        Stat(ctx, dirAt, path, atFlags, out st, out _);

    /// <summary>stat of a path, also giving where it was found (statx reports the mount).</summary>
    public long Stat(FsContext ctx, Location? dirAt, string path, int atFlags, out StatInfo st, out Location? at)
    {
        st = default;
        at = null;
        if ((atFlags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE)) != 0) return -(long)Errno.EINVAL;
        long r = Resolve(ctx, dirAt, path, atFlags, out var loc);
        if (r < 0) return r;
        at = loc;
        return loc.Inode.Stat(out st);
    }

    public long ReadLink(FsContext ctx, Location? dirAt, string path, out string target)
    {
        target = "";
        // An empty path names dirAt itself (an O_PATH descriptor of a symlink), as readlinkat allows.
        long r = path.Length == 0 && dirAt is not null ? 0 : Resolve(ctx, dirAt, path, AT_SYMLINK_NOFOLLOW, out dirAt);
        if (r < 0) return r;
        // An empty path that names something else is ENOENT (Linux 5.x and later), a named non-link EINVAL.
        if (!dirAt!.Inode.IsSymlink) return path.Length == 0 ? -(long)Errno.ENOENT : -(long)Errno.EINVAL;
        return dirAt.Inode.ReadLink(out target);
    }

    public long Access(FsContext ctx, Location? dirAt, string path, int mode, int flags)
    {
        if ((mode & ~7) != 0) return -(long)Errno.EINVAL;
        if ((flags & ~(AT_EACCESS | AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH)) != 0) return -(long)Errno.EINVAL;
        // Without AT_EACCESS the whole lookup runs with the real ids, as faccessat does.
        var actx = ctx;
        if ((flags & AT_EACCESS) == 0)
        {
            actx = ctx.Clone();
            actx.Creds = ctx.Creds.WithRealAsEffective();
        }
        long r = Resolve(actx, dirAt, path, flags & (AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH), out var loc);
        if (r < 0) return r;
        if ((mode & W_OK) != 0 && loc.Mount.ReadOnly && IsReadOnlyAffected(loc.Inode)) return -(long)Errno.EROFS;
        r = Permission.Check(loc.Inode, actx.Creds, mode);
        // A noexec mount refuses execution of its regular files (and so exec).
        if (r == 0 && (mode & X_OK) != 0 && loc.Inode.IsRegular && loc.Mount.NoExec) return -(long)Errno.EACCES;
        return r;
    }

    public long ChangeDir(FsContext ctx, Location? dirAt, string path)
    {
        long r = Resolve(ctx, dirAt, path, 0, out var loc);
        return r < 0 ? r : ChangeDirTo(ctx, loc);
    }

    /// <summary>fchdir.</summary>
    public long ChangeDirTo(FsContext ctx, Location loc)
    {
        if (!loc.IsDirectory) return -(long)Errno.ENOTDIR;
        long r = Permission.Check(loc.Inode, ctx.Creds, Permission.MayExec);
        if (r < 0) return r;
        ctx.Cwd = loc;
        return 0;
    }

    /// <summary>chroot: needs root.</summary>
    public long ChangeRoot(FsContext ctx, Location? dirAt, string path)
    {
        long r = Resolve(ctx, dirAt, path, 0, out var loc);
        if (r < 0) return r;
        if (!loc.IsDirectory) return -(long)Errno.ENOTDIR;
        r = Permission.Check(loc.Inode, ctx.Creds, Permission.MayExec);
        if (r < 0) return r;
        if (!ctx.Creds.IsRoot) return -(long)Errno.EPERM;
        ctx.Root = loc;
        return 0;
    }

    public long StatFs(FsContext ctx, Location? dirAt, string path, out StatFsInfo st)
    {
        st = default;
        long r = Resolve(ctx, dirAt, path, 0, out var loc);
        if (r < 0) return r;
        st = StatFsOf(loc);
        return 0;
    }

    /// <summary>statfs: the filesystem's figures with the mount's flags (f_flags shows ro, nosuid, nodev, noexec... of the mount).</summary>
    public static StatFsInfo StatFsOf(Location loc) => loc.Mount.Fs.StatFs() with { Flags = StatFsFlags(loc.Mount) };

    // ---- namespace changes ----

    /// <summary>Common start of mkdir/symlink/mknod/link targets: the name must not exist; EEXIST wins over EROFS.</summary>
    private long PrepareCreate(FsContext ctx, Location parent, string last, ref int links)
    {
        if (last is "." or "..") return -(long)Errno.EEXIST;
        long r = Resolver.Step(ctx, parent, last, false, ref links, out _);
        if (r == 0) return -(long)Errno.EEXIST;
        if (r != -(long)Errno.ENOENT) return r;
        if (parent.Mount.ReadOnly) return -(long)Errno.EROFS;
        return Permission.Check(parent.Inode, ctx.Creds, Permission.MayWrite | Permission.MayExec);
    }

    public long MakeDir(FsContext ctx, Location? dirAt, string path, int mode)
    {
        int links = 0;
        long r = Resolver.WalkToParent(ctx, Start(ctx, dirAt), path, ref links, out var parent, out var last, out _);
        if (r < 0) return r;
        r = PrepareCreate(ctx, parent, last, ref links);
        if (r < 0) return r;
        uint perm = (uint)mode & (0x1FF /* 0777 */ | S_ISVTX) & ~(uint)ctx.Umask;
        return Created(parent, last, true, parent.Inode.CreateDirectory(last, perm, ctx.Creds));
    }

    /// <summary>mknod: regular files and fifos.</summary>
    public long MakeNode(FsContext ctx, Location? dirAt, string path, int mode, ulong rdev)
    {
        uint type = (uint)mode & S_IFMT;
        if (type is not (0 or S_IFREG or S_IFIFO or S_IFCHR or S_IFBLK or S_IFSOCK)) return -(long)Errno.EINVAL;
        int links = 0;
        long r = Resolver.WalkToParent(ctx, Start(ctx, dirAt), path, ref links, out var parent, out var last, out bool trailing);
        if (r < 0) return r;
        r = PrepareCreate(ctx, parent, last, ref links);
        if (r < 0) return r;
        if (trailing) return -(long)Errno.ENOENT;
        if (type is S_IFCHR or S_IFBLK && !ctx.Creds.IsRoot) return -(long)Errno.EPERM;
        uint perm = (uint)mode & 0xFFF /* 07777 */ & ~(uint)ctx.Umask;
        return Created(parent, last, false, parent.Inode.CreateNode(last, (type == 0 ? S_IFREG : type) | perm, rdev, ctx.Creds));
    }

    public long Symlink(FsContext ctx, string target, Location? dirAt, string path)
    {
        if (target.Length == 0) return -(long)Errno.ENOENT;
        if (System.Text.Encoding.UTF8.GetByteCount(target) >= PATH_MAX) return -(long)Errno.ENAMETOOLONG;
        int links = 0;
        long r = Resolver.WalkToParent(ctx, Start(ctx, dirAt), path, ref links, out var parent, out var last, out bool trailing);
        if (r < 0) return r;
        r = PrepareCreate(ctx, parent, last, ref links);
        if (r < 0) return r;
        if (trailing) return -(long)Errno.ENOENT;
        return Created(parent, last, false, parent.Inode.CreateSymlink(last, target, ctx.Creds));
    }

    public long Link(FsContext ctx, Location? oldAt, string oldPath, Location? newAt, string newPath, int atFlags)
    {
        if ((atFlags & ~(AT_SYMLINK_FOLLOW | AT_EMPTY_PATH)) != 0) return -(long)Errno.EINVAL;
        Location old;
        long r;
        if (oldPath.Length == 0)
        {
            if ((atFlags & AT_EMPTY_PATH) == 0) return -(long)Errno.ENOENT;
            old = Start(ctx, oldAt);
        }
        else
        {
            r = Resolve(ctx, oldAt, oldPath, (atFlags & AT_SYMLINK_FOLLOW) != 0 ? 0 : AT_SYMLINK_NOFOLLOW, out old);
            if (r < 0) return r;
        }
        int links = 0;
        r = Resolver.WalkToParent(ctx, Start(ctx, newAt), newPath, ref links, out var parent, out var last, out bool trailing);
        if (r < 0) return r;
        r = PrepareCreate(ctx, parent, last, ref links);
        if (r < 0) return r;
        if (trailing) return -(long)Errno.ENOENT;
        if (!ReferenceEquals(old.Mount, parent.Mount)) return -(long)Errno.EXDEV;
        if (old.IsDirectory || old.Inode.IsAppendOnly || old.Inode.IsImmutable) return -(long)Errno.EPERM;
        r = parent.Inode.AddLink(last, old.Inode);
        if (r == 0) Notify.Linked(old.Inode, parent, last);
        return r;
    }

    public long Unlink(FsContext ctx, Location? dirAt, string path, int atFlags)
    {
        if ((atFlags & ~AT_REMOVEDIR) != 0) return -(long)Errno.EINVAL;
        bool rmdir = (atFlags & AT_REMOVEDIR) != 0;
        int links = 0;
        long r = Resolver.WalkToParent(ctx, Start(ctx, dirAt), path, ref links, out var parent, out var last, out bool trailing);
        if (r < 0) return r;
        if (rmdir && last == ".") return path.Trim('/').Length == 0 ? -(long)Errno.EBUSY : -(long)Errno.EINVAL;
        if (rmdir && last == "..") return -(long)Errno.ENOTEMPTY;
        if (!rmdir && last is "." or "..") return -(long)Errno.EISDIR;
        if (parent.Mount.ReadOnly) return -(long)Errno.EROFS;
        r = Resolver.Step(ctx, parent, last, false, ref links, out var victim);
        if (r < 0) return r;
        if (rmdir)
        {
            if (!victim.IsDirectory) return -(long)Errno.ENOTDIR;
        }
        else
        {
            if (victim.IsDirectory) return -(long)Errno.EISDIR;
            if (trailing) return -(long)Errno.ENOTDIR;
        }
        r = Permission.Check(parent.Inode, ctx.Creds, Permission.MayWrite | Permission.MayExec);
        if (r < 0) return r;
        if (!Permission.MayDeleteInSticky(parent.Inode, victim.Inode, ctx.Creds)) return -(long)Errno.EPERM;
        if (IsMountPoint(parent, last) || victim.Equals(ctx.Root)) return -(long)Errno.EBUSY;
        r = parent.Inode.RemoveEntry(last, rmdir);
        if (r == 0) Notify.Removed(parent, last, victim.Inode);
        return r;
    }

    public long Rename(FsContext ctx, Location? oldAt, string oldPath, Location? newAt, string newPath, uint flags)
    {
        if ((flags & ~(RENAME_NOREPLACE | RENAME_EXCHANGE | RENAME_WHITEOUT)) != 0) return -(long)Errno.EINVAL;
        if ((flags & RENAME_EXCHANGE) != 0 && (flags & (RENAME_NOREPLACE | RENAME_WHITEOUT)) != 0) return -(long)Errno.EINVAL;
        // A whiteout is a device node: it needs CAP_MKNOD.
        if ((flags & RENAME_WHITEOUT) != 0 && !ctx.Creds.IsRoot) return -(long)Errno.EPERM;
        int links = 0;
        long r = Resolver.WalkToParent(ctx, Start(ctx, oldAt), oldPath, ref links, out var oldDir, out var oldName, out bool oldTrailing);
        if (r < 0) return r;
        r = Resolver.WalkToParent(ctx, Start(ctx, newAt), newPath, ref links, out var newDir, out var newName, out bool newTrailing);
        if (r < 0) return r;
        if (oldName is "." or ".." || newName is "." or "..") return -(long)Errno.EBUSY;
        if (!ReferenceEquals(oldDir.Mount, newDir.Mount)) return -(long)Errno.EXDEV;
        if (oldDir.Mount.ReadOnly) return -(long)Errno.EROFS;
        r = Resolver.Step(ctx, oldDir, oldName, false, ref links, out var source);
        if (r < 0) return r;
        r = Resolver.Step(ctx, newDir, newName, false, ref links, out var dest);
        bool destExists = r == 0;
        if (r < 0 && r != -(long)Errno.ENOENT) return r;
        bool exchange = (flags & RENAME_EXCHANGE) != 0;
        if (exchange && !destExists) return -(long)Errno.ENOENT;
        if ((flags & RENAME_NOREPLACE) != 0 && destExists) return -(long)Errno.EEXIST;
        if (!source.IsDirectory && (oldTrailing || (newTrailing && !exchange))) return -(long)Errno.ENOTDIR;
        if (exchange && destExists && !dest.IsDirectory && newTrailing) return -(long)Errno.ENOTDIR;
        r = Permission.Check(oldDir.Inode, ctx.Creds, Permission.MayWrite | Permission.MayExec);
        if (r < 0) return r;
        r = Permission.Check(newDir.Inode, ctx.Creds, Permission.MayWrite | Permission.MayExec);
        if (r < 0) return r;
        if (!Permission.MayDeleteInSticky(oldDir.Inode, source.Inode, ctx.Creds)) return -(long)Errno.EPERM;
        if (destExists && !Permission.MayDeleteInSticky(newDir.Inode, dest.Inode, ctx.Creds)) return -(long)Errno.EPERM;
        if (IsMountPoint(oldDir, oldName) || IsMountPoint(newDir, newName)) return -(long)Errno.EBUSY;
        if (destExists && ReferenceEquals(source.Inode, dest.Inode)) return 0;
        // A directory cannot move beneath itself (nor, when exchanging, the other one beneath it).
        if (source.IsDirectory && IsAncestorOrSelf(source.Inode, newDir.Inode)) return -(long)Errno.EINVAL;
        if (exchange && dest.IsDirectory && IsAncestorOrSelf(dest.Inode, oldDir.Inode)) return -(long)Errno.EINVAL;
        if (destExists && !exchange)
        {
            if (source.IsDirectory && !dest.IsDirectory) return -(long)Errno.ENOTDIR;
            if (!source.IsDirectory && dest.IsDirectory) return -(long)Errno.EISDIR;
        }
        r = oldDir.Mount.Fs.Rename(oldDir.Inode, oldName, newDir.Inode, newName, flags);
        // RENAME_WHITEOUT leaves a character device 0:0 at the old name (the filesystem refuses the flag if it cannot).
        if (r == 0 && (flags & RENAME_WHITEOUT) != 0)
        {
            r = oldDir.Inode.CreateNode(oldName, S_IFCHR, 0, ctx.Creds);
            if (r == 0) Notify.Created(oldDir, oldName, false);
        }
        if (r == 0) Notify.Moved(oldDir, oldName, newDir, newName, source.Inode, exchange ? null : destExists ? dest.Inode : null);
        if (r == 0 && exchange) Notify.Moved(newDir, newName, oldDir, oldName, dest.Inode, null);
        return r;
    }

    /// <summary>Immutable or append-only: its mode, owner and set times stay as they are.</summary>
    private static bool IsFrozen(Inode inode) => inode.IsImmutable || inode.IsAppendOnly;

    private static bool IsAncestorOrSelf(Inode ancestor, Inode node)
    {
        for (Inode? n = node; n is not null; n = n.DirParent)
            if (ReferenceEquals(n, ancestor)) return true;
        return false;
    }

    // ---- attributes ----

    /// <summary>chmod: the owner or root; a non-member of the file's group loses S_ISGID.</summary>
    public long SetMode(FsContext ctx, Location loc, int mode)
    {
        if (loc.Mount.ReadOnly) return -(long)Errno.EROFS;
        var c = ctx.Creds;
        if (IsFrozen(loc.Inode) || (!c.IsRoot && c.Fsuid != loc.Inode.Uid)) return -(long)Errno.EPERM;
        uint perm = (uint)mode & 0xFFF /* 07777 */;
        if (!c.IsRoot && !loc.IsDirectory && !c.InGroup(loc.Inode.Gid)) perm &= ~S_ISGID;
        return Changed(loc, FsNotify.Attrib, loc.Inode.SetMode(perm));
    }

    /// <summary>chown: root may change anything; the owner may change the group to one of its groups. uint.MaxValue leaves an id.</summary>
    public long SetOwner(FsContext ctx, Location loc, uint uid, uint gid)
    {
        if (loc.Mount.ReadOnly) return -(long)Errno.EROFS;
        var c = ctx.Creds;
        var inode = loc.Inode;
        if ((uid != uint.MaxValue || gid != uint.MaxValue) && IsFrozen(inode)) return -(long)Errno.EPERM;
        if (!c.IsRoot)
        {
            if (uid != uint.MaxValue && uid != inode.Uid) return -(long)Errno.EPERM;
            if (gid != uint.MaxValue && gid != inode.Gid && (c.Fsuid != inode.Uid || !c.InGroup(gid))) return -(long)Errno.EPERM;
            if (uid == uint.MaxValue && gid == uint.MaxValue) return 0;
            if (c.Fsuid != inode.Uid) return -(long)Errno.EPERM;
        }
        long r = inode.SetOwner(uid, gid);
        // A change of owner clears set-user-ID (and set-group-ID when group-executable) on non-directories.
        if (r == 0 && !inode.IsDirectory && (uid != uint.MaxValue || gid != uint.MaxValue) && !inode.IsSymlink)
        {
            uint m = inode.Mode & 0xFFF;
            uint cleared = m & ~S_ISUID;
            if ((m & 0x8 /* 010 */) != 0) cleared &= ~S_ISGID;
            if (cleared != m) inode.SetMode(cleared);
        }
        return uid == uint.MaxValue && gid == uint.MaxValue ? r : Changed(loc, FsNotify.Attrib, r);
    }

    /// <summary>utimensat: explicit times need the owner or root; "now" also write permission.</summary>
    public long SetTimes(FsContext ctx, Location loc, Timespec? atime, Timespec? mtime, bool explicitTimes)
    {
        if (loc.Mount.ReadOnly) return -(long)Errno.EROFS;
        // Set times need a mutable, non-append file; "now" for both (a touch) only a mutable one (notify_change).
        if ((explicitTimes && IsFrozen(loc.Inode)) || (!explicitTimes && atime is not null && mtime is not null && loc.Inode.IsImmutable))
            return -(long)Errno.EPERM;
        var c = ctx.Creds;
        if (!c.IsRoot && c.Fsuid != loc.Inode.Uid)
        {
            if (explicitTimes) return -(long)Errno.EPERM;
            long r = Permission.Check(loc.Inode, c, Permission.MayWrite);
            if (r < 0) return r;
        }
        // Both times is a utimes (IN_ATTRIB); only one reads as an access or a modification, as fsnotify_change has it.
        var mask = atime is null ? FsNotify.Modify : mtime is null ? FsNotify.Access : FsNotify.Attrib;
        return atime is null && mtime is null ? loc.Inode.SetTimes(atime, mtime) : Changed(loc, mask, loc.Inode.SetTimes(atime, mtime));
    }

    /// <summary>truncate(2) by path; growing a file past <paramref name="sizeLimit"/> (RLIMIT_FSIZE) is EFBIG.</summary>
    public long Truncate(FsContext ctx, Location? dirAt, string path, long length, long sizeLimit = long.MaxValue)
    {
        if (length < 0) return -(long)Errno.EINVAL;
        long r = Resolve(ctx, dirAt, path, 0, out var loc);
        if (r < 0) return r;
        if (loc.IsDirectory) return -(long)Errno.EISDIR;
        if (!loc.Inode.IsRegular) return -(long)Errno.EINVAL;
        if (loc.Mount.ReadOnly) return -(long)Errno.EROFS;
        r = Permission.Check(loc.Inode, ctx.Creds, Permission.MayWrite);
        if (r < 0) return r;
        if (loc.Inode.IsAppendOnly) return -(long)Errno.EPERM;
        if (!loc.Inode.TryGetWriteAccess()) return -(long)Errno.ETXTBSY;
        if (length > sizeLimit && loc.Inode.Stat(out var st) >= 0 && length > st.Size)
        {
            loc.Inode.PutWriteAccess();
            return -(long)Errno.EFBIG;
        }
        try
        {
            return Changed(loc, FsNotify.Modify, loc.Inode.Truncate(length));
        }
        finally
        {
            loc.Inode.PutWriteAccess();
        }
    }

    private long Created(Location parent, string name, bool isDir, long result)
    {
        if (result == 0) Notify.Created(parent, name, isDir);
        return result;
    }

    private long Changed(Location loc, uint mask, long result)
    {
        if (result == 0) Notify.Changed(loc, mask);
        return result;
    }

    public void Dispose()
    {
        foreach (var fs in _owned)
            if (fs is IDisposable d) d.Dispose();
        _owned.Clear();
    }
}
