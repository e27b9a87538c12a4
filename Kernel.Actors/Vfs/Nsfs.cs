using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// nsfs: where /proc/[pid]/ns/* links lead. Each namespace is one inode, numbered as the namespace (what
/// <c>stat -L /proc/self/ns/uts</c> compares); opening it gives a descriptor setns(2) takes.
/// </summary>
public sealed class Nsfs : Filesystem
{
    private const long NSFS_MAGIC = 0x6e736673;
    private readonly Lock _lock = new();
    private readonly Dictionary<uint, NsInode> _inodes = new();

    public Nsfs()
    {
        Root = new NsInode(this, 1, "", this);
    }

    public override string Type => "nsfs";
    public override Inode Root { get; }
    public override StatFsInfo StatFs() => StatFsInfo.Internal(NSFS_MAGIC);

    /// <summary>The inode of the namespace <paramref name="target"/> of kind <paramref name="kind"/>, numbered <paramref name="ino"/>.</summary>
    public NsInode InodeOf(object target, string kind, uint ino)
    {
        lock (_lock)
        {
            if (!_inodes.TryGetValue(ino, out var inode)) _inodes[ino] = inode = new NsInode(this, ino, kind, target);
            return inode;
        }
    }
}

/// <summary>A namespace as a file: a read-only regular file of no content.</summary>
public sealed class NsInode(Nsfs fs, ulong ino, string kind, object target) : Inode(fs, ino)
{
    /// <summary>The namespace (a Kernel.Actors.Tasks.Namespace or a <see cref="MountNamespace"/>).</summary>
    public object Target { get; } = target;
    public string Kind { get; } = kind;

    public override uint Mode => S_IFREG | 0x124 /* 0444 */;
    public override uint Uid => 0;
    public override uint Gid => 0;

    public override long Stat(out StatInfo st)
    {
        st = new StatInfo(Fs.Dev, Ino, Mode, 1, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        return 0;
    }

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        file = new NsFile(location, flags);
        return 0;
    }
}

/// <summary>An open namespace: nothing to read or write; setns(2) takes it.</summary>
public sealed class NsFile(Location location, int flags) : OpenFile(location, flags)
{
    public NsInode Node => (NsInode)Location!.Inode;
    public override long Read(Span<byte> buffer) => CanRead ? -(long)Errno.EINVAL : -(long)Errno.EBADF;
}
