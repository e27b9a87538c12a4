namespace Kernel.Syscalls.Protocol;

/// <summary>
/// The descriptor and data-movement calls (fdio): flock, close_range, preadv2/pwritev2 with flags, fallocate, the
/// sync family, sendfile/splice/tee/vmsplice/copy_file_range and memfd_create. fcntl's record locks, owners and
/// seals arrive as <see cref="FcntlFile"/>.
/// </summary>
public abstract record FdIoRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>flock(2): LOCK_SH/LOCK_EX/LOCK_UN, LOCK_NB; parked while a blocking request conflicts.</summary>
public sealed record FlockFile(IKernelTask Task, int Fd, int Operation) : FdIoRequest(Task);

/// <summary>close_range(2): CLOSE_RANGE_CLOEXEC marks instead of closing.</summary>
public sealed record CloseRange(IKernelTask Task, uint First, uint Last, uint Flags) : FdIoRequest(Task);

/// <summary>preadv2/pwritev2 whose RWF_* flags the task's fast path does not handle (Offset -1: the file position).</summary>
public sealed record VectoredIo(IKernelTask Task, int Fd, ulong Iov, long Count, long Offset, int Flags, bool Write) : FdIoRequest(Task);

/// <summary>fallocate(2).</summary>
public sealed record AllocateFile(IKernelTask Task, int Fd, int Mode, long Offset, long Length) : FdIoRequest(Task);

public enum SyncKind
{
    Fsync,
    Fdatasync,
    Syncfs,
    SyncFileRange,
    Readahead,
    Fadvise,
}

/// <summary>fsync, fdatasync, syncfs, sync_file_range, readahead and fadvise64: nothing is cached, so only the checks remain.</summary>
public sealed record SyncFile(IKernelTask Task, int Fd, SyncKind Kind, long Offset, long Length, int Flags) : FdIoRequest(Task);

/// <summary>sendfile(2); OffsetAddress 0: the input's file position.</summary>
public sealed record SendFile(IKernelTask Task, int OutFd, int InFd, ulong OffsetAddress, ulong Count) : FdIoRequest(Task);

/// <summary>splice(2); an offset address 0 means the file position.</summary>
public sealed record SpliceData(IKernelTask Task, int InFd, ulong InOffset, int OutFd, ulong OutOffset, ulong Length, uint Flags) : FdIoRequest(Task);

/// <summary>tee(2).</summary>
public sealed record TeePipe(IKernelTask Task, int InFd, int OutFd, ulong Length, uint Flags) : FdIoRequest(Task);

/// <summary>vmsplice(2): into the pipe from guest memory, or out of it for a read end.</summary>
public sealed record VmSplice(IKernelTask Task, int Fd, ulong Iov, ulong Count, uint Flags) : FdIoRequest(Task);

/// <summary>copy_file_range(2).</summary>
public sealed record CopyFileRange(IKernelTask Task, int InFd, ulong InOffset, int OutFd, ulong OutOffset, ulong Length, uint Flags) : FdIoRequest(Task);

/// <summary>memfd_create(2); the name has been copied in and checked.</summary>
public sealed record CreateMemfd(IKernelTask Task, string Name, uint Flags) : FdIoRequest(Task);
