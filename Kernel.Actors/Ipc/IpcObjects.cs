using Kernel.Actors.Tasks;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Ipc;

/// <summary>The flags and commands every System V IPC call shares (linux/ipc.h).</summary>
public static class IpcFlags
{
    public const int Private = 0, Create = 0x200, Exclusive = 0x400, NoWait = 0x800;
    public const int Rmid = 0, Set = 1, Stat = 2, Info = 3;
    /// <summary>IPCMNI: the index part of an id; the sequence number is above it.</summary>
    public const int Mni = 32768;
    public const int ReadAccess = 0x124 /* S_IRUGO */, WriteAccess = 0x92 /* S_IWUGO */, ExecAccess = 0x49 /* S_IXUGO */;
}

/// <summary>Who makes a call: the ids and capabilities Linux's ipcperms and ownership checks look at.</summary>
public sealed record IpcCaller(int Pid, uint Euid, uint Egid, IReadOnlyList<uint> Groups, TaskSettings Settings)
{
    public static IpcCaller Of(KernelTask task)
    {
        var p = task.Process;
        var c = p.Creds;
        return new IpcCaller(p.Pid, c.Euid, c.Egid, c.Groups, task.Settings);
    }

    public bool InGroup(uint gid) => gid == Egid || Groups.Contains(gid);
    public bool Has(int cap) => Settings.Has(cap);
}

/// <summary>kern_ipc_perm: an object's key, id, owner, creator and mode.</summary>
public abstract class IpcObject
{
    public int Key { get; set; }
    public int Id { get; set; }
    public int Seq { get; set; }
    public uint Uid { get; set; }
    public uint Gid { get; set; }
    public uint Cuid { get; set; }
    public uint Cgid { get; set; }
    /// <summary>The permission bits, with SHM_DEST and SHM_LOCKED above them for segments.</summary>
    public uint Mode { get; set; }
    public long Ctime { get; set; }
    /// <summary>Removed (IPC_RMID): waiters get EIDRM, lookups no longer find it.</summary>
    public bool Removed { get; set; }
    public int Index => Id % IpcFlags.Mni;

    protected IpcObject(int key, IpcCaller creator, int flags, long now)
    {
        Key = key;
        Uid = Cuid = creator.Euid;
        Gid = Cgid = creator.Egid;
        Mode = (uint)flags & 0x1FF;
        Ctime = now;
    }

    /// <summary>ipcperms: <paramref name="flag"/> holds the S_I*UGO bits asked for (or a get's mode bits).</summary>
    public bool Permits(IpcCaller c, int flag)
    {
        var requested = (flag >> 6) | (flag >> 3) | flag;
        var granted = (int)Mode;
        if (c.Euid == Cuid || c.Euid == Uid) granted >>= 6;
        else if (c.InGroup(Cgid) || c.InGroup(Gid)) granted >>= 3;
        return (requested & ~granted & 7) == 0 || c.Has(Capabilities.IpcOwner);
    }

    /// <summary>ipcctl_obtain_check: IPC_SET and IPC_RMID need the owner, the creator or CAP_SYS_ADMIN.</summary>
    public bool OwnedBy(IpcCaller c) => c.Euid == Cuid || c.Euid == Uid || c.Has(Capabilities.SysAdmin);

    /// <summary>IPC_SET of the owner and the permission bits (the bits above them stay).</summary>
    public void SetPerm(uint uid, uint gid, uint mode, long now)
    {
        Uid = uid;
        Gid = gid;
        Mode = (Mode & ~0x1FFu) | (mode & 0x1FF);
        Ctime = now;
    }

    /// <summary>struct ipc64_perm (48 bytes) at the start of every *id64_ds.</summary>
    public void WritePerm(Span<byte> b)
    {
        BitConverter.TryWriteBytes(b[0..], Key);
        BitConverter.TryWriteBytes(b[4..], Uid);
        BitConverter.TryWriteBytes(b[8..], Gid);
        BitConverter.TryWriteBytes(b[12..], Cuid);
        BitConverter.TryWriteBytes(b[16..], Cgid);
        BitConverter.TryWriteBytes(b[20..], Mode);
        BitConverter.TryWriteBytes(b[24..], (ushort)Seq);
    }

    /// <summary>The owner and mode of an IPC_SET buffer's ipc64_perm.</summary>
    public static (uint Uid, uint Gid, uint Mode) ReadPerm(ReadOnlySpan<byte> b) =>
        (BitConverter.ToUInt32(b[4..]), BitConverter.ToUInt32(b[8..]), BitConverter.ToUInt32(b[20..]));
}

/// <summary>
/// One kind's objects in a namespace (Linux's ipc_ids): ids are the index plus the sequence number times IPCMNI;
/// indexes are handed out cyclically and the sequence grows when they wrap, so a removed id is not soon reused.
/// </summary>
public sealed class IpcIds<T> where T : IpcObject
{
    private readonly SortedDictionary<int, T> _byIndex = [];
    private int _lastIndex = -1;
    private int _seq;

    public int InUse => _byIndex.Count;
    public IEnumerable<T> All => _byIndex.Values;
    /// <summary>The highest index in use, or -1 (what the *_INFO commands return).</summary>
    public int MaxIndex => _byIndex.Count == 0 ? -1 : _byIndex.Keys.Max();

    public T? FindKey(int key) => key == IpcFlags.Private ? null : _byIndex.Values.FirstOrDefault(o => o.Key == key);

    /// <summary>ipc_obtain_object_check: the object with this id, or null (EINVAL).</summary>
    public T? Find(int id)
    {
        if (id < 0) return null;
        return _byIndex.TryGetValue(id % IpcFlags.Mni, out var o) && o.Id == id ? o : null;
    }

    /// <summary>The object at an index (the *_STAT commands).</summary>
    public T? AtIndex(int index) => index >= 0 && _byIndex.TryGetValue(index, out var o) ? o : null;

    /// <summary>ipc_addid: gives the object its id; -ENOSPC when <paramref name="limit"/> objects exist.</summary>
    public long Add(T o, int limit)
    {
        if (_byIndex.Count >= Math.Min(limit, IpcFlags.Mni)) return -(long)Errno.ENOSPC;
        var index = -1;
        for (var i = 1; i <= IpcFlags.Mni; i++)
        {
            var candidate = (_lastIndex + i) % IpcFlags.Mni;
            if (_byIndex.ContainsKey(candidate)) continue;
            index = candidate;
            break;
        }
        if (index < 0) return -(long)Errno.ENOSPC;
        if (index <= _lastIndex && ++_seq >= int.MaxValue / IpcFlags.Mni) _seq = 0;
        _lastIndex = index;
        o.Seq = _seq;
        o.Id = _seq * IpcFlags.Mni + index;
        _byIndex[index] = o;
        return o.Id;
    }

    public void Remove(T o)
    {
        if (_byIndex.TryGetValue(o.Index, out var found) && ReferenceEquals(found, o)) _byIndex.Remove(o.Index);
        o.Removed = true;
    }
}
