namespace Kernel.Syscalls.Protocol;

/// <summary>Requests that change a file's mode, owner or times, or create a node; Path null means the fd itself.</summary>
public abstract record AttributeRequest(IKernelTask Task) : VfsRequest(Task);

public sealed record ChangeMode(IKernelTask Task, int DirFd, string? Path, int Mode, int AtFlags) : AttributeRequest(Task);
/// <summary>chown family; uint.MaxValue leaves an id unchanged.</summary>
public sealed record ChangeOwner(IKernelTask Task, int DirFd, string? Path, uint Uid, uint Gid, int AtFlags) : AttributeRequest(Task);
/// <summary>utimensat: null leaves a time unchanged (UTIME_OMIT); Explicit is false when both are "now".</summary>
public sealed record SetFileTimes(IKernelTask Task, int DirFd, string? Path, (long Sec, long Nsec)? Atime, (long Sec, long Nsec)? Mtime, bool Explicit, int AtFlags) : AttributeRequest(Task);
public sealed record MakeNodeAt(IKernelTask Task, int DirFd, string Path, int Mode, ulong Device) : AttributeRequest(Task);
