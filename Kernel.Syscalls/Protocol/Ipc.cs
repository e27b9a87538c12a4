namespace Kernel.Syscalls.Protocol;

/// <summary>
/// System V IPC, served by the Ipc actor. Requests carry guest addresses: the actor copies in and out of the
/// parked caller's memory itself, because Linux checks the namespace's limits (msgmax, semopm) before it copies.
/// </summary>
public abstract record IpcRequest(IKernelTask Task) : KernelRequest
{
    public override Subsystem Subsystem => Subsystem.Ipc;
}

/// <summary>msgget.</summary>
public sealed record MsgGet(IKernelTask Task, int Key, int Flags) : IpcRequest(Task);

/// <summary>msgsnd: Buffer is the guest's struct msgbuf (long mtype, then Size bytes of text).</summary>
public sealed record MsgSend(IKernelTask Task, int Id, ulong Buffer, ulong Size, int Flags) : IpcRequest(Task);

/// <summary>msgrcv: the reply is a <see cref="MsgReceived"/>, which the handler copies out on the caller's thread.</summary>
public sealed record MsgReceive(IKernelTask Task, int Id, ulong Size, long Type, int Flags) : IpcRequest(Task);

/// <summary>A received message: its type and text (already cut to the caller's size under MSG_NOERROR).</summary>
public sealed record MsgReceived(long Type, byte[] Text) : KernelReply;

/// <summary>msgctl: Buffer is the struct msqid64_ds or msginfo, read or written by the actor.</summary>
public sealed record MsgControl(IKernelTask Task, int Id, int Command, ulong Buffer) : IpcRequest(Task);

/// <summary>semget.</summary>
public sealed record SemGet(IKernelTask Task, int Key, int Count, int Flags) : IpcRequest(Task);

/// <summary>semop/semtimedop: Count struct sembuf at Ops; Timeout null waits for ever.</summary>
public sealed record SemOp(IKernelTask Task, int Id, ulong Ops, ulong Count, TimeSpan? Timeout) : IpcRequest(Task);

/// <summary>semctl: Arg is the fourth argument (union semun, passed by value: an int or a pointer).</summary>
public sealed record SemControl(IKernelTask Task, int Id, int Number, int Command, ulong Arg) : IpcRequest(Task);

/// <summary>shmget.</summary>
public sealed record ShmGet(IKernelTask Task, int Key, ulong Size, int Flags) : IpcRequest(Task);

/// <summary>shmctl: Buffer is the struct shmid64_ds, shminfo64 or shm_info.</summary>
public sealed record ShmControl(IKernelTask Task, int Id, int Command, ulong Buffer) : IpcRequest(Task);

/// <summary>
/// shmat: a memory-map request (the MM actor maps the segment's pages, shared with every other attach), which looks
/// the segment up in the caller's IPC namespace.
/// </summary>
public sealed record ShmAttach(IKernelTask Task, int Id, ulong Address, int Flags) : MmRequest(Task);

/// <summary>shmdt: unmaps the segment attached at Address.</summary>
public sealed record ShmDetach(IKernelTask Task, ulong Address) : MmRequest(Task);
