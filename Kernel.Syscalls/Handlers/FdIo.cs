using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Descriptor calls beside read/write: flock, close_range, preadv2/pwritev2, fallocate and the sync family.
/// Nothing is cached between guest and storage, so the sync calls only check their arguments, as Linux does first.
/// </summary>
public static partial class FdIo
{
    /// <summary>RWF_* flags that change nothing here (no caches, no polling) and so keep the fast path.</summary>
    private const int RwfHipri = 1, RwfDsync = 2, RwfSync = 4, RwfNoSignal = 0x100;

    [Syscall(32, "flock", Support.Full, "Per open file description; LOCK_NB gives EWOULDBLOCK, a blocking request waits in the VFS actor; LOCK_MAND is ignored, as Linux does.")]
    public static SyscallResult Flock(ISyscallContext c) => SyscallResult.Send(new FlockFile(c.Task, c.Int(0), c.Int(1)));

    [Syscall(436, "close_range", Support.Full, "CLOSE_RANGE_CLOEXEC; CLOSE_RANGE_UNSHARE copies a table shared with another process (CLONE_FILES); threads of one process keep sharing theirs.")]
    public static SyscallResult CloseRange(ISyscallContext c) => SyscallResult.Send(new CloseRange(c.Task, c.UInt(0), c.UInt(1), c.UInt(2)));

    [Syscall(286, "preadv2", Support.Full, "Offset -1 reads at the file position; RWF_HIPRI/DSYNC/SYNC accepted; RWF_NOWAIT where Linux allows it (pipes, devices, host files; tmpfs gives EOPNOTSUPP as Linux's does).")]
    public static SyscallResult Preadv2(ISyscallContext c) => Vectored2(c, write: false);

    [Syscall(287, "pwritev2", Support.Full, "Offset -1 writes at the file position; RWF_APPEND/NOAPPEND, RWF_NOWAIT (pipes), RWF_HIPRI/DSYNC/SYNC/NOSIGNAL accepted; RWF_ATOMIC and RWF_DONTCACHE give EOPNOTSUPP, as on tmpfs.")]
    public static SyscallResult Pwritev2(ISyscallContext c) => Vectored2(c, write: true);

    /// <summary>
    /// preadv2/pwritev2 (on arm64 the offset is x3 alone; x4, its high half on 32-bit ABIs, is ignored).
    /// Flags that change nothing take the task's fast path; the others are checked and served by the VFS actor.
    /// </summary>
    private static SyscallResult Vectored2(ISyscallContext c, bool write)
    {
        long offset = c.Long(3);
        int flags = c.Int(5);
        if (offset < -1) return Errno.EINVAL;
        if ((flags & ~(RwfHipri | RwfDsync | RwfSync | RwfNoSignal)) == 0)
            return FileIo.Vectored(c, c.Arg(1), (int)Math.Clamp(c.Long(2), -1, 1025), offset, write);
        return SyscallResult.Send(new VectoredIo(c.Task, c.Int(0), c.Arg(1), c.Long(2), offset, flags, write));
    }

    [Syscall(47, "fallocate", Support.Full, "tmpfs: mode 0, FALLOC_FL_KEEP_SIZE and PUNCH_HOLE with KEEP_SIZE, as Linux's tmpfs (other modes give EOPNOTSUPP there too); seals enforced.")]
    public static SyscallResult Fallocate(ISyscallContext c) =>
        SyscallResult.Send(new AllocateFile(c.Task, c.Int(0), c.Int(1), c.Long(2), c.Long(3)));

    [Syscall(81, "sync", Support.Full, "Nothing is cached: returns at once.")]
    public static SyscallResult Sync(ISyscallContext c) => 0;

    [Syscall(82, "fsync", Support.Full, "Nothing is cached: checks the descriptor (EINVAL for pipes and devices, as Linux).")]
    public static SyscallResult Fsync(ISyscallContext c) => SyncCall(c, SyncKind.Fsync);

    [Syscall(83, "fdatasync", Support.Full, "As fsync.")]
    public static SyscallResult Fdatasync(ISyscallContext c) => SyncCall(c, SyncKind.Fdatasync);

    [Syscall(267, "syncfs", Support.Full, "Nothing is cached: checks the descriptor.")]
    public static SyscallResult Syncfs(ISyscallContext c) => SyncCall(c, SyncKind.Syncfs);

    [Syscall(84, "sync_file_range", Support.Full, "Nothing is cached: flags and range are validated as Linux does.")]
    public static SyscallResult SyncFileRange(ISyscallContext c) => SyncCall(c, SyncKind.SyncFileRange);

    [Syscall(213, "readahead", Support.Full, "Nothing is cached: the descriptor is validated, as Linux does.")]
    public static SyscallResult Readahead(ISyscallContext c) => SyncCall(c, SyncKind.Readahead);

    [Syscall(223, "fadvise64", Support.Full, "Advice is validated and has no effect, which Linux permits; ESPIPE on pipes.")]
    public static SyscallResult Fadvise64(ISyscallContext c) => SyncCall(c, SyncKind.Fadvise);

    /// <summary>(fd, offset, length, flags-or-advice) for every call of the family; fsync and syncfs use only the fd.</summary>
    private static SyscallResult SyncCall(ISyscallContext c, SyncKind kind) =>
        SyscallResult.Send(new SyncFile(c.Task, c.Int(0), kind, c.Long(1), c.Long(2), kind == SyncKind.Readahead ? 0 : c.Int(3)));
}
