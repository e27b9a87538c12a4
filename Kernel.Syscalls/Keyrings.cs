namespace Kernel.Syscalls;

/// <summary>
/// The sandbox's keyrings (Linux's key retention service, keyrings only): each uid's user and user-session keyrings,
/// and the session, process and thread keyrings tasks make. Keyrings hold no keys yet. Thread-safe.
/// </summary>
public sealed class Keyrings
{
    /// <summary>A keyring: its serial, owner, permissions (KEY_POS_* .. KEY_OTH_*) and description.</summary>
    public sealed record Keyring(int Serial, uint Uid, uint Gid, uint Perm, string Description);

    /// <summary>KEY_POS_ALL | KEY_USR_VIEW | KEY_USR_READ | KEY_USR_LINK: what keyrings a task makes allow.</summary>
    public const uint SessionPerm = 0x3f130000;
    /// <summary>KEY_POS_ALL | KEY_USR_ALL: the user keyrings.</summary>
    public const uint UserPerm = 0x3f3f0000;

    private readonly Lock _lock = new();
    private readonly Dictionary<int, Keyring> _all = new();
    private readonly Dictionary<uint, (Keyring User, Keyring UserSession)> _perUid = new();
    private int _next = 0x2a000000;

    public Keyring Create(uint uid, uint gid, uint perm, string description)
    {
        lock (_lock)
        {
            // Serials are positive and look random in Linux; a stride keeps them distinct and far apart.
            _next += 0x10f4a3;
            var ring = new Keyring(_next & 0x7fffffff, uid, gid, perm, description);
            _all[ring.Serial] = ring;
            return ring;
        }
    }

    public Keyring? Find(int serial)
    {
        lock (_lock) return _all.GetValueOrDefault(serial);
    }

    /// <summary>A session keyring of that name the caller may join (join_session_keyring with a name).</summary>
    public Keyring? FindNamed(string description, uint uid)
    {
        lock (_lock) return _all.Values.FirstOrDefault(k => k.Description == description && (k.Uid == uid || uid == 0));
    }

    /// <summary>The uid's user keyring ("_uid.N") and user-session keyring ("_uid_ses.N"), made on first use.</summary>
    public (Keyring User, Keyring UserSession) ForUid(uint uid)
    {
        lock (_lock)
        {
            if (_perUid.TryGetValue(uid, out var rings)) return rings;
        }
        var user = Create(uid, uint.MaxValue, UserPerm, $"_uid.{uid}");
        var session = Create(uid, uint.MaxValue, UserPerm, $"_uid_ses.{uid}");
        lock (_lock)
        {
            if (_perUid.TryGetValue(uid, out var raced)) return raced;
            return _perUid[uid] = (user, session);
        }
    }
}
