using System.Text;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>keyctl for keyrings: the special keyrings of a task, session keyrings, and what a keyring holds (no keys yet).</summary>
public static class Keyctl
{
    private const int GetKeyringId = 0, JoinSessionKeyring = 1, Describe = 6, Clear = 7, Search = 10, Read = 11;
    private const int SpecThread = -1, SpecProcess = -2, SpecSession = -3, SpecUser = -4, SpecUserSession = -5, SpecGroup = -6;
    private const int NameMax = 4096;

    [Syscall(219, "keyctl", Support.Partial, "Keyrings without keys: KEYCTL_GET_KEYRING_ID for the thread, process, session, user and user-session " +
        "keyrings (made on demand as Linux makes them), JOIN_SESSION_KEYRING (anonymous or named), DESCRIBE, READ and CLEAR; SEARCH finds " +
        "nothing (ENOKEY); the operations on keys themselves (UPDATE, REVOKE, LINK, SETPERM...) give EOPNOTSUPP.")]
    public static SyscallResult Call(ISyscallContext c)
    {
        switch (c.Int(0))
        {
            case GetKeyringId:
            {
                long serial = Lookup(c, c.Int(1), c.Arg(2) != 0, out _);
                return serial;
            }
            case JoinSessionKeyring:
                return Join(c, c.Arg(1));
            case Describe:
            {
                long serial = Lookup(c, c.Int(1), false, out var ring);
                if (serial < 0) return serial;
                // An unset owner group (the user keyrings') shows as the overflow gid, as from_kgid_munged gives it.
                var gid = ring!.Gid == uint.MaxValue ? 65534 : ring.Gid;
                var text = Encoding.UTF8.GetBytes($"keyring;{ring.Uid};{gid};{ring.Perm:x8};{ring.Description}\0");
                ulong buf = c.Arg(2), size = c.Arg(3);
                if (buf != 0 && size >= (ulong)text.Length) return c.CopyOut(buf, text, text.Length);
                return text.Length;
            }
            case Read:
            {
                long serial = Lookup(c, c.Int(1), false, out _);
                return serial < 0 ? serial : 0; // the serials of the keys it holds: none
            }
            case Clear:
            {
                long serial = Lookup(c, c.Int(1), false, out var ring);
                if (serial < 0) return serial;
                return ring!.Uid == c.Task.Ids.Fsuid || c.Task.Ids.Euid == 0 ? 0 : Errno.EACCES;
            }
            case Search:
            {
                long serial = Lookup(c, c.Int(1), false, out _);
                return serial < 0 ? serial : Errno.ENOKEY;
            }
            default:
                return Errno.EOPNOTSUPP;
        }
    }

    /// <summary>lookup_user_key: a keyring by serial or special id; <paramref name="create"/> makes a missing thread, process or session keyring.</summary>
    private static long Lookup(ISyscallContext c, int id, bool create, out Keyrings.Keyring? ring)
    {
        ring = null;
        var rings = c.Task.Keyrings;
        var ids = c.Task.Ids;
        var task = c.Task.Settings;
        var process = c.Task.ProcessSettings;
        switch (id)
        {
            case SpecThread:
                if (task.ThreadKeyring == 0)
                {
                    if (!create) return -(long)Errno.ENOKEY;
                    task.ThreadKeyring = rings.Create(ids.Uid, ids.Gid, Keyrings.SessionPerm, "_tid").Serial;
                }
                ring = rings.Find(task.ThreadKeyring);
                break;
            case SpecProcess:
                if (process.ProcessKeyring == 0)
                {
                    if (!create) return -(long)Errno.ENOKEY;
                    process.ProcessKeyring = rings.Create(ids.Uid, ids.Gid, Keyrings.SessionPerm, "_pid").Serial;
                }
                ring = rings.Find(process.ProcessKeyring);
                break;
            case SpecSession:
                // Without one, a new anonymous session keyring (create) or the user-session keyring becomes the session's.
                if (process.SessionKeyring == 0)
                    process.SessionKeyring = create ? rings.Create(ids.Uid, ids.Gid, Keyrings.SessionPerm, "_ses").Serial : rings.ForUid(ids.Uid).UserSession.Serial;
                ring = rings.Find(process.SessionKeyring);
                break;
            case SpecUser:
                ring = rings.ForUid(ids.Uid).User;
                break;
            case SpecUserSession:
                ring = rings.ForUid(ids.Uid).UserSession;
                break;
            case SpecGroup:
                return -(long)Errno.EINVAL;
            case > 0:
                ring = rings.Find(id);
                if (ring is null) return -(long)Errno.ENOKEY;
                // Another user's keyring can be looked at only with the permissions it grants others (none here).
                if (ring.Uid != ids.Fsuid && ids.Euid != 0) return -(long)Errno.EACCES;
                break;
            default:
                return id < -8 ? -(long)Errno.EINVAL : -(long)Errno.ENOKEY;
        }
        return ring?.Serial ?? -(long)Errno.ENOKEY;
    }

    /// <summary>KEYCTL_JOIN_SESSION_KEYRING: a new anonymous session keyring, or the named one (made if missing).</summary>
    private static SyscallResult Join(ISyscallContext c, ulong nameAddress)
    {
        var rings = c.Task.Keyrings;
        var ids = c.Task.Ids;
        Keyrings.Keyring ring;
        if (nameAddress == 0) ring = rings.Create(ids.Uid, ids.Gid, Keyrings.SessionPerm, "_ses");
        else
        {
            var e = c.Memory.ReadCString(nameAddress, NameMax, out var name);
            if (e == Errno.ENAMETOOLONG) return Errno.EINVAL;
            if (e != Errno.None) return e;
            ring = rings.FindNamed(name, ids.Uid) ?? rings.Create(ids.Uid, ids.Gid, Keyrings.SessionPerm, name);
        }
        c.Task.ProcessSettings.SessionKeyring = ring.Serial;
        return ring.Serial;
    }
}
