namespace Kernel.Actors;

/// <summary>Settings of one sandbox (from config/kernel.conf and the command line).</summary>
public sealed record SandboxOptions
{
    public required string RootFs { get; init; }
    /// <summary>
    /// Changes go to the root filesystem's host directory (through fds opened beneath it) instead of an in-memory
    /// overlay upper layer; false (the default) leaves the host directory untouched.
    /// </summary>
    public bool RootFsWritable { get; init; }
    public IReadOnlyList<(string HostDir, string GuestPath)> Mounts { get; init; } = [];
    public bool Strace { get; init; }
    public string HostName { get; init; } = "sandbox";
    /// <summary>Size of each process's guest address window (host address space reserved, not memory).</summary>
    public ulong AddressWindow { get; init; } = 64UL << 30;
    /// <summary>The memory size the sandbox reports (sysinfo, /proc/meminfo).</summary>
    public ulong MemoryBytes { get; init; } = 4UL << 30;
    public uint Uid { get; init; }
    public uint Gid { get; init; }
}
