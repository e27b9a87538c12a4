using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>One directory entry as a filesystem lists it (without "." and "..").</summary>
public readonly record struct DirEntry(string Name, ulong Ino, byte Type);

/// <summary>A filesystem instance: its synthetic device number, its root, and the operations spanning directories.</summary>
public abstract class Filesystem
{
    private static int _nextAnonDev = 16;

    protected Filesystem()
    {
        // Anonymous devices (major 0) as Linux numbers them for virtual filesystems.
        Dev = StatInfo.MakeDev(0, (uint)Interlocked.Increment(ref _nextAnonDev));
    }

    public ulong Dev { get; }
    public abstract string Type { get; }
    public virtual bool ReadOnly => false;
    public abstract Inode Root { get; }
    public abstract StatFsInfo StatFs();

    /// <summary>The filesystem's own options as /proc/mounts shows them after the per-mount flags ("size=1024k,mode=755").</summary>
    public virtual string MountOptions => "";

    /// <summary>
    /// mount -o remount: applies filesystem options (the data string of mount(2)) and the superblock's read-only flag.
    /// EINVAL for an option the filesystem does not know.
    /// </summary>
    public virtual long Reconfigure(string options, bool readOnly) =>
        options.Length != 0 ? -(long)Errno.EINVAL : SetSuperReadOnly(readOnly);

    /// <summary>Made read-only by a remount (every mount of it refuses writes with EROFS).</summary>
    public bool SuperReadOnly { get; private set; }

    protected long SetSuperReadOnly(bool readOnly)
    {
        SuperReadOnly = readOnly;
        return 0;
    }

    /// <summary>Moves or exchanges entries within this filesystem; the VFS has already checked permissions and types.</summary>
    public virtual long Rename(Inode oldDir, string oldName, Inode newDir, string newName, uint flags) => -(long)Errno.EROFS;
}

/// <summary>
/// A file object of some filesystem. Directory operations take a single validated name component (never "/", "." or "..");
/// the VFS does permission, read-only and existence checks first, so implementations only do the work.
/// </summary>
public abstract class Inode
{
    protected Inode(Filesystem fs, ulong ino)
    {
        Fs = fs;
        Ino = ino;
    }

    public Filesystem Fs { get; }
    public ulong Ino { get; }

    // Linux's i_writecount: above 0 the number of opens for writing, below 0 the number of running images (ETXTBSY).
    private int _writeCount;

    /// <summary>An open for writing (or a truncate) begins; false (ETXTBSY) while a process runs this file.</summary>
    public bool TryGetWriteAccess()
    {
        for (var c = Volatile.Read(ref _writeCount); ; c = Volatile.Read(ref _writeCount))
        {
            if (c < 0) return false;
            if (Interlocked.CompareExchange(ref _writeCount, c + 1, c) == c) return true;
        }
    }

    public void PutWriteAccess() => Interlocked.Decrement(ref _writeCount);

    /// <summary>F_SET_RW_HINT's expected lifetime of written data (RWH_WRITE_LIFE_*); advice only.</summary>
    public ulong WriteHint { get; set; }

    /// <summary>Some open file may write to this inode (a read lease cannot be taken).</summary>
    public bool IsOpenForWrite => Volatile.Read(ref _writeCount) > 0;

    /// <summary>A process starts running this file; false (ETXTBSY) while it is open for writing.</summary>
    public bool TryDenyWriteAccess()
    {
        for (var c = Volatile.Read(ref _writeCount); ; c = Volatile.Read(ref _writeCount))
        {
            if (c > 0) return false;
            if (Interlocked.CompareExchange(ref _writeCount, c - 1, c) == c) return true;
        }
    }

    public void AllowWriteAccess() => Interlocked.Increment(ref _writeCount);

    /// <summary>File type and permission bits (st_mode).</summary>
    public abstract uint Mode { get; }
    public abstract uint Uid { get; }
    public abstract uint Gid { get; }

    public uint FileType => Mode & S_IFMT;
    public bool IsDirectory => FileType == S_IFDIR;
    public bool IsSymlink => FileType == S_IFLNK;
    public bool IsRegular => FileType == S_IFREG;

    /// <summary>For a directory: its parent directory in the same filesystem (null at the filesystem root or once removed).</summary>
    public virtual Inode? DirParent => null;
    /// <summary>For a directory: its name in <see cref="DirParent"/>.</summary>
    public virtual string? DirName => null;

    public abstract long Stat(out StatInfo st);

    public virtual long Lookup(string name, out Inode? child)
    {
        child = null;
        return -(long)Errno.ENOTDIR;
    }

    /// <summary>Entries of a directory, without "." and "..".</summary>
    public virtual long ReadDir(out List<DirEntry> entries)
    {
        entries = [];
        return -(long)Errno.ENOTDIR;
    }

    public virtual long ReadLink(out string target)
    {
        target = "";
        return -(long)Errno.EINVAL;
    }

    /// <summary>Opens this (non-directory, already permission-checked) file; directories are opened by the VFS.</summary>
    public virtual long Open(Location location, int flags, out OpenFile? file)
    {
        file = null;
        return -(long)Errno.ENXIO;
    }

    public virtual long CreateFile(string name, uint mode, Credentials creds, out Inode? child)
    {
        child = null;
        return -(long)Errno.EPERM;
    }

    public virtual long CreateDirectory(string name, uint mode, Credentials creds) => -(long)Errno.EPERM;
    public virtual long CreateSymlink(string name, string target, Credentials creds) => -(long)Errno.EPERM;
    /// <summary>mknod: fifos (and later sockets, devices).</summary>
    public virtual long CreateNode(string name, uint mode, ulong rdev, Credentials creds) => -(long)Errno.EPERM;
    public virtual long AddLink(string name, Inode target) => -(long)Errno.EPERM;
    /// <summary>Removes the entry <paramref name="name"/> (a directory only when <paramref name="directory"/>; ENOTEMPTY if not empty).</summary>
    public virtual long RemoveEntry(string name, bool directory) => -(long)Errno.EPERM;
    /// <summary>O_TMPFILE: an unnamed regular file in this directory; linkat may name it only when <paramref name="linkable"/> (no O_EXCL).</summary>
    public virtual long CreateUnnamedFile(uint mode, Credentials creds, bool linkable, out Inode? file)
    {
        file = null;
        return -(long)Errno.EOPNOTSUPP;
    }

    public virtual long SetMode(uint permissions) => -(long)Errno.EPERM;
    public virtual long SetOwner(uint uid, uint gid) => -(long)Errno.EPERM;
    /// <summary>Sets times (null leaves one unchanged); ctime becomes now.</summary>
    public virtual long SetTimes(Timespec? atime, Timespec? mtime) => -(long)Errno.EPERM;
    public virtual long Truncate(long length) => -(long)Errno.EINVAL;

    /// <summary>The chattr flags the VFS enforces (immutable, append-only); filesystems that keep them in memory report them.</summary>
    public virtual uint AttrFlags => 0;
    public bool IsImmutable => (AttrFlags & InodeFlags.Immutable) != 0;
    public bool IsAppendOnly => (AttrFlags & InodeFlags.Append) != 0;

    /// <summary>FS_IOC_GETFLAGS: the inode's FS_*_FL flags; ENOTTY where the filesystem has none.</summary>
    public virtual long GetAttrFlags(out uint flags)
    {
        flags = 0;
        return -(long)Errno.ENOTTY;
    }

    /// <summary>FS_IOC_SETFLAGS after the VFS's ownership and CAP_LINUX_IMMUTABLE checks: EOPNOTSUPP for a flag the filesystem lacks.</summary>
    public virtual long SetAttrFlags(uint flags) => -(long)Errno.ENOTTY;

    /// <summary>A /proc magic link (its target is a kernel object, not a path text): RESOLVE_NO_MAGICLINKS refuses it.</summary>
    public bool IsMagicLink => this is IMagicLink;

    // Extended attributes. Names are whole ("user.foo"); the VFS has checked the namespace, permissions and
    // read-only mounts, so implementations only store. A filesystem without xattrs answers EOPNOTSUPP.
    public virtual long GetXattr(string name, out byte[] value)
    {
        value = [];
        return -(long)Errno.EOPNOTSUPP;
    }

    public virtual long ListXattr(out List<string> names)
    {
        names = [];
        return 0;
    }

    /// <summary>Sets <paramref name="name"/>; <paramref name="flags"/> holds XATTR_CREATE (EEXIST) and XATTR_REPLACE (ENODATA).</summary>
    public virtual long SetXattr(string name, byte[] value, int flags) => -(long)Errno.EOPNOTSUPP;
    public virtual long RemoveXattr(string name) => -(long)Errno.EOPNOTSUPP;
}

/// <summary>A time as seconds and nanoseconds since the epoch.</summary>
public readonly record struct Timespec(long Sec, long Nsec)
{
    public static Timespec Now
    {
        get
        {
            long ticks = DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks;
            return new Timespec(ticks / TimeSpan.TicksPerSecond, ticks % TimeSpan.TicksPerSecond * 100);
        }
    }
}

/// <summary>Inode flags of FS_IOC_GETFLAGS/SETFLAGS (linux/fs.h) and their FS_IOC_FSGETXATTR equivalents.</summary>
public static class InodeFlags
{
    public const uint Sync = 0x8, Immutable = 0x10, Append = 0x20, NoDump = 0x40, NoAtime = 0x80, DirSync = 0x10000;
    /// <summary>FS_FL_USER_VISIBLE: what GETFLAGS may report.</summary>
    public const uint UserVisible = 0x0003DFFF;
    /// <summary>What tmpfs stores (Linux's SHMEM_FL_USER_MODIFIABLE without casefolding, which needs an encoding).</summary>
    public const uint Tmpfs = Immutable | Append | NoDump | NoAtime;
    /// <summary>What a new tmpfs node takes from its directory.</summary>
    public const uint TmpfsInherited = NoDump | NoAtime;

    /// <summary>FS_COMMON_FL: the flags FS_IOC_FSSETXATTR sets (the rest are kept).</summary>
    public const uint Common = Sync | Immutable | Append | NoDump | NoAtime | 0x02000000 /* DAX */ | 0x20000000 /* PROJINHERIT */;
    /// <summary>FS_XFLAG_COMMON: the xflags with an FS_*_FL twin.</summary>
    public const uint XflagsCommon = 0x8 | 0x10 | 0x20 | 0x40 | 0x80 | 0x8000 | 0x200;

    public static uint FromXflags(uint x) =>
        ((x & 0x8) != 0 ? Immutable : 0) | ((x & 0x10) != 0 ? Append : 0) | ((x & 0x20) != 0 ? Sync : 0)
        | ((x & 0x40) != 0 ? NoAtime : 0) | ((x & 0x80) != 0 ? NoDump : 0) | ((x & 0x8000) != 0 ? 0x02000000u : 0)
        | ((x & 0x200) != 0 ? 0x20000000u : 0);

    /// <summary>FS_XFLAG_* of struct fsxattr for the flags that have one.</summary>
    public static uint ToXflags(uint flags) =>
        ((flags & Immutable) != 0 ? 0x8u : 0) | ((flags & Append) != 0 ? 0x10u : 0) | ((flags & Sync) != 0 ? 0x20u : 0)
        | ((flags & NoAtime) != 0 ? 0x40u : 0) | ((flags & NoDump) != 0 ? 0x80u : 0);
}
