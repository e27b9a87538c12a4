namespace Kernel.Syscalls.Protocol;

/// <summary>POSIX message queues (mq_open and friends): the queues live in the VFS, in the mqueue filesystem of the caller's IPC namespace.</summary>
public abstract record MqueueRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>mq_open: <paramref name="Attr"/> is mq_attr's (mq_maxmsg, mq_msgsize) when given.</summary>
public sealed record OpenMqueue(IKernelTask Task, string Name, int Flags, uint Mode, (long MaxMsg, long MsgSize)? Attr) : MqueueRequest(Task);

public sealed record UnlinkMqueue(IKernelTask Task, string Name) : MqueueRequest(Task);

/// <summary>mq_timedsend: the message is read from the guest once the descriptor and size are checked; parked while the queue is full.</summary>
public sealed record SendMqueue(IKernelTask Task, int Fd, ulong Message, ulong Length, uint Priority, TimeSpan? Timeout) : MqueueRequest(Task);

/// <summary>mq_timedreceive: the message and its priority are written to the guest; parked while the queue is empty.</summary>
public sealed record ReceiveMqueue(IKernelTask Task, int Fd, ulong Buffer, ulong Length, ulong PriorityAddress, TimeSpan? Timeout) : MqueueRequest(Task);

/// <summary>mq_notify: null <paramref name="Notify"/> removes the caller's registration.</summary>
public sealed record NotifyMqueue(IKernelTask Task, int Fd, (int Notify, int Signo, ulong Value)? Notify) : MqueueRequest(Task);

/// <summary>mq_getsetattr: replies with the old struct mq_attr (64 bytes); <paramref name="NewFlags"/> sets O_NONBLOCK.</summary>
public sealed record MqueueAttributes(IKernelTask Task, int Fd, long? NewFlags) : MqueueRequest(Task);
