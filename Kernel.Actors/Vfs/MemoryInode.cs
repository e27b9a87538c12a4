using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A node whose metadata lives in memory (tmpfs, devpts, sysfs): mode, owner and times may be changed as Linux lets
/// them be on those filesystems; the rest of the stat comes from overridable members.
/// </summary>
public abstract class MemoryInode : Inode
{
    private uint _mode;
    internal uint OwnerUid;
    internal uint OwnerGid;
    internal Timespec Atime, Mtime, Ctime;

    protected MemoryInode(Filesystem fs, ulong ino, uint mode, uint uid = 0, uint gid = 0) : base(fs, ino)
    {
        _mode = mode;
        OwnerUid = uid;
        OwnerGid = gid;
        Atime = Mtime = Ctime = Timespec.Now;
    }

    public override uint Mode => _mode;
    public override uint Uid => OwnerUid;
    public override uint Gid => OwnerGid;
    protected virtual uint LinkCount => 1;
    protected virtual long Size => 0;
    protected virtual ulong Rdev => 0;
    protected virtual int BlockSize => 4096;
    protected virtual long BlockCount() => 0;
    /// <summary>The birth time statx reports (tmpfs keeps one; devpts and sysfs do not).</summary>
    protected virtual Timespec? BirthTime => null;

    public override long Stat(out StatInfo st)
    {
        st = new StatInfo(Fs.Dev, Ino, _mode, LinkCount, OwnerUid, OwnerGid, Rdev, Size, BlockSize, BlockCount(),
            Atime.Sec, Atime.Nsec, Mtime.Sec, Mtime.Nsec, Ctime.Sec, Ctime.Nsec) { Btime = BirthTime };
        return 0;
    }

    public override long SetMode(uint permissions)
    {
        _mode = (_mode & S_IFMT) | (permissions & 0xFFF /* 07777 */);
        Ctime = Timespec.Now;
        return 0;
    }

    public override long SetOwner(uint uid, uint gid)
    {
        if (uid != uint.MaxValue) OwnerUid = uid;
        if (gid != uint.MaxValue) OwnerGid = gid;
        Ctime = Timespec.Now;
        return 0;
    }

    public override long SetTimes(Timespec? atime, Timespec? mtime)
    {
        if (atime is { } a) Atime = a;
        if (mtime is { } m) Mtime = m;
        Ctime = Timespec.Now;
        return 0;
    }
}
