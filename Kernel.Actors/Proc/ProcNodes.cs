using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Proc;

/// <summary>The permission bits of /proc's nodes.</summary>
internal static class ProcModes
{
    public const uint Dir = 0x16D;        // 0555
    public const uint OwnerDir = 0x140;   // 0500
    public const uint ReadOnly = 0x124;   // 0444
    public const uint OwnerRead = 0x100;  // 0400
    public const uint ReadWrite = 0x1A4;  // 0644
    public const uint AnyLink = 0x1FF;    // 0777
}

/// <summary>A node of /proc: mode as Linux gives it, owned by its process's effective ids (root for system-wide files).</summary>
public abstract class ProcNode : Inode
{
    protected ProcNode(Procfs fs, string key, uint mode, KernelProcess? owner) : base(fs, Procfs.InoOf(key))
    {
        Key = key;
        Mode = mode;
        Owner = owner;
    }

    /// <summary>The path below /proc ("" for the root, "1/fd/3"...), which fixes the inode number.</summary>
    public string Key { get; }
    public KernelProcess? Owner { get; }
    internal Procfs Proc => (Procfs)Fs;
    public override uint Mode { get; }
    // task_dump_owner: a process that is not dumpable (after a change of ids) has its files owned by root.
    public override uint Uid => Owner is { Settings.Dumpable: true } o ? o.Creds.Euid : 0;
    public override uint Gid => Owner is { Settings.Dumpable: true } o ? o.Creds.Egid : 0;
    protected virtual long Size => 0;

    public override long Stat(out StatInfo st)
    {
        var t = Proc.TimeOf(Owner);
        st = new StatInfo(Fs.Dev, Ino, Mode, IsDirectory ? 2u : 1u, Uid, Gid, 0, Size, 1024, 0,
            t.Sec, t.Nsec, t.Sec, t.Nsec, t.Sec, t.Nsec);
        return 0;
    }

    // Names that do not exist in /proc cannot be created either: Linux's lookup already fails with ENOENT.
    public override long CreateFile(string name, uint mode, Credentials creds, out Inode? child)
    {
        child = null;
        return -(long)Errno.ENOENT;
    }

    public override long CreateDirectory(string name, uint mode, Credentials creds) => -(long)Errno.ENOENT;
    public override long CreateSymlink(string name, string target, Credentials creds) => -(long)Errno.ENOENT;
    public override long CreateNode(string name, uint mode, ulong rdev, Credentials creds) => -(long)Errno.ENOENT;
    public override long AddLink(string name, Inode target) => -(long)Errno.ENOENT;
}

/// <summary>A directory whose entries are computed when listed or looked up.</summary>
public sealed class ProcDir : ProcNode
{
    private readonly ProcDir? _parent;
    private readonly string? _name;
    private readonly Func<IEnumerable<string>> _names;
    private readonly Func<ProcDir, string, ProcNode?> _child;

    public ProcDir(Procfs fs, ProcDir? parent, string? name, uint perm, KernelProcess? owner,
        Func<IEnumerable<string>> names, Func<ProcDir, string, ProcNode?> child)
        : base(fs, parent is null ? "" : ChildKey(parent, name!), S_IFDIR | perm, owner)
    {
        _parent = parent;
        _name = name;
        _names = names;
        _child = child;
    }

    public override Inode? DirParent => _parent;
    public override string? DirName => _name;

    public static string ChildKey(ProcDir dir, string name) => dir.Key.Length == 0 ? name : dir.Key + "/" + name;

    public override long Lookup(string name, out Inode? child)
    {
        child = _child(this, name);
        return child is null ? -(long)Errno.ENOENT : 0;
    }

    public override long ReadDir(out List<DirEntry> entries)
    {
        entries = [];
        foreach (var name in _names())
        {
            if (_child(this, name) is { } node) entries.Add(new DirEntry(name, node.Ino, DirectoryFile.DirentType(node.Mode)));
        }
        return 0;
    }
}

/// <summary>What a write to a /proc file does.</summary>
public enum ProcWriteKind
{
    /// <summary>Read-only in Linux's way for per-process files: an open for writing succeeds for root, write gives EINVAL.</summary>
    Einval,
    /// <summary>Read-only in Linux's way for system-wide files: write gives EIO.</summary>
    Eio,
    /// <summary>A sysctl the sandbox does not let anyone change: opening it for writing gives EACCES.</summary>
    Denied,
    /// <summary>Writes go to the file's handler.</summary>
    Handler,
}

/// <summary>Takes the bytes written to a /proc file; returns the count consumed or -errno.</summary>
public delegate long ProcWriter(ReadOnlySpan<byte> data);

/// <summary>A file whose contents are generated when it is opened (and again after a seek to the start).</summary>
public sealed class ProcFile : ProcNode
{
    private readonly Func<byte[]> _generate;
    private readonly ProcWriteKind _writeKind;
    private readonly Func<ProcWriter>? _writer;

    public ProcFile(Procfs fs, ProcDir parent, string name, uint perm, KernelProcess? owner, Func<byte[]> generate,
        ProcWriteKind writeKind, Func<ProcWriter>? writer = null)
        : base(fs, ProcDir.ChildKey(parent, name), S_IFREG | perm, owner)
    {
        _generate = generate;
        _writeKind = writeKind;
        _writer = writer;
    }

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        file = null;
        bool writing = (flags & O_ACCMODE) != O_RDONLY;
        if (writing && _writeKind == ProcWriteKind.Denied) return -(long)Errno.EACCES;
        var error = _writeKind == ProcWriteKind.Eio ? Errno.EIO : Errno.EINVAL;
        // The writer is bound at open: Linux checks who may write (comm) against the opener.
        var writer = writing && _writeKind == ProcWriteKind.Handler ? _writer!() : null;
        file = new ProcSeqFile(location, flags, _generate, writer, error);
        return 0;
    }

    /// <summary>O_TRUNC on a /proc file is accepted and does nothing.</summary>
    public override long Truncate(long length) => 0;
}

/// <summary>A symlink whose text is computed when read (/proc/self, /proc/thread-self, /proc/mounts).</summary>
public sealed class ProcLink : ProcNode
{
    private readonly Func<string?> _target;

    public ProcLink(Procfs fs, ProcDir parent, string name, Func<string?> target)
        : base(fs, ProcDir.ChildKey(parent, name), S_IFLNK | ProcModes.AnyLink, null)
    {
        _target = target;
    }

    public override long ReadLink(out string target)
    {
        target = _target() ?? "";
        return target.Length == 0 ? -(long)Errno.ENOENT : 0;
    }
}

/// <summary>
/// A magic link of a process (cwd, root, exe, fd/N): following it jumps to the location itself, and only a caller
/// allowed to inspect the process may follow or read it (EACCES otherwise), as Linux's proc_fd_access_allowed.
/// </summary>
public sealed class ProcMagicLink : ProcNode, IMagicLink
{
    private readonly Func<Location?> _target;
    private readonly Func<string?> _text;
    private readonly long _size;

    public ProcMagicLink(Procfs fs, ProcDir parent, string name, uint perm, KernelProcess owner, Func<Location?> target,
        Func<string?> text, long size = 0)
        : base(fs, ProcDir.ChildKey(parent, name), S_IFLNK | perm, owner)
    {
        _target = target;
        _text = text;
        _size = size;
    }

    protected override long Size => _size;

    public long Jump(FsContext ctx, out Location target)
    {
        target = null!;
        if (!Procfs.MayAccess(ctx.Creds, Owner!)) return -(long)Errno.EACCES;
        if (!Proc.IsAlive(Owner!) || _target() is not { } loc) return -(long)Errno.ENOENT;
        target = loc;
        return 0;
    }

    public override long ReadLink(out string target)
    {
        target = "";
        if (!Procfs.MayAccess(Procfs.CallerCreds, Owner!)) return -(long)Errno.EACCES;
        if (!Proc.IsAlive(Owner!) || _text() is not { } text) return -(long)Errno.ENOENT;
        target = text;
        return 0;
    }
}

/// <summary>Where pipes and other files without a path live when reached through /proc/[pid]/fd (pipefs, anon_inodefs).</summary>
internal sealed class AnonFs : Filesystem
{
    private const long ANON_INODE_FS_MAGIC = 0x09041934;

    public AnonFs()
    {
        Root = new AnonRoot(this);
    }

    public override string Type => "anon_inodefs";
    public override Inode Root { get; }

    public override StatFsInfo StatFs() => new(ANON_INODE_FS_MAGIC, 4096, 0, 0, 0, 0, 0, Dev, 255, 4096, 0);

    private sealed class AnonRoot(AnonFs fs) : Inode(fs, 1)
    {
        public override uint Mode => S_IFDIR | 0x1C0 /* 0700 */;
        public override uint Uid => 0;
        public override uint Gid => 0;

        public override long Stat(out StatInfo st)
        {
            st = new StatInfo(Fs.Dev, Ino, Mode, 2, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
            return 0;
        }

        public override long Lookup(string name, out Inode? child)
        {
            child = null;
            return -(long)Errno.ENOENT;
        }

        public override long ReadDir(out List<DirEntry> entries)
        {
            entries = [];
            return 0;
        }
    }
}

/// <summary>The inode behind an open file that has no path: stat shows the file, open makes a new description of it.</summary>
internal sealed class AnonFileInode : Inode
{
    private readonly OpenFile _file;
    private readonly KernelProcess _owner;

    private AnonFileInode(AnonFs fs, OpenFile file, KernelProcess owner, ulong ino, uint mode) : base(fs, ino)
    {
        _file = file;
        _owner = owner;
        Mode = mode;
    }

    /// <summary>The location /proc/[pid]/fd/N of <paramref name="file"/> leads to.</summary>
    public static Location At(Procfs proc, OpenFile file, KernelProcess owner)
    {
        // Anonymous inodes without a type of their own show as mode 0600 with no file type, as in Linux.
        var mode = file.Stat(out var st) >= 0 ? st.Mode : 0x180u;
        var inode = new AnonFileInode((AnonFs)proc.AnonMount.Fs, file, owner, st.Ino, mode);
        return new Location(proc.AnonMount, inode, null, file.AnonymousName);
    }

    public override uint Mode { get; }
    public override uint Uid => _owner.Creds.Euid;
    public override uint Gid => _owner.Creds.Egid;

    public override long Stat(out StatInfo st)
    {
        if (_file.Stat(out st) >= 0) return 0;
        st = new StatInfo(Fs.Dev, Ino, Mode, 1, Uid, Gid, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        return 0;
    }

    public override long Open(Location location, int flags, out OpenFile? file) => _file.Reopen(flags, out file);

    /// <summary>O_TRUNC through the link (a shell's "> /dev/stdout") leaves a host file the guest does not own alone.</summary>
    public override long Truncate(long length) => 0;
}
