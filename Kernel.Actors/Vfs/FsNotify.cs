using System.Buffers.Binary;
using System.Text;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// The filesystem event hub of one file tree (Linux's fsnotify, for inotify). The VFS and open files report what
/// happened; the hub hands the events to the inotify watches on the inodes concerned: the object itself (no name)
/// and its directory (with the entry's name), in Linux's order. Thread-safe: reads and writes report from task threads.
/// </summary>
public sealed class FsNotify
{
    public const uint Access = 0x1, Modify = 0x2, Attrib = 0x4, CloseWrite = 0x8, CloseNoWrite = 0x10, Open = 0x20,
        MovedFrom = 0x40, MovedTo = 0x80, Create = 0x100, Delete = 0x200, DeleteSelf = 0x400, MoveSelf = 0x800,
        QueueOverflow = 0x4000, Ignored = 0x8000, OnlyDir = 0x01000000, DontFollow = 0x02000000, ExclUnlink = 0x04000000,
        MaskCreate = 0x10000000, MaskAdd = 0x20000000, IsDir = 0x40000000, OneShot = 0x80000000;
    public const uint AllEvents = 0xfff;
    /// <summary>Every bit inotify_add_watch accepts (ALL_INOTIFY_BITS).</summary>
    public const uint AllBits = AllEvents | 0x2000 | QueueOverflow | Ignored | OnlyDir | DontFollow | ExclUnlink | MaskCreate
        | MaskAdd | IsDir | OneShot;

    /// <summary>An inode, by identity that survives re-lookup (host inodes may be re-created).</summary>
    public readonly record struct Key(Filesystem Fs, ulong Ino)
    {
        public static Key Of(Inode inode) => new(inode.Fs, inode.Ino);
    }

    /// <summary>FS_RENAME: sent to the old directory of every rename; only dnotify's DN_RENAME listens to it.</summary>
    private const uint Rename = 0x10000000;

    private readonly Lock _lock = new();
    private readonly Dictionary<Key, List<InotifyWatch>> _watches = new();
    private readonly Dictionary<Key, List<DnotifyMark>> _dnotify = new();
    private readonly Dictionary<Key, int> _openCounts = new();
    private int _watchCount;
    private uint _cookie;

    // ---- watches (inotify_add_watch / inotify_rm_watch / close of the instance) ----

    /// <summary>Adds or updates the instance's watch on <paramref name="inode"/>: the wd, or -EEXIST with IN_MASK_CREATE.</summary>
    internal long AddWatch(InotifyFile instance, Inode inode, uint mask)
    {
        var key = Key.Of(inode);
        var events = mask & (AllEvents | OneShot | ExclUnlink);
        lock (_lock)
        {
            if (_watches.TryGetValue(key, out var list) && list.Find(w => w.Instance == instance) is { } existing)
            {
                if ((mask & MaskCreate) != 0) return -(long)Errno.EEXIST;
                existing.Mask = (mask & MaskAdd) != 0 ? existing.Mask | events : events;
                return existing.Wd;
            }
            var watch = new InotifyWatch(instance, instance.NextWd(), key, events);
            if (list is null) _watches[key] = list = [];
            list.Add(watch);
            instance.Watches[watch.Wd] = watch;
            _watchCount++;
            return watch.Wd;
        }
    }

    /// <summary>inotify_rm_watch: IN_IGNORED is queued; false for an unknown wd.</summary>
    internal bool RemoveWatch(InotifyFile instance, int wd)
    {
        lock (_lock)
        {
            if (!instance.Watches.TryGetValue(wd, out var watch)) return false;
            Drop(watch, report: true);
        }
        instance.Readiness.Notify(Poll.In);
        return true;
    }

    /// <summary>The instance was closed: its watches go without events.</summary>
    internal void RemoveAll(InotifyFile instance)
    {
        lock (_lock)
        {
            foreach (var w in instance.Watches.Values.ToList()) Drop(w, report: false);
        }
    }

    private void Drop(InotifyWatch watch, bool report)
    {
        if (_watches.TryGetValue(watch.Key, out var list))
        {
            list.Remove(watch);
            if (list.Count == 0) _watches.Remove(watch.Key);
        }
        watch.Instance.Watches.Remove(watch.Wd);
        _watchCount--;
        if (report) watch.Instance.Enqueue(watch.Wd, Ignored, 0, null);
    }

    // ---- dnotify (fcntl F_NOTIFY) ----

    /// <summary>Sends a dnotify signal (the VFS actor's send_sigio with POLL_MSG); set once by the actor.</summary>
    public Action<DnotifyMark>? DnotifySignal { get; set; }

    /// <summary>
    /// F_NOTIFY on directory <paramref name="dir"/>: the events of <paramref name="dnMask"/> (DN_* bits) are added to
    /// what <paramref name="file"/> already watches for <paramref name="owner"/> (the caller's descriptor table).
    /// </summary>
    internal void SetDnotify(Inode dir, OpenFile file, object owner, int fd, uint dnMask)
    {
        var key = Key.Of(dir);
        uint mask = DnotifyMark.Convert(dnMask);
        bool multishot = (dnMask & DnotifyMark.DnMultiShot) != 0;
        lock (_lock)
        {
            if (!_dnotify.TryGetValue(key, out var list)) _dnotify[key] = list = [];
            if (list.Find(m => m.File == file && m.Owner == owner) is { } existing)
            {
                existing.Fd = fd;
                existing.Mask |= mask;
                existing.MultiShot |= multishot;
                return;
            }
            list.Add(new DnotifyMark(file, owner, key) { Fd = fd, Mask = mask, MultiShot = multishot });
            _watchCount++;
        }
    }

    /// <summary>dnotify_flush: a close of any of <paramref name="owner"/>'s descriptors of <paramref name="file"/>, or F_NOTIFY 0.</summary>
    public void FlushDnotify(OpenFile file, object owner)
    {
        if (file.Location is not { } loc || !loc.Inode.IsDirectory) return;
        lock (_lock)
        {
            if (_dnotify.TryGetValue(Key.Of(loc.Inode), out var list) && list.Find(m => m.File == file && m.Owner == owner) is { } mark)
                DropMark(mark);
        }
    }

    private void DropMark(DnotifyMark mark)
    {
        if (!_dnotify.TryGetValue(mark.Key, out var list) || !list.Remove(mark)) return;
        if (list.Count == 0) _dnotify.Remove(mark.Key);
        _watchCount--;
    }

    // ---- events from the VFS ----

    /// <summary>A name was created in <paramref name="parent"/> (open O_CREAT, mkdir, mknod, symlink).</summary>
    public void Created(Location parent, string name, bool isDir)
    {
        if (Idle) return;
        Deliver(b => b.Child(Key.Of(parent.Inode), name, Create, isDir, 0));
    }

    /// <summary>link: the target's link count changed, and a name appeared.</summary>
    public void Linked(Inode target, Location parent, string name)
    {
        if (Idle) return;
        Deliver(b =>
        {
            b.Self(Key.Of(target), Attrib, target.IsDirectory);
            b.Child(Key.Of(parent.Inode), name, Create, target.IsDirectory, 0);
        });
    }

    /// <summary>unlink/rmdir of <paramref name="victim"/>, which was <paramref name="name"/> in <paramref name="parent"/>.</summary>
    public void Removed(Location parent, string name, Inode victim)
    {
        if (Idle) return;
        bool isDir = victim.IsDirectory;
        Deliver(b =>
        {
            if (!isDir) b.Self(Key.Of(victim), Attrib, false);
            b.DeleteIfGone(victim);
            b.Child(Key.Of(parent.Inode), name, Delete, isDir, 0);
        });
    }

    /// <summary>rename: <paramref name="replaced"/> is the entry the move overwrote (null when none, or for an exchange).</summary>
    public void Moved(Location oldDir, string oldName, Location newDir, string newName, Inode moved, Inode? replaced)
    {
        if (Idle) return;
        Deliver(b =>
        {
            var cookie = ++_cookie;
            b.Child(Key.Of(oldDir.Inode), oldName, MovedFrom, moved.IsDirectory, cookie);
            b.Child(Key.Of(oldDir.Inode), oldName, Rename, moved.IsDirectory, 0);
            b.Child(Key.Of(newDir.Inode), newName, MovedTo, moved.IsDirectory, cookie);
            if (replaced is not null) b.Self(Key.Of(replaced), Attrib, replaced.IsDirectory);
            b.Self(Key.Of(moved), MoveSelf, moved.IsDirectory);
            if (replaced is not null) b.DeleteIfGone(replaced);
        });
    }

    /// <summary>A change through a path (chmod, chown, utimes: IN_ATTRIB; truncate: IN_MODIFY).</summary>
    public void Changed(Location location, uint mask)
    {
        if (Idle) return;
        Deliver(b => b.Both(location, mask, null));
    }

    // ---- events from open files ----

    public void Opened(OpenFile file)
    {
        if (file.Location is not { } loc || file.IsPathOnly) return;
        lock (_lock) _openCounts[Key.Of(loc.Inode)] = _openCounts.GetValueOrDefault(Key.Of(loc.Inode)) + 1;
        if (Idle) return;
        Deliver(b => b.Both(loc, Open, file));
    }

    /// <summary>Data was read (IN_ACCESS) or written (IN_MODIFY) through <paramref name="file"/>.</summary>
    public void Transferred(OpenFile file, bool written)
    {
        if (Idle || file.Location is not { } loc) return;
        Deliver(b => b.Both(loc, written ? Modify : Access, file));
    }

    public void Closed(OpenFile file)
    {
        if (file.Location is not { } loc || file.IsPathOnly) return;
        var key = Key.Of(loc.Inode);
        int left;
        lock (_lock)
        {
            left = _openCounts.GetValueOrDefault(key) - 1;
            if (left > 0) _openCounts[key] = left;
            else _openCounts.Remove(key);
            // The last close of a directory ends its dnotify registrations, whoever set them.
            if (_dnotify.TryGetValue(key, out var marks))
                foreach (var mark in marks.Where(m => m.File == file).ToList()) DropMark(mark);
        }
        if (Idle) return;
        Deliver(b =>
        {
            b.Both(loc, file.CanWrite ? CloseWrite : CloseNoWrite, file);
            if (left <= 0) b.DeleteIfGone(loc.Inode);
        });
    }

    private bool Idle => Volatile.Read(ref _watchCount) == 0;

    /// <summary>How many open files (O_PATH ones aside) <paramref name="inode"/> has: a write lease needs it to be one.</summary>
    public int OpenCount(Inode inode)
    {
        lock (_lock) return _openCounts.GetValueOrDefault(Key.Of(inode));
    }

    /// <summary>Runs <paramref name="build"/> under the lock, then wakes the instances that got events.</summary>
    private void Deliver(Action<Batch> build)
    {
        var batch = new Batch(this);
        lock (_lock) build(batch);
        foreach (var instance in batch.Woken) instance.Readiness.Notify(Poll.In);
        if (batch.Signalled is { } marks && DnotifySignal is { } send)
            foreach (var mark in marks) send(mark);
    }

    /// <summary>The events of one operation, queued in order (under the hub's lock).</summary>
    private sealed class Batch(FsNotify hub)
    {
        public readonly HashSet<InotifyFile> Woken = [];
        public List<DnotifyMark>? Signalled;

        /// <summary>dnotify: a directory's marks hear of its own events and of its entries' (FS_EVENT_ON_CHILD).</summary>
        private void Dnotify(Key dir, uint mask)
        {
            if (!hub._dnotify.TryGetValue(dir, out var marks)) return;
            foreach (var mark in marks.ToList())
            {
                if ((mark.Mask & mask) == 0) continue;
                (Signalled ??= []).Add(mark);
                if (!mark.MultiShot) hub.DropMark(mark);
            }
        }

        /// <summary>An event about the object itself (its own watches, no name).</summary>
        public void Self(Key key, uint mask, bool isDir)
        {
            if (isDir) Dnotify(key, mask);
            if (!hub._watches.TryGetValue(key, out var list)) return;
            // Linux marks events on a directory with IN_ISDIR, except the *_SELF ones.
            if (isDir && (mask & (DeleteSelf | MoveSelf)) == 0) mask |= IsDir;
            foreach (var w in list.ToList()) Send(w, mask, 0, null);
        }

        /// <summary>An event about an entry of a directory (the directory's watches, with the name).</summary>
        public void Child(Key dir, string name, uint mask, bool isDir, uint cookie, OpenFile? file = null)
        {
            Dnotify(dir, mask);
            if (!hub._watches.TryGetValue(dir, out var list)) return;
            if (isDir) mask |= IsDir;
            foreach (var w in list.ToList())
            {
                // IN_EXCL_UNLINK: no events from open files about children that are gone.
                if (file is not null && (w.Mask & ExclUnlink) != 0 && file.Location!.Inode.Stat(out var st) == 0 && st.Nlink == 0) continue;
                Send(w, mask, cookie, name);
            }
        }

        /// <summary>An event about a file: to its directory's watches (with its name), then to its own.</summary>
        public void Both(Location loc, uint mask, OpenFile? file)
        {
            var inode = loc.Inode;
            if (inode.IsDirectory)
            {
                if (inode.DirParent is { } up && inode.DirName is { } n) Child(Key.Of(up), n, mask, true, 0, file);
            }
            else if (loc.Parent is { } parent)
            {
                Child(Key.Of(parent.Inode), loc.Name, mask, false, 0, file);
            }
            Self(Key.Of(inode), mask, inode.IsDirectory);
        }

        /// <summary>An inode without links or open files is gone: IN_DELETE_SELF, then its watches end (IN_IGNORED).</summary>
        public void DeleteIfGone(Inode inode)
        {
            var key = Key.Of(inode);
            if (!hub._watches.ContainsKey(key)) return;
            if (hub._openCounts.ContainsKey(key) || inode.Stat(out var st) < 0 || st.Nlink > 0) return;
            Self(key, DeleteSelf, inode.IsDirectory);
            if (hub._watches.TryGetValue(key, out var list))
                foreach (var w in list.ToList()) hub.Drop(w, report: true);
        }

        private void Send(InotifyWatch w, uint mask, uint cookie, string? name)
        {
            if ((mask & w.Mask & AllEvents) == 0) return;
            w.Instance.Enqueue(w.Wd, mask, cookie, name);
            Woken.Add(w.Instance);
            if ((w.Mask & OneShot) != 0) hub.Drop(w, report: true);
        }
    }
}

/// <summary>One inotify watch: an instance's interest in an inode.</summary>
public sealed class InotifyWatch(InotifyFile instance, int wd, FsNotify.Key key, uint mask)
{
    public InotifyFile Instance { get; } = instance;
    public int Wd { get; } = wd;
    public FsNotify.Key Key { get; } = key;
    public uint Mask { get; set; } = mask;
}

/// <summary>
/// An inotify instance: its watches (by wd) and its queue of events, read as struct inotify_event records
/// (wd, mask, cookie, len, then the name padded with NULs to a multiple of 16 bytes).
/// </summary>
public sealed class InotifyFile : AnonymousFile
{
    private const uint FIONREAD = 0x541B;
    private const int MaxQueued = 16384; // /proc/sys/fs/inotify/max_queued_events
    private readonly Lock _lock = new();
    private readonly LinkedList<(int Wd, uint Mask, uint Cookie, byte[]? Name)> _events = new();
    private readonly WaitQueue _queue = new();
    private readonly FsNotify _hub;
    private int _bytes;
    private int _nextWd;

    public InotifyFile(FsNotify hub, int flags) : base(OpenFlags.O_RDONLY | (flags & OpenFlags.O_NONBLOCK))
    {
        _hub = hub;
    }

    /// <summary>Watches by wd; changed under the hub's lock.</summary>
    internal Dictionary<int, InotifyWatch> Watches { get; } = new();

    internal int NextWd() => ++_nextWd;

    public override WaitQueue Readiness => _queue;

    public long AddWatch(Inode inode, uint mask) => _hub.AddWatch(this, inode, mask);

    public bool RemoveWatch(int wd) => _hub.RemoveWatch(this, wd);

    public override int PollEvents()
    {
        lock (_lock) return _events.Count > 0 ? Poll.Readable : 0;
    }

    /// <summary>Queues an event unless it repeats the last unread one (Linux merges those).</summary>
    internal void Enqueue(int wd, uint mask, uint cookie, string? name)
    {
        byte[]? bytes = null;
        if (name is not null)
        {
            int len = Encoding.UTF8.GetByteCount(name);
            bytes = new byte[(len + 1 + 15) & ~15];
            Encoding.UTF8.GetBytes(name, bytes);
        }
        lock (_lock)
        {
            if (_events.Last is { } last && last.Value.Wd == wd && last.Value.Mask == mask && last.Value.Cookie == cookie
                && (last.Value.Name ?? []).AsSpan().SequenceEqual(bytes ?? []))
            {
                return;
            }
            if (_events.Count >= MaxQueued)
            {
                if (_events.Last!.Value.Mask != FsNotify.QueueOverflow) Add((-1, FsNotify.QueueOverflow, 0, null));
                return;
            }
            Add((wd, mask, cookie, bytes));
        }
    }

    private void Add((int Wd, uint Mask, uint Cookie, byte[]? Name) e)
    {
        _events.AddLast(e);
        _bytes += 16 + (e.Name?.Length ?? 0);
    }

    public override long Read(Span<byte> buffer)
    {
        if (!CanRead) return Err(Errno.EBADF);
        lock (_lock)
        {
            if (_events.Count == 0) return Err(Errno.EAGAIN);
            int written = 0;
            while (_events.First is { } node)
            {
                var e = node.Value;
                int size = 16 + (e.Name?.Length ?? 0);
                if (written + size > buffer.Length)
                {
                    if (written == 0) return Err(Errno.EINVAL);
                    break;
                }
                var rec = buffer.Slice(written, size);
                BinaryPrimitives.WriteInt32LittleEndian(rec, e.Wd);
                BinaryPrimitives.WriteUInt32LittleEndian(rec[4..], e.Mask);
                BinaryPrimitives.WriteUInt32LittleEndian(rec[8..], e.Cookie);
                BinaryPrimitives.WriteUInt32LittleEndian(rec[12..], (uint)(e.Name?.Length ?? 0));
                e.Name?.CopyTo(rec[16..]);
                written += size;
                _bytes -= size;
                _events.RemoveFirst();
            }
            return written;
        }
    }

    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut)
    {
        if (request != FIONREAD) return Err(Errno.ENOTTY);
        if (argOut.Length < 4) return Err(Errno.EFAULT);
        lock (_lock) BinaryPrimitives.WriteInt32LittleEndian(argOut, _bytes);
        return 0;
    }

    public override void Release() => _hub.RemoveAll(this);
}

/// <summary>A dnotify registration: an open directory's interest, for one descriptor table, in changes inside it.</summary>
public sealed class DnotifyMark(OpenFile file, object owner, FsNotify.Key key)
{
    public const uint Access = 0x1, Modify = 0x2, Create = 0x4, Delete = 0x8, RenameBit = 0x10, Attrib = 0x20, DnMultiShot = 0x80000000;

    public OpenFile File { get; } = file;
    /// <summary>The descriptor table that set it (close of its descriptors ends it).</summary>
    public object Owner { get; } = owner;
    internal FsNotify.Key Key { get; } = key;
    /// <summary>The descriptor the signal names (si_fd).</summary>
    public int Fd { get; internal set; }
    /// <summary>The fsnotify events (FsNotify constants) that signal.</summary>
    internal uint Mask { get; set; }
    internal bool MultiShot { get; set; }

    /// <summary>DN_* to fsnotify events, as Linux's convert_arg: a delete is also a move out, a create a move in.</summary>
    internal static uint Convert(uint dn)
    {
        uint mask = 0;
        if ((dn & Delete) != 0) mask |= FsNotify.Delete | FsNotify.MovedFrom;
        if ((dn & Modify) != 0) mask |= FsNotify.Modify;
        if ((dn & Access) != 0) mask |= FsNotify.Access;
        if ((dn & Attrib) != 0) mask |= FsNotify.Attrib;
        if ((dn & RenameBit) != 0) mask |= 0x10000000; // FS_RENAME
        if ((dn & Create) != 0) mask |= FsNotify.Create | FsNotify.MovedTo;
        return mask;
    }
}
