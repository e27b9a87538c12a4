namespace Kernel.Syscalls.Protocol;

/// <summary>Requests of the root filesystem family: extended attributes, mounts, chroot, openat2, fchmodat2.</summary>
public abstract record RootFsRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>Names a file for the xattr calls: an fd (<c>Path</c> null), or a path followed or not at its end.</summary>
public sealed record XattrTarget(int Fd, string? Path, bool Follow);

/// <summary>getxattr family: replies <see cref="Bytes"/> with the whole value (the handler checks the caller's size).</summary>
public sealed record GetXattr(IKernelTask Task, XattrTarget Target, string Name) : RootFsRequest(Task);
/// <summary>listxattr family: replies <see cref="Bytes"/> with the names, each NUL-terminated.</summary>
public sealed record ListXattr(IKernelTask Task, XattrTarget Target) : RootFsRequest(Task);
public sealed record SetXattr(IKernelTask Task, XattrTarget Target, string Name, byte[] Value, int Flags) : RootFsRequest(Task);
public sealed record RemoveXattr(IKernelTask Task, XattrTarget Target, string Name) : RootFsRequest(Task);

/// <summary>mount(2); Source, Type and Data are null where the caller passed NULL.</summary>
public sealed record MountFilesystem(IKernelTask Task, string? Source, string Target, string? Type, ulong Flags, string? Data) : RootFsRequest(Task);
public sealed record UnmountFilesystem(IKernelTask Task, string Target, int Flags) : RootFsRequest(Task);
public sealed record PivotRoot(IKernelTask Task, string NewRoot, string PutOld) : RootFsRequest(Task);
public sealed record ChangeRoot(IKernelTask Task, string Path) : RootFsRequest(Task);
/// <summary>openat2(2) with a validated struct open_how.</summary>
public sealed record OpenHow(IKernelTask Task, int DirFd, string Path, int Flags, int Mode, ulong Resolve) : RootFsRequest(Task);
/// <summary>fchmodat2(2): AT_SYMLINK_NOFOLLOW and AT_EMPTY_PATH (fchmod and fchmodat are the attribute family's).</summary>
public sealed record ChmodAt(IKernelTask Task, int DirFd, string Path, int Mode, int Flags) : RootFsRequest(Task);
