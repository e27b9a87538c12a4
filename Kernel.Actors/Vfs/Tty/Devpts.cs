using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// devpts, mounted at /dev/pts: one node per open pty (/dev/pts/N, char 136:N, mode 0600 owned by whoever opened
/// the master, as the kernel's defaults give without mount options) and the ptmx node (char 5:2, mode 0000). Opening
/// /dev/ptmx creates a pty here with the lowest free number.
/// </summary>
public sealed class Devpts : Filesystem
{
    public const long DEVPTS_SUPER_MAGIC = 0x1CD1;
    public const uint SlaveMajor = 136;
    /// <summary>/proc/sys/kernel/pty/max's default.</summary>
    public const int MaxPtys = 4096;

    private readonly object _lock = new();
    private readonly SortedDictionary<int, Pty> _ptys = new();
    private readonly DevptsRoot _root;
    public Devpts()
    {
        _root = new DevptsRoot(this);
        Ptmx = new DevptsPtmxNode(this);
    }

    public override string Type => "devpts";
    public override Inode Root => _root;
    internal DevptsPtmxNode Ptmx { get; }

    /// <summary>Where terminal signals and hang-ups go; set by the sandbox.</summary>
    public ITerminalHost? Host { get; set; }

    public override StatFsInfo StatFs() =>
        new(DEVPTS_SUPER_MAGIC, 4096, 0, 0, 0, 0, 0, Dev, 255, 4096, StatFsInfo.ST_NOSUID);

    /// <summary>The pty numbered <paramref name="index"/>, if it is open.</summary>
    public Pty? Find(int index)
    {
        lock (_lock) return _ptys.GetValueOrDefault(index);
    }

    internal List<Pty> All()
    {
        lock (_lock) return _ptys.Values.ToList();
    }

    /// <summary>Opens /dev/ptmx (at <paramref name="location"/>): a new pty's master; ENOSPC when all numbers are taken.</summary>
    public long OpenMaster(Location location, int flags, out OpenFile? file)
    {
        file = null;
        var creds = DeviceOpen.Current?.Creds ?? Credentials.Root;
        Pty pty;
        lock (_lock)
        {
            int index = 0;
            foreach (var used in _ptys.Keys)
            {
                if (used != index) break;
                index++;
            }
            if (index >= MaxPtys) return -(long)Errno.ENOSPC;
            pty = new Pty(this, index, creds.Euid, creds.Egid);
            _ptys[index] = pty;
        }
        file = new PtyMasterFile(pty, location, flags);
        return 0;
    }

    internal void Remove(Pty pty)
    {
        lock (_lock)
        {
            if (_ptys.TryGetValue(pty.Index, out var p) && ReferenceEquals(p, pty)) _ptys.Remove(pty.Index);
        }
    }
}

/// <summary>The devpts root directory: "ptmx" and one entry per open pty.</summary>
internal sealed class DevptsRoot(Devpts fs) : MemoryInode(fs, 1, S_IFDIR | 0x1ED /* 0755 */)
{
    protected override uint LinkCount => 2;

    public override long Lookup(string name, out Inode? child)
    {
        var devpts = (Devpts)Fs;
        child = null;
        if (name == "ptmx") child = devpts.Ptmx;
        else if (name.Length > 0 && name.All(char.IsAsciiDigit) && (name == "0" || name[0] != '0')
                 && int.TryParse(name, out var index) && devpts.Find(index) is { } pty)
            child = pty.Node;
        return child is null ? -(long)Errno.ENOENT : 0;
    }

    public override long ReadDir(out List<DirEntry> entries)
    {
        var devpts = (Devpts)Fs;
        entries = [new DirEntry("ptmx", devpts.Ptmx.Ino, DT_CHR)];
        foreach (var pty in devpts.All()) entries.Add(new DirEntry(pty.Index.ToString(), pty.Node.Ino, DT_CHR));
        return 0;
    }
}

/// <summary>A character device node of devpts: mode and owner may be changed (chmod, chown), as grantpt used to.</summary>
public abstract class DevptsNode(Devpts fs, ulong ino, uint perm, uint uid, uint gid) : MemoryInode(fs, ino, S_IFCHR | perm, uid, gid)
{
    protected override int BlockSize => 1024;
}

/// <summary>/dev/pts/ptmx: another way to open a master (mode 0000 by default, so only root can).</summary>
internal sealed class DevptsPtmxNode(Devpts fs) : DevptsNode(fs, 2, 0, 0, 0)
{
    protected override ulong Rdev => StatInfo.MakeDev(5, 2);

    public override long Open(Location location, int flags, out OpenFile? file) => ((Devpts)Fs).OpenMaster(location, flags, out file);
}

/// <summary>/dev/pts/N.</summary>
public sealed class PtySlaveNode : DevptsNode
{
    private readonly Pty _pty;

    // Inode numbers as devpts gives them: the root 1, ptmx 2, pty N N+3.
    internal PtySlaveNode(Devpts fs, Pty pty, uint uid, uint gid) : base(fs, (ulong)pty.Index + 3, 0x180 /* 0600 */, uid, gid)
    {
        _pty = pty;
    }

    protected override ulong Rdev => StatInfo.MakeDev(Devpts.SlaveMajor, (uint)_pty.Index);

    public override long Open(Location location, int flags, out OpenFile? file) => _pty.OpenSlave(location, flags, out file);
}
