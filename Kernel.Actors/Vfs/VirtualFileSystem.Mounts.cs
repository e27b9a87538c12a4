using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>How the host directory given as the root filesystem is used.</summary>
public enum RootFsMode
{
    /// <summary>Read-only lower layer under an in-memory upper layer that takes every change (the default).</summary>
    Overlay,
    /// <summary>Changes go to the host directory itself, through fds opened beneath it (--rootfs-writable).</summary>
    Writable,
    /// <summary>Every change fails with EROFS.</summary>
    ReadOnly,
}

/// <summary>mount(2), umount2(2), pivot_root(2): the mount table changes, with Linux's checks and errno order.</summary>
public sealed partial class VirtualFileSystem
{
    public const ulong MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16, MS_REMOUNT = 32,
        MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOSYMFOLLOW = 256, MS_NOATIME = 1024, MS_NODIRATIME = 2048, MS_BIND = 4096,
        MS_MOVE = 8192, MS_REC = 16384, MS_SILENT = 32768, MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19,
        MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24, MS_LAZYTIME = 1 << 25, MS_NOUSER = 1UL << 31,
        MS_MGC_VAL = 0xC0ED0000, MS_MGC_MSK = 0xFFFF0000;

    public const int MNT_FORCE = 1, MNT_DETACH = 2, MNT_EXPIRE = 4, UMOUNT_NOFOLLOW = 8;

    /// <summary>The filesystem types mount -t knows (tmpfs; others register theirs, such as proc).</summary>
    public FilesystemTypes FilesystemTypes { get; } = new();

    private static long OpenRootFs(string hostRoot, RootFsMode mode, out Filesystem? fs)
    {
        fs = null;
        long r = HostFilesystem.Open(hostRoot, mode == RootFsMode.Writable, out var host);
        if (r < 0) return r;
        fs = mode == RootFsMode.Overlay ? new OverlayFilesystem(host!) : host;
        return 0;
    }

    // Host paths stay out of what the guest can read (/proc/mounts).
    private static string RootSource(Filesystem fs) => fs is OverlayFilesystem ? "overlay" : fs.Type;

    /// <summary>
    /// mount(2). <paramref name="isBusy"/> tells whether files are open for writing on a filesystem (a read-only remount
    /// then fails with EBUSY). Only a task with effective uid 0 may mount (EPERM), checked after the target is looked up.
    /// </summary>
    /// <param name="instance">The filesystem a new mount shows, for types with one instance per namespace (mqueue); null makes one.</param>
    public long Mount(FsContext ctx, string? source, string target, string? type, ulong flags, string? data,
        Func<Filesystem, bool>? hasWriters = null, Filesystem? instance = null)
    {
        var ns = NamespaceOf(ctx);
        long r = Resolve(ctx, null, target, 0, out var where);
        if (r < 0) return r;
        if ((flags & MS_MGC_MSK) == MS_MGC_VAL) flags &= ~MS_MGC_MSK;
        if ((flags & MS_NOUSER) != 0) return -(long)Errno.EINVAL;
        if (ctx.Creds.Euid != 0) return -(long)Errno.EPERM; // CAP_SYS_ADMIN
        where = ns.TopOf(where);
        if (where.Mount.Detached) return -(long)Errno.EINVAL;
        var mountFlags = MountFlagsOf(flags);
        string options = data ?? "";

        if ((flags & (MS_REMOUNT | MS_BIND)) == (MS_REMOUNT | MS_BIND))
        {
            if (!where.IsMountRoot) return -(long)Errno.EINVAL;
            if ((mountFlags & MountFlags.ReadOnly) != 0 && !where.Mount.ReadOnly && (hasWriters?.Invoke(where.Mount.Fs) ?? false))
                return -(long)Errno.EBUSY;
            where.Mount.Flags = mountFlags;
            return 0;
        }
        if ((flags & MS_REMOUNT) != 0)
        {
            if (!where.IsMountRoot) return -(long)Errno.EINVAL;
            bool ro = (flags & MS_RDONLY) != 0;
            r = SplitGenericOptions(options, ref ro, out var fsOptions);
            if (r < 0) return r;
            if (ro && !where.Mount.Fs.SuperReadOnly && (hasWriters?.Invoke(where.Mount.Fs) ?? false)) return -(long)Errno.EBUSY;
            r = where.Mount.Fs.Reconfigure(fsOptions, ro);
            if (r < 0) return r;
            where.Mount.Flags = mountFlags;
            return 0;
        }
        if ((flags & MS_BIND) != 0) return Bind(ctx, source, where, (flags & MS_REC) != 0);
        if ((flags & (MS_SHARED | MS_PRIVATE | MS_SLAVE | MS_UNBINDABLE)) != 0)
        {
            // Propagation types: exactly one, on a mount point. There is one namespace and no peer to propagate to.
            if (!where.IsMountRoot) return -(long)Errno.EINVAL;
            ulong kind = flags & ~(MS_REC | MS_SILENT);
            return kind is MS_SHARED or MS_PRIVATE or MS_SLAVE or MS_UNBINDABLE ? 0 : -(long)Errno.EINVAL;
        }
        if ((flags & MS_MOVE) != 0) return Move(ctx, source, where);
        if (type is null) return -(long)Errno.EINVAL;
        bool readOnly = (flags & MS_RDONLY) != 0;
        r = SplitGenericOptions(options, ref readOnly, out var fsOpts);
        if (r < 0) return r;
        Filesystem? fs = instance;
        r = instance is not null ? 0 : FilesystemTypes.Create(type, source ?? "", fsOpts, out fs);
        if (r < 0) return r;
        if (readOnly) fs!.Reconfigure("", true);
        if (!where.IsDirectory) return -(long)Errno.ENOTDIR;
        var place = MountNamespace.PlaceOf(where);
        if (place is null) return -(long)Errno.ENOENT;
        ns.Attach(new Mount(this, fs!, fs!.Root, mountFlags, null, "", string.IsNullOrEmpty(source) ? "none" : source), place.Value.Dir, place.Value.Name);
        if (instance is null) _owned.Add(fs);
        return 0;
    }

    /// <summary>statfs f_flags (ST_*) of a mount: its read-only state and its per-mount flags.</summary>
    private static long StatFsFlags(Mount m)
    {
        const long stRelAtime = 4096, stNoSymFollow = 0x2000;
        const MountFlags same = MountFlags.NoSuid | MountFlags.NoDev | MountFlags.NoExec | MountFlags.NoAtime | MountFlags.NoDirAtime;
        long f = StatFsInfo.ST_VALID | (long)(m.Flags & same) | (m.ReadOnly ? StatFsInfo.ST_RDONLY : 0);
        if ((m.Flags & MountFlags.RelAtime) != 0) f |= stRelAtime;
        if ((m.Flags & MountFlags.NoSymFollow) != 0) f |= stNoSymFollow;
        return f;
    }

    private static MountFlags MountFlagsOf(ulong flags)
    {
        var m = MountFlags.None;
        if ((flags & MS_NOATIME) == 0) m |= MountFlags.RelAtime; // relatime unless told otherwise, as Linux
        if ((flags & MS_NOSUID) != 0) m |= MountFlags.NoSuid;
        if ((flags & MS_NODEV) != 0) m |= MountFlags.NoDev;
        if ((flags & MS_NOEXEC) != 0) m |= MountFlags.NoExec;
        if ((flags & MS_NOATIME) != 0) m |= MountFlags.NoAtime;
        if ((flags & MS_NODIRATIME) != 0) m |= MountFlags.NoDirAtime;
        if ((flags & MS_STRICTATIME) != 0) m &= ~(MountFlags.RelAtime | MountFlags.NoAtime);
        if ((flags & MS_RDONLY) != 0) m |= MountFlags.ReadOnly;
        if ((flags & MS_NOSYMFOLLOW) != 0) m |= MountFlags.NoSymFollow;
        return m;
    }

    /// <summary>The superblock flags every filesystem accepts in its option string (ro, rw, sync...); the rest is the filesystem's.</summary>
    private static long SplitGenericOptions(string options, ref bool readOnly, out string fsOptions)
    {
        var rest = new List<string>();
        foreach (var o in options.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            switch (o)
            {
                case "ro": readOnly = true; break;
                case "rw": readOnly = false; break;
                case "sync" or "async" or "dirsync" or "lazytime" or "nolazytime" or "mand" or "nomand" or "posixacl": break;
                default: rest.Add(o); break;
            }
        }
        fsOptions = string.Join(',', rest);
        return 0;
    }

    /// <summary>MS_BIND: the subtree at <paramref name="source"/> appears at <paramref name="target"/> too (MS_REC: with the mounts beneath it).</summary>
    private long Bind(FsContext ctx, string? source, Location target, bool recursive)
    {
        var ns = NamespaceOf(ctx);
        if (string.IsNullOrEmpty(source)) return -(long)Errno.EINVAL;
        long r = Resolve(ctx, null, source, 0, out var from);
        if (r < 0) return r;
        from = ns.TopOf(from);
        if (from.Mount.Detached) return -(long)Errno.EINVAL;
        if (from.IsDirectory != target.IsDirectory) return -(long)Errno.ENOTDIR;
        var place = MountNamespace.PlaceOf(target);
        if (place is null) return -(long)Errno.ENOENT;
        var copy = new Mount(this, from.Mount.Fs, from.Inode, from.Mount.Flags, null, "", from.Mount.Source);
        // Collect the submounts first: attaching the copy may put it beneath its own source.
        var beneath = recursive ? SubmountsBeneath(from) : [];
        ns.Attach(copy, place.Value.Dir, place.Value.Name);
        foreach (var sub in beneath) CopyInto(copy, sub);
        return 0;
    }

    private List<Mount> SubmountsBeneath(Location from) =>
        (from.Mount.Namespace ?? Namespace).Children(from.Mount).Where(m => MountNamespace.IsBeneath(m.MountpointDir!, from)).ToList();

    /// <summary>Copies <paramref name="sub"/> (and its own submounts) onto the same place within <paramref name="parentCopy"/>.</summary>
    private void CopyInto(Mount parentCopy, Mount sub)
    {
        var children = (sub.Namespace ?? Namespace).Children(sub);
        var copy = new Mount(this, sub.Fs, sub.Root, sub.Flags, null, "", sub.Source);
        var dir = sub.MountpointDir!;
        (parentCopy.Namespace ?? Namespace).Attach(copy, new Location(parentCopy, dir.Inode, null, dir.Name), sub.Name);
        foreach (var c in children) CopyInto(copy, c);
    }

    /// <summary>MS_MOVE: a mount (with everything beneath it) moves to <paramref name="target"/>.</summary>
    private long Move(FsContext ctx, string? source, Location target)
    {
        var ns = NamespaceOf(ctx);
        if (string.IsNullOrEmpty(source)) return -(long)Errno.EINVAL;
        long r = Resolve(ctx, null, source, 0, out var from);
        if (r < 0) return r;
        from = ns.TopOf(from);
        var m = from.Mount;
        if (!from.IsMountRoot || m.Detached || ReferenceEquals(m, ns.Root)) return -(long)Errno.EINVAL;
        if (from.IsDirectory != target.IsDirectory) return -(long)Errno.ENOTDIR;
        // Not beneath itself.
        for (Mount? p = target.Mount; p is not null; p = p.MountpointDir?.Mount)
            if (ReferenceEquals(p, m)) return -(long)Errno.ELOOP;
        var place = MountNamespace.PlaceOf(target);
        if (place is null) return -(long)Errno.ENOENT;
        ns.Unhash(m);
        ns.Attach(m, place.Value.Dir, place.Value.Name);
        return 0;
    }

    /// <summary>
    /// umount2(2). Without MNT_DETACH a mount with submounts or in use (<paramref name="inUse"/>: open files, a task's
    /// root or cwd) gives EBUSY; with it the mount and its submounts leave the tree at once and live on for their users.
    /// </summary>
    public long Unmount(FsContext ctx, string target, int flags, Func<Mount, bool> inUse)
    {
        var ns = NamespaceOf(ctx);
        if ((flags & ~(MNT_FORCE | MNT_DETACH | MNT_EXPIRE | UMOUNT_NOFOLLOW)) != 0) return -(long)Errno.EINVAL;
        if (ctx.Creds.Euid != 0) return -(long)Errno.EPERM; // CAP_SYS_ADMIN
        long r = Resolve(ctx, null, target, (flags & UMOUNT_NOFOLLOW) != 0 ? AtFlags.AT_SYMLINK_NOFOLLOW : 0, out var loc);
        if (r < 0) return r;
        loc = ns.TopOf(loc);
        if (!loc.IsMountRoot || loc.Mount.Detached) return -(long)Errno.EINVAL;
        var m = loc.Mount;
        bool busy = ns.Children(m).Any() || inUse(m);
        if ((flags & MNT_EXPIRE) != 0)
        {
            if ((flags & (MNT_FORCE | MNT_DETACH)) != 0 || ReferenceEquals(m, ctx.Root.Mount)) return -(long)Errno.EINVAL;
            if (busy) return -(long)Errno.EBUSY;
            if (!m.ExpiryMark)
            {
                m.ExpiryMark = true;
                return -(long)Errno.EAGAIN;
            }
        }
        if (ReferenceEquals(m, ns.Root))
            return (flags & MNT_DETACH) != 0 ? -(long)Errno.EINVAL : -(long)Errno.EBUSY;
        if ((flags & MNT_DETACH) == 0 && busy) return -(long)Errno.EBUSY;
        ns.DetachTree(m);
        return 0;
    }

    /// <summary>
    /// pivot_root(2): the mount at <paramref name="newRoot"/> takes the place of the caller's root mount, which moves to
    /// <paramref name="putOld"/>. Returns the old and new root locations so the caller can move every task's root and cwd.
    /// </summary>
    public long PivotRoot(FsContext ctx, string newRoot, string putOld, out Location? oldRootLoc, out Location? newRootLoc)
    {
        var ns = NamespaceOf(ctx);
        oldRootLoc = newRootLoc = null;
        if (ctx.Creds.Euid != 0) return -(long)Errno.EPERM; // CAP_SYS_ADMIN
        long r = Resolve(ctx, null, newRoot, 0, out var @new);
        if (r < 0) return r;
        if (!@new.IsDirectory) return -(long)Errno.ENOTDIR;
        r = Resolve(ctx, null, putOld, 0, out var old);
        if (r < 0) return r;
        if (!old.IsDirectory) return -(long)Errno.ENOTDIR;
        var root = ctx.Root;
        Mount newMnt = @new.Mount, rootMnt = root.Mount, oldMnt = old.Mount;
        if (newMnt.Detached || rootMnt.Detached) return -(long)Errno.EINVAL;
        if (@new.Inode.DirParent is null && !@new.IsMountRoot) return -(long)Errno.ENOENT;
        if (ReferenceEquals(newMnt, rootMnt) || ReferenceEquals(oldMnt, rootMnt)) return -(long)Errno.EBUSY;
        if (!root.IsMountRoot || !@new.IsMountRoot) return -(long)Errno.EINVAL;
        if (!MountNamespace.IsBeneath(old, @new) || !MountNamespace.IsBeneath(@new, root)) return -(long)Errno.EINVAL;
        var putOldPlace = MountNamespace.PlaceOf(old);
        if (putOldPlace is null) return -(long)Errno.ENOENT;
        bool rootIsTop = ReferenceEquals(rootMnt, ns.Root);
        var rootPlace = rootIsTop ? null : MountNamespace.PlaceOf(root);
        ns.Unhash(newMnt);
        ns.Unhash(rootMnt);
        if (rootIsTop) ns.SetRoot(newMnt);
        else ns.Attach(newMnt, rootPlace!.Value.Dir, rootPlace.Value.Name);
        ns.Attach(rootMnt, putOldPlace.Value.Dir, putOldPlace.Value.Name);
        oldRootLoc = root;
        newRootLoc = newMnt.RootLocation;
        return 0;
    }
}
