using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Changing user and group ids (kernel/sys.c's rules), supplementary groups, process groups and sessions.
/// The privileged paths need the calling thread's CAP_SETUID (user ids) or CAP_SETGID (group ids and groups).
/// </summary>
public static partial class Process
{
    private const uint Unchanged = uint.MaxValue; // -1: leave this id as it is
    private const int NgroupsMax = 65536;

    private static bool PrivilegedUid(ISyscallContext c) => c.Task.Settings.Has(Capabilities.Setuid);
    private static bool PrivilegedGid(ISyscallContext c) => c.Task.Settings.Has(Capabilities.Setgid);

    [Syscall(146, "setuid", Support.Full, "Fully supported.")]
    public static SyscallResult SetUid(ISyscallContext c)
    {
        var uid = c.UInt(0);
        if (uid == Unchanged) return Errno.EINVAL;
        var ids = c.Task.Ids;
        if (PrivilegedUid(c)) ids = ids with { Uid = uid, Euid = uid, Suid = uid, Fsuid = uid };
        else if (uid == ids.Uid || uid == ids.Suid) ids = ids with { Euid = uid, Fsuid = uid };
        else return Errno.EPERM;
        c.Task.Ids = ids;
        return 0;
    }

    [Syscall(144, "setgid", Support.Full, "Fully supported.")]
    public static SyscallResult SetGid(ISyscallContext c)
    {
        var gid = c.UInt(0);
        if (gid == Unchanged) return Errno.EINVAL;
        var ids = c.Task.Ids;
        if (PrivilegedGid(c)) ids = ids with { Gid = gid, Egid = gid, Sgid = gid, Fsgid = gid };
        else if (gid == ids.Gid || gid == ids.Sgid) ids = ids with { Egid = gid, Fsgid = gid };
        else return Errno.EPERM;
        c.Task.Ids = ids;
        return 0;
    }

    [Syscall(145, "setreuid", Support.Full, "Fully supported.")]
    public static SyscallResult SetReUid(ISyscallContext c)
    {
        uint r = c.UInt(0), e = c.UInt(1);
        var ids = c.Task.Ids;
        var privileged = PrivilegedUid(c);
        if (r != Unchanged && !privileged && r != ids.Uid && r != ids.Euid) return Errno.EPERM;
        if (e != Unchanged && !privileged && e != ids.Uid && e != ids.Euid && e != ids.Suid) return Errno.EPERM;
        var newR = r == Unchanged ? ids.Uid : r;
        var newE = e == Unchanged ? ids.Euid : e;
        // The saved id follows the new effective id when the real id is set or the effective one moves off it.
        var newS = r != Unchanged || (e != Unchanged && e != ids.Uid) ? newE : ids.Suid;
        c.Task.Ids = ids with { Uid = newR, Euid = newE, Suid = newS, Fsuid = newE };
        return 0;
    }

    [Syscall(143, "setregid", Support.Full, "Fully supported.")]
    public static SyscallResult SetReGid(ISyscallContext c)
    {
        uint r = c.UInt(0), e = c.UInt(1);
        var ids = c.Task.Ids;
        var privileged = PrivilegedGid(c);
        if (r != Unchanged && !privileged && r != ids.Gid && r != ids.Egid) return Errno.EPERM;
        if (e != Unchanged && !privileged && e != ids.Gid && e != ids.Egid && e != ids.Sgid) return Errno.EPERM;
        var newR = r == Unchanged ? ids.Gid : r;
        var newE = e == Unchanged ? ids.Egid : e;
        var newS = r != Unchanged || (e != Unchanged && e != ids.Gid) ? newE : ids.Sgid;
        c.Task.Ids = ids with { Gid = newR, Egid = newE, Sgid = newS, Fsgid = newE };
        return 0;
    }

    [Syscall(147, "setresuid", Support.Full, "Fully supported.")]
    public static SyscallResult SetResUid(ISyscallContext c)
    {
        uint r = c.UInt(0), e = c.UInt(1), s = c.UInt(2);
        var ids = c.Task.Ids;
        if (!PrivilegedUid(c))
        {
            bool Allowed(uint v) => v == Unchanged || v == ids.Uid || v == ids.Euid || v == ids.Suid;
            if (!Allowed(r) || !Allowed(e) || !Allowed(s)) return Errno.EPERM;
        }
        var newE = e == Unchanged ? ids.Euid : e;
        c.Task.Ids = ids with { Uid = r == Unchanged ? ids.Uid : r, Euid = newE, Suid = s == Unchanged ? ids.Suid : s, Fsuid = newE };
        return 0;
    }

    [Syscall(149, "setresgid", Support.Full, "Fully supported.")]
    public static SyscallResult SetResGid(ISyscallContext c)
    {
        uint r = c.UInt(0), e = c.UInt(1), s = c.UInt(2);
        var ids = c.Task.Ids;
        if (!PrivilegedGid(c))
        {
            bool Allowed(uint v) => v == Unchanged || v == ids.Gid || v == ids.Egid || v == ids.Sgid;
            if (!Allowed(r) || !Allowed(e) || !Allowed(s)) return Errno.EPERM;
        }
        var newE = e == Unchanged ? ids.Egid : e;
        c.Task.Ids = ids with { Gid = r == Unchanged ? ids.Gid : r, Egid = newE, Sgid = s == Unchanged ? ids.Sgid : s, Fsgid = newE };
        return 0;
    }

    [Syscall(151, "setfsuid", Support.Full, "Fully supported: file access uses the filesystem uid.")]
    public static SyscallResult SetFsUid(ISyscallContext c)
    {
        var ids = c.Task.Ids;
        var fs = c.UInt(0);
        // Always returns the old value; a refused or invalid id changes nothing.
        if (fs != Unchanged && (PrivilegedUid(c) || fs == ids.Uid || fs == ids.Euid || fs == ids.Suid || fs == ids.Fsuid))
            c.Task.Ids = ids with { Fsuid = fs };
        return ids.Fsuid;
    }

    [Syscall(152, "setfsgid", Support.Full, "Fully supported: file access uses the filesystem gid.")]
    public static SyscallResult SetFsGid(ISyscallContext c)
    {
        var ids = c.Task.Ids;
        var fs = c.UInt(0);
        if (fs != Unchanged && (PrivilegedGid(c) || fs == ids.Gid || fs == ids.Egid || fs == ids.Sgid || fs == ids.Fsgid))
            c.Task.Ids = ids with { Fsgid = fs };
        return ids.Fsgid;
    }

    [Syscall(158, "getgroups", Support.Full, "Fully supported.")]
    public static SyscallResult GetGroups(ISyscallContext c)
    {
        var size = c.Int(0);
        var groups = c.Task.Groups;
        if (size < 0) return Errno.EINVAL;
        if (size == 0) return groups.Count;
        if (size < groups.Count) return Errno.EINVAL;
        var raw = new byte[4 * groups.Count];
        for (var i = 0; i < groups.Count; i++) BitConverter.TryWriteBytes(raw.AsSpan(4 * i), groups[i]);
        return c.CopyOut(c.Arg(1), raw, groups.Count);
    }

    [Syscall(159, "setgroups", Support.Full, "Fully supported.")]
    public static SyscallResult SetGroups(ISyscallContext c)
    {
        var size = c.Int(0);
        if (size < 0 || size > NgroupsMax) return Errno.EINVAL;
        if (!PrivilegedGid(c)) return Errno.EPERM;
        var raw = new byte[4 * size];
        if (size > 0 && c.Memory.Read(c.Arg(1), raw) != Errno.None) return Errno.EFAULT;
        var groups = new uint[size];
        for (var i = 0; i < size; i++) groups[i] = BitConverter.ToUInt32(raw, 4 * i);
        Array.Sort(groups);
        c.Task.Groups = groups;
        return 0;
    }

    [Syscall(154, "setpgid", Support.Full, "Fully supported.")]
    public static SyscallResult SetPgid(ISyscallContext c) => Value(c.Task.SetProcessGroup(c.Int(0), c.Int(1)));

    [Syscall(157, "setsid", Support.Full, "Fully supported; the new session has no controlling terminal.")]
    public static SyscallResult SetSid(ISyscallContext c) => Value(c.Task.NewSession());

    [Syscall(155, "getpgid", Support.Full, "Fully supported.")]
    public static SyscallResult GetPgid(ISyscallContext c) => Value(c.Task.GetProcessGroup(c.Int(0)));

    [Syscall(156, "getsid", Support.Full, "Fully supported.")]
    public static SyscallResult GetSid(ISyscallContext c) => Value(c.Task.GetSession(c.Int(0)));

    [Syscall(148, "getresuid", Support.Full, "Fully supported.")]
    public static SyscallResult GetResUid(ISyscallContext c) => WriteTriple(c, c.Task.Ids.Uid, c.Task.Ids.Euid, c.Task.Ids.Suid);

    [Syscall(150, "getresgid", Support.Full, "Fully supported.")]
    public static SyscallResult GetResGid(ISyscallContext c) => WriteTriple(c, c.Task.Ids.Gid, c.Task.Ids.Egid, c.Task.Ids.Sgid);

    private static SyscallResult Value(long r) => r < 0 ? (Errno)(-r) : r;
}
