namespace Kernel.Actors.Vfs;

/// <summary>
/// The ids a task acts with: real, effective and saved user and group ids, the filesystem ids (which follow the
/// effective ones unless setfsuid/setfsgid chose others) and the supplementary groups. File access uses the
/// filesystem ids, as Linux does.
/// </summary>
public sealed record Credentials(uint Uid, uint Gid, uint Euid, uint Egid, IReadOnlyList<uint> Groups)
{
    private readonly uint? _suid, _sgid, _fsuid, _fsgid;

    public static Credentials Root { get; } = new(0, 0, 0, 0, Array.Empty<uint>());

    public uint Suid { get => _suid ?? Euid; init => _suid = value; }
    public uint Sgid { get => _sgid ?? Egid; init => _sgid = value; }
    public uint Fsuid { get => _fsuid ?? Euid; init => _fsuid = value; }
    public uint Fsgid { get => _fsgid ?? Egid; init => _fsgid = value; }

    /// <summary>Root bypasses read/write checks as CAP_DAC_OVERRIDE does.</summary>
    public bool IsRoot => Fsuid == 0;

    public bool InGroup(uint gid) => Fsgid == gid || Groups.Contains(gid);

    /// <summary>
    /// ptrace_may_access's id check: effective root (CAP_SYS_PTRACE) may inspect anyone; otherwise the caller's
    /// filesystem ids (PTRACE_MODE_FSCREDS) or real ids (PTRACE_MODE_REALCREDS) must be the target's real,
    /// effective and saved ids.
    /// </summary>
    public bool MayInspect(Credentials target, bool realCreds)
    {
        if (Euid == 0) return true;
        uint uid = realCreds ? Uid : Fsuid, gid = realCreds ? Gid : Fsgid;
        return uid == target.Uid && uid == target.Euid && uid == target.Suid
            && gid == target.Gid && gid == target.Egid && gid == target.Sgid;
    }

    /// <summary>The same ids with the real ones taking the place of the effective ones (access(2) without AT_EACCESS).</summary>
    public Credentials WithRealAsEffective() => this with { Euid = Uid, Egid = Gid, Fsuid = Uid, Fsgid = Gid };
}

/// <summary>A task's filesystem context: root, cwd and umask (shared between tasks created with CLONE_FS).</summary>
public sealed class FsContext
{
    public FsContext(Location root, Location cwd, Credentials creds)
    {
        Root = root;
        Cwd = cwd;
        Creds = creds;
    }

    public Location Root;
    public Location Cwd;
    public int Umask = 0x12 /* 0022 */;
    public Credentials Creds;
    /// <summary>openat2's resolve restrictions, on a copy of the context made for one lookup (never on a task's own).</summary>
    public ResolveFlags Restrict;

    /// <summary>A copy for a task created without CLONE_FS.</summary>
    public FsContext Clone() => new(Root, Cwd, Creds) { Umask = Umask };
}

/// <summary>openat2(2) RESOLVE_* flags (the values of struct open_how.resolve).</summary>
[Flags]
public enum ResolveFlags : ulong
{
    None = 0,
    NoXdev = 0x01,
    NoMagicLinks = 0x02,
    NoSymlinks = 0x04,
    Beneath = 0x08,
    InRoot = 0x10,
    Cached = 0x20,
}
