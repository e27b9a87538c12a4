namespace Kernel.Syscalls.Protocol;

/// <summary>Asynchronous I/O (Linux AIO and io_uring) in the VFS actor, where the files are.</summary>
public abstract record AsyncIoRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>Asynchronous I/O requests that change the caller's address space (the AIO ring mapping).</summary>
public abstract record AsyncIoMmRequest(IKernelTask Task) : MmRequest(Task);

/// <summary>io_setup after its argument checks: maps a completion ring and replies its address, the context id.</summary>
public sealed record SetUpAioContext(IKernelTask Task, uint NrEvents) : AsyncIoMmRequest(Task);

/// <summary>io_submit: <paramref name="Nr"/> iocb pointers at <paramref name="List"/>.</summary>
public sealed record SubmitAio(IKernelTask Task, ulong Context, long Nr, ulong List) : AsyncIoRequest(Task);

/// <summary>io_getevents/io_pgetevents; a null <paramref name="Timeout"/> waits as long as it takes.</summary>
public sealed record GetAioEvents(IKernelTask Task, ulong Context, long MinNr, long Nr, ulong Events, TimeSpan? Timeout) : AsyncIoRequest(Task);

public sealed record CancelAio(IKernelTask Task, ulong Context, ulong Iocb) : AsyncIoRequest(Task);

/// <summary>io_destroy: cancels and retires the context; replies the ring's mapping length for the caller to unmap.</summary>
public sealed record DestroyAioContext(IKernelTask Task, ulong Context) : AsyncIoRequest(Task);

/// <summary>io_uring_setup after its argument checks: <paramref name="Params"/> is the caller's struct io_uring_params.</summary>
public sealed record SetUpIoUring(IKernelTask Task, uint Entries, byte[] Params, ulong ParamsAddress) : AsyncIoRequest(Task);

public sealed record EnterIoUring(IKernelTask Task, int Fd, uint ToSubmit, uint MinComplete, uint Flags, ulong Arg, ulong ArgSize) : AsyncIoRequest(Task);

public sealed record RegisterIoUring(IKernelTask Task, int Fd, uint Opcode, ulong Arg, uint NrArgs) : AsyncIoRequest(Task);
