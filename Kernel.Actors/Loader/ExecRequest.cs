namespace Kernel.Actors.Loader;

/// <summary>
/// What execve asks for: the path as the caller passed it, its argv and envp, the credentials and
/// CPU capabilities to publish in the auxiliary vector, and 16 random bytes for AT_RANDOM.
/// </summary>
public sealed record ExecRequest(
    string Path,
    IReadOnlyList<string> Argv,
    IReadOnlyList<string> Envp,
    uint Uid,
    uint Euid,
    uint Gid,
    uint Egid,
    bool Secure,
    ulong Hwcap,
    ulong Hwcap2,
    byte[] Random16)
{
    /// <summary>Address of a vDSO image to publish as AT_SYSINFO_EHDR; 0 means none (the entry is omitted).</summary>
    public ulong SysinfoEhdr { get; init; }
}
