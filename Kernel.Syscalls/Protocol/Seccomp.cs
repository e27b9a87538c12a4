using Kernel.Syscalls.Seccomp;

namespace Kernel.Syscalls.Protocol;

/// <summary>seccomp user notification: the VFS actor keeps the notifications and the supervisors' waits.</summary>
public abstract record SeccompRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>
/// SECCOMP_RET_USER_NOTIF: the task's syscall waits for the supervisor. The reply is <see cref="Done"/> with the raw
/// value for x0, <see cref="SeccompContinue"/> to run the call after all, or <see cref="Failed"/> (ERESTARTSYS).
/// </summary>
public sealed record AwaitSeccompReply(IKernelTask Task, SeccompListener Listener, byte[] Data) : SeccompRequest(Task);

/// <summary>The supervisor answered SECCOMP_USER_NOTIF_FLAG_CONTINUE: the syscall runs.</summary>
public sealed record SeccompContinue : KernelReply;

/// <summary>An ioctl on a listener descriptor (RECV may wait for a notification).</summary>
public sealed record SeccompListenerIoctl(IKernelTask Task, SeccompListener Listener, uint Request, ulong Argument) : SeccompRequest(Task);
