using System.Text;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A minimal sysfs for /sys with kernfs's rules: nothing can be created or removed (EACCES for files, EPERM for the
/// rest), an attribute without a store method cannot be opened for writing even by root (EACCES), attributes read
/// as text and report a size of 4096. It holds the CPU topology glibc and runtimes read (one CPU, as a process runs
/// on one virtual CPU), the transparent huge page policy, and an empty /sys/fs/cgroup.
/// </summary>
public sealed class Sysfs : Filesystem
{
    public const long SYSFS_MAGIC = 0x62656572;

    private readonly SysfsDirectory _root;
    private ulong _nextIno = 1;

    public Sysfs()
    {
        _root = new SysfsDirectory(this);
        foreach (var name in new[] { "block", "bus", "class", "dev", "firmware", "module", "power" }) _root.Directory(name);
        var cpu = _root.Directory("devices").Directory("system").Directory("cpu");
        foreach (var name in new[] { "online", "possible", "present" }) cpu.Attribute(name, () => "0\n");
        cpu.Directory("cpu0");
        var thp = _root.Directory("kernel").Directory("mm").Directory("transparent_hugepage");
        thp.Choice("enabled", ["always", "madvise", "never"], "madvise");
        thp.Choice("defrag", ["always", "defer", "defer+madvise", "madvise", "never"], "madvise");
        _root.Directory("fs").Directory("cgroup");
    }

    public override string Type => "sysfs";
    public override Inode Root => _root;

    internal ulong NextIno() => _nextIno++;

    public override StatFsInfo StatFs() =>
        new(SYSFS_MAGIC, 4096, 0, 0, 0, 0, 0, Dev, 255, 4096, StatFsInfo.ST_NOSUID | StatFsInfo.ST_NODEV);
}

/// <summary>A sysfs node: mode, owner and times may be changed, as kernfs allows.</summary>
internal abstract class SysfsNode(Sysfs fs, uint mode) : MemoryInode(fs, fs.NextIno(), mode);

internal sealed class SysfsDirectory : SysfsNode
{
    private readonly Dictionary<string, SysfsNode> _entries = new(StringComparer.Ordinal);
    private readonly SysfsDirectory? _parent;
    private readonly string? _name;

    public SysfsDirectory(Sysfs fs, SysfsDirectory? parent = null, string? name = null) : base(fs, S_IFDIR | 0x1ED /* 0755 */)
    {
        _parent = parent;
        _name = name;
    }

    public override Inode? DirParent => _parent;
    public override string? DirName => _name;
    protected override uint LinkCount => 2 + (uint)_entries.Values.Count(e => e.IsDirectory);

    public SysfsDirectory Directory(string name)
    {
        if (_entries.TryGetValue(name, out var existing)) return (SysfsDirectory)existing;
        var dir = new SysfsDirectory((Sysfs)Fs, this, name);
        _entries[name] = dir;
        return dir;
    }

    public void Attribute(string name, Func<string> show, Func<string, long>? store = null) =>
        _entries[name] = new SysfsAttribute((Sysfs)Fs, show, store);

    /// <summary>An attribute showing its choices with the current one in brackets; writing a choice selects it.</summary>
    public void Choice(string name, string[] choices, string initial)
    {
        var current = initial;
        Attribute(name, () => string.Join(' ', choices.Select(c => c == current ? $"[{c}]" : c)) + "\n", value =>
        {
            var v = value.TrimEnd('\n');
            if (!choices.Contains(v)) return -(long)Errno.EINVAL;
            current = v;
            return 0;
        });
    }

    public override long Lookup(string name, out Inode? child)
    {
        child = _entries.GetValueOrDefault(name);
        return child is null ? -(long)Errno.ENOENT : 0;
    }

    public override long ReadDir(out List<DirEntry> entries)
    {
        entries = _entries.Select(e => new DirEntry(e.Key, e.Value.Ino, DirectoryFile.DirentType(e.Value.Mode))).ToList();
        return 0;
    }

    // kernfs has no create; the other namespace operations are not permitted.
    public override long CreateFile(string name, uint mode, Credentials creds, out Inode? child)
    {
        child = null;
        return -(long)Errno.EACCES;
    }
}

/// <summary>A sysfs attribute: text from <c>show</c>; writable only when it has a <c>store</c>.</summary>
internal sealed class SysfsAttribute(Sysfs fs, Func<string> show, Func<string, long>? store)
    : SysfsNode(fs, S_IFREG | (store is null ? 0x124u /* 0444 */ : 0x1A4u /* 0644 */))
{
    protected override long Size => 4096;

    public override long Truncate(long length) => 0; // accepted and ignored, as kernfs does

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        file = null;
        int acc = flags & O_ACCMODE;
        if ((acc == O_WRONLY || acc == O_RDWR) && store is null) return -(long)Errno.EACCES;
        file = new SysfsAttributeFile(location, flags, show, store);
        return 0;
    }
}

/// <summary>An open attribute: reads see the text as it was at the first read; each write is one store.</summary>
internal sealed class SysfsAttributeFile(Location location, int flags, Func<string> show, Func<string, long>? store) : OpenFile(location, flags)
{
    private readonly object _lock = new();
    private byte[]? _text;
    private long _pos;

    public override long Read(Span<byte> buffer)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        lock (_lock)
        {
            long n = PReadLocked(buffer, _pos);
            _pos += n;
            return n;
        }
    }

    public override long PRead(Span<byte> buffer, long offset)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        if (offset < 0) return -(long)Errno.EINVAL;
        lock (_lock) return PReadLocked(buffer, offset);
    }

    private long PReadLocked(Span<byte> buffer, long offset)
    {
        if (offset == 0 || _text is null) _text = Encoding.UTF8.GetBytes(show());
        if (offset >= _text.Length) return 0;
        int n = (int)Math.Min(buffer.Length, _text.Length - offset);
        _text.AsSpan((int)offset, n).CopyTo(buffer);
        return n;
    }

    public override long Write(ReadOnlySpan<byte> data) => PWrite(data, 0);

    public override long PWrite(ReadOnlySpan<byte> data, long offset)
    {
        if (!CanWrite || store is null) return -(long)Errno.EBADF;
        if (data.Length == 0) return 0;
        if (data.Length > 4095) return -(long)Errno.EINVAL;
        var r = store(Encoding.UTF8.GetString(data));
        return r < 0 ? r : data.Length;
    }

    public override long Seek(long offset, int whence)
    {
        lock (_lock)
        {
            var r = ComputeSeek(_pos, 4096, offset, whence);
            if (r >= 0) _pos = r;
            return r;
        }
    }
}
