namespace Kernel.Syscalls.Protocol;

/// <summary>File handles (name_to_handle_at, open_by_handle_at) in the VFS actor.</summary>
public abstract record FileHandleRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>name_to_handle_at: writes the struct file_handle at <paramref name="Handle"/> and the mount id.</summary>
public sealed record NameToHandle(IKernelTask Task, int DirFd, string Path, ulong Handle, ulong MountId, int Flags) : FileHandleRequest(Task);

/// <summary>open_by_handle_at: the struct file_handle at <paramref name="Handle"/>, decoded on <paramref name="MountFd"/>'s filesystem.</summary>
public sealed record OpenByHandle(IKernelTask Task, int MountFd, ulong Handle, int Flags) : FileHandleRequest(Task);
