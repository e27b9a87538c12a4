namespace Kernel.Syscalls.Protocol;

/// <summary>A request for the VFS actor: files, paths and descriptors.</summary>
public abstract record VfsRequest(IKernelTask Task) : KernelRequest
{
    public override Subsystem Subsystem => Subsystem.Vfs;
}

public sealed record OpenFileAt(IKernelTask Task, int DirFd, string Path, int Flags, int Mode) : VfsRequest(Task);
public sealed record CloseFile(IKernelTask Task, int Fd) : VfsRequest(Task);
/// <summary>fstatat/fstat (Path null): replies <see cref="Bytes"/> holding an arm64 struct stat.</summary>
public sealed record StatFile(IKernelTask Task, int DirFd, string? Path, int AtFlags) : VfsRequest(Task);
/// <summary>statx: replies <see cref="Bytes"/> holding a struct statx.</summary>
public sealed record StatxFile(IKernelTask Task, int DirFd, string Path, int AtFlags, uint Mask) : VfsRequest(Task);
public sealed record StatFileSystem(IKernelTask Task, int Fd, string? Path) : VfsRequest(Task);
public sealed record ReadDirectory(IKernelTask Task, int Fd, ulong Buffer, int Count) : VfsRequest(Task);
public sealed record ReadLinkAt(IKernelTask Task, int DirFd, string Path) : VfsRequest(Task);
public sealed record AccessAt(IKernelTask Task, int DirFd, string Path, int Mode, int Flags) : VfsRequest(Task);
public sealed record GetWorkingDirectory(IKernelTask Task) : VfsRequest(Task);
public sealed record ChangeDirectory(IKernelTask Task, int Fd, string? Path) : VfsRequest(Task);
public sealed record MakeDirectoryAt(IKernelTask Task, int DirFd, string Path, int Mode) : VfsRequest(Task);
public sealed record UnlinkAt(IKernelTask Task, int DirFd, string Path, int Flags) : VfsRequest(Task);
public sealed record RenameAt(IKernelTask Task, int OldDirFd, string OldPath, int NewDirFd, string NewPath, uint Flags) : VfsRequest(Task);
public sealed record SymlinkAt(IKernelTask Task, string Target, int DirFd, string Path) : VfsRequest(Task);
public sealed record LinkAt(IKernelTask Task, int OldDirFd, string OldPath, int NewDirFd, string NewPath, int Flags) : VfsRequest(Task);
public sealed record SeekFile(IKernelTask Task, int Fd, long Offset, int Whence) : VfsRequest(Task);
public sealed record IoctlFile(IKernelTask Task, int Fd, uint Request, ulong Argument) : VfsRequest(Task);
public sealed record FcntlFile(IKernelTask Task, int Fd, int Command, ulong Argument) : VfsRequest(Task);
/// <summary>dup (NewFd -1), dup3.</summary>
public sealed record DuplicateFd(IKernelTask Task, int OldFd, int NewFd, int Flags) : VfsRequest(Task);
public sealed record CreatePipe(IKernelTask Task, ulong FdsAddress, int Flags) : VfsRequest(Task);
public sealed record TruncateFile(IKernelTask Task, int Fd, string? Path, long Length) : VfsRequest(Task);
/// <summary>A read that could not complete on the task's thread: parked until data or EOF.</summary>
public sealed record ReadFile(IKernelTask Task, int Fd, ulong Buffer, int Count, long Offset) : VfsRequest(Task);
/// <summary>A write that could not complete on the task's thread: parked until there is room.</summary>
public sealed record WriteFile(IKernelTask Task, int Fd, ulong Buffer, int Count, long Offset) : VfsRequest(Task);

/// <summary>A reply carrying bytes for the handler to copy out.</summary>
public sealed record Bytes(byte[] Data) : KernelReply;

/// <summary>A reply carrying text (a path) for the handler to copy out.</summary>
public sealed record Text(string Value) : KernelReply;
