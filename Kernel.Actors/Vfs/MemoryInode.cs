using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A node of a synthetic filesystem (devpts, sysfs) whose metadata lives in memory: mode, owner and times may be
/// changed as Linux lets them be on those filesystems; the rest of the stat comes from overridable properties.
/// </summary>
public abstract class MemoryInode : Inode
{
    private uint _mode;
    private uint _uid, _gid;
    private Timespec _atime, _mtime, _ctime;

    protected MemoryInode(Filesystem fs, ulong ino, uint mode, uint uid = 0, uint gid = 0) : base(fs, ino)
    {
        _mode = mode;
        _uid = uid;
        _gid = gid;
        _atime = _mtime = _ctime = Timespec.Now;
    }

    public override uint Mode => _mode;
    public override uint Uid => _uid;
    public override uint Gid => _gid;
    protected virtual uint Nlink => 1;
    protected virtual long Size => 0;
    protected virtual ulong Rdev => 0;
    protected virtual int BlockSize => 4096;

    public override long Stat(out StatInfo st)
    {
        st = new StatInfo(Fs.Dev, Ino, _mode, Nlink, _uid, _gid, Rdev, Size, BlockSize, 0, _atime.Sec, _atime.Nsec,
            _mtime.Sec, _mtime.Nsec, _ctime.Sec, _ctime.Nsec);
        return 0;
    }

    public override long SetMode(uint permissions)
    {
        _mode = (_mode & S_IFMT) | (permissions & 0xFFF);
        _ctime = Timespec.Now;
        return 0;
    }

    public override long SetOwner(uint uid, uint gid)
    {
        if (uid != uint.MaxValue) _uid = uid;
        if (gid != uint.MaxValue) _gid = gid;
        _ctime = Timespec.Now;
        return 0;
    }

    public override long SetTimes(Timespec? atime, Timespec? mtime)
    {
        if (atime is { } a) _atime = a;
        if (mtime is { } m) _mtime = m;
        _ctime = Timespec.Now;
        return 0;
    }
}
