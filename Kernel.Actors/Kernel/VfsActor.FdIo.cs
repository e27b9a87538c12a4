using System.Buffers.Binary;
using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors;

// The descriptor and data-movement calls (fdio): dispatch, parking, close_range, preadv2/pwritev2 with flags,
// fallocate and the sync family. Locks are in VfsActor.Locks.cs, the splice family in VfsActor.Splice.cs.
public sealed partial class VfsActor
{
    private const uint CloseRangeUnshare = 2, CloseRangeCloexec = 4;
    private const int MaxIovecs = 1024; // UIO_MAXIOV
    private const long MaxRw = 0x7ffff000; // MAX_RW_COUNT

    private KernelReply? HandleFdIo(FdIoRequest request, IActorRef sender) => request switch
    {
        FlockFile r => Flock(r, sender),
        CloseRange r => CloseRange(r),
        AllocateFile r => Allocate(r),
        SyncFile r => Result(Sync(r)),
        CopyFileRange r => Result(WithFileSizeLimit(r.Task, () => CopyRange(r))),
        CreateMemfd r => CreateMemfd(r),
        _ => Start(new ParkedCall(request, sender, Self, null)),
    };

    /// <summary>Linux's fdget: the open file at <paramref name="fd"/>, or null (EBADF) also for an O_PATH descriptor.</summary>
    private static OpenFile? FileOf(IKernelTask task, int fd) => P(task).Files.GetFile(fd) is { IsPathOnly: false } f ? f : null;

    /// <summary>The file type bits of what <paramref name="file"/> refers to (0 if it cannot be stat'ed).</summary>
    private static uint FileType(OpenFile file) => file.Stat(out var st) == 0 ? st.Mode & S_IFMT : 0;

    /// <summary>Whether the file takes explicit offsets (Linux's FMODE_PREAD/FMODE_PWRITE): not pipes nor terminals.</summary>
    private static bool HasOffsets(OpenFile file) => file is not PipeEnd && !file.IsTerminal;

    /// <summary>
    /// One attempt of a call that may wait on pipes (sendfile, splice, tee, vmsplice, preadv2/pwritev2); null parks it
    /// (Start and Resume keep it in VfsState) on the wait queues of the pipes it waits for.
    /// </summary>
    private KernelReply? TryFdIo(ParkedCall call)
    {
        if (call.Request is WaitFifoPartner fifo) return TryFifoOpen(call, fifo);
        if (call.Request is WaitLeaseBreak lease) return TryLeaseOpen(call, lease);
        var request = (FdIoRequest)call.Request;
        if (P(request.Task).IsExiting) return new Failed(Errno.EINTR);
        long result = AttemptFdIo(request, out var waitOn);
        if (result != -(long)Errno.EAGAIN || waitOn.Length == 0) return Result(result);
        bool subscribed = false;
        foreach (var pipe in waitOn) subscribed |= call.Watch(pipe.Waiters, Poll.ReadWait | Poll.WriteWait);
        // Subscribed just now: try once more, so that a change between the attempt and the subscription is not lost.
        if (!subscribed) return null;
        result = AttemptFdIo(request, out waitOn);
        return result != -(long)Errno.EAGAIN || waitOn.Length == 0 ? Result(result) : null;
    }

    /// <summary>-EAGAIN with pipes in <paramref name="waitOn"/>: the call must wait for one of them to change.</summary>
    private long AttemptFdIo(FdIoRequest request, out Pipe[] waitOn)
    {
        var previous = writeSizeLimit;
        writeSizeLimit = P(request.Task).FileSizeLimit;
        try
        {
            return AttemptFdIoOnce(request, out waitOn);
        }
        finally
        {
            writeSizeLimit = previous;
        }
    }

    // RLIMIT_FSIZE of the process whose call the actor is running now (sendfile, splice, copy_file_range, pwritev2).
    [ThreadStatic] private static ulong writeSizeLimit;

    private static long WithFileSizeLimit(IKernelTask task, Func<long> call)
    {
        var previous = writeSizeLimit;
        writeSizeLimit = P(task).FileSizeLimit;
        try
        {
            return call();
        }
        finally
        {
            writeSizeLimit = previous;
        }
    }

    /// <summary>
    /// RLIMIT_FSIZE for a write the actor does at <paramref name="start"/> (-1: not a regular file): how much of
    /// <paramref name="n"/> bytes may go, or -EFBIG at or past the limit (SIGXFSZ is not raised yet).
    /// </summary>
    private static long FileSizeRoom(long start, long n)
    {
        var limit = writeSizeLimit == 0 ? ulong.MaxValue : writeSizeLimit;
        if (start < 0 || limit >= long.MaxValue) return n;
        if ((ulong)start >= limit) return -(long)Errno.EFBIG;
        return (long)Math.Min((ulong)n, limit - (ulong)start);
    }

    private long AttemptFdIoOnce(FdIoRequest request, out Pipe[] waitOn)
    {
        waitOn = [];
        return request switch
        {
            VectoredIo r => Vectored(r, ref waitOn),
            SendFile r => SendFile(r, ref waitOn),
            SpliceData r => Splice(r, ref waitOn),
            TeePipe r => Tee(r, ref waitOn),
            VmSplice r => VmSplice(r, ref waitOn),
            _ => -(long)Errno.ENOSYS,
        };
    }

    /// <summary>Reads an iovec array: EINVAL for too many entries or a negative length, EFAULT for a bad array.</summary>
    private static long ReadIovecs(IGuestMemory memory, ulong address, long count, out (ulong Base, long Length)[] vecs)
    {
        vecs = [];
        if (count < 0 || count > MaxIovecs) return -(long)Errno.EINVAL;
        var raw = new byte[16 * count];
        if (memory.Read(address, raw) != Errno.None) return -(long)Errno.EFAULT;
        vecs = new (ulong, long)[count];
        long total = 0;
        for (int i = 0; i < count; i++)
        {
            vecs[i] = (BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(16 * i)), BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(16 * i + 8)));
            if (vecs[i].Length < 0 || vecs[i].Length > long.MaxValue - total) return -(long)Errno.EINVAL;
            total += vecs[i].Length;
        }
        return total;
    }

    private KernelReply CloseRange(CloseRange r)
    {
        if ((r.Flags & ~(CloseRangeUnshare | CloseRangeCloexec)) != 0 || r.First > r.Last) return new Failed(Errno.EINVAL);
        var process = P(r.Task);
        // CLOSE_RANGE_UNSHARE: a table shared with another process (CLONE_FILES) is copied first, so only ours changes.
        if ((r.Flags & CloseRangeUnshare) != 0 && sandbox.AllProcesses().Any(p => p != process && ReferenceEquals(p.Files, process.Files)))
            process.Files = process.Files.Clone();
        var files = process.Files;
        foreach (var (fd, _) in files.All().Where(e => (uint)e.Fd >= r.First && (uint)e.Fd <= r.Last).ToList())
        {
            if ((r.Flags & CloseRangeCloexec) != 0) files.SetCloseOnExec(fd, true);
            else if (files.Remove(fd) is { } removed)
            {
                ClosedByProcess(r.Task, removed.File);
                removed.File.DropReference();
            }
        }
        return new Done(0);
    }

    /// <summary>
    /// preadv2/pwritev2 with flags beyond the fast path's, checked in Linux's order: descriptor, offsets, iovecs, access
    /// mode, empty transfer (0, flags unchecked), then the flags.
    /// </summary>
    private long Vectored(VectoredIo r, ref Pipe[] waitOn)
    {
        const int NoWait = 8, Append = 0x10, NoAppend = 0x20, Atomic = 0x40, DontCache = 0x80, Known = 0x1ff;
        var process = P(r.Task);
        var file = FileOf(r.Task, r.Fd);
        if (file is null) return -(long)Errno.EBADF;
        if (r.Offset != -1 && !HasOffsets(file)) return -(long)Errno.ESPIPE;
        long total = ReadIovecs(process.Mm, r.Iov, r.Count, out var vecs);
        if (total < 0) return total;
        if (r.Write ? !file.CanWrite : !file.CanRead) return -(long)Errno.EBADF;
        if (total == 0) return 0;
        if ((r.Flags & ~Known) != 0) return -(long)Errno.EOPNOTSUPP;
        if ((r.Flags & (Append | NoAppend)) == (Append | NoAppend)) return -(long)Errno.EINVAL;
        // tmpfs does not promise non-blocking I/O (no FMODE_NOWAIT); the write-once and uncached modes exist nowhere here.
        if ((r.Flags & NoWait) != 0 && file is TmpRegularFile) return -(long)Errno.EOPNOTSUPP;
        if ((r.Flags & (Atomic | DontCache)) != 0) return -(long)Errno.EOPNOTSUPP;

        bool append = (r.Flags & Append) != 0;
        bool overrideAppend = append || ((r.Flags & NoAppend) != 0 && (file.StatusFlags & O_APPEND) != 0);
        long done = 0;
        foreach (var (address, length) in vecs)
        {
            if (length == 0) continue;
            int want = (int)Math.Min(length, MaxRw - done);
            int n = process.Mm.AccessibleLength(address, want, write: !r.Write);
            long got;
            if (n == 0) got = -(long)Errno.EFAULT;
            else
            {
                process.Mm.GetSpan(address, n, !r.Write, out var span);
                long at = r.Offset < 0 ? -1 : r.Offset + done;
                long room = n;
                if (r.Write && file.WriteStart(at) is var start and >= 0)
                {
                    // RWF_APPEND writes at the end, RWF_NOAPPEND at the offset given, whatever O_APPEND says.
                    if (append && file.Stat(out var ast) >= 0) start = ast.Size;
                    else if ((r.Flags & NoAppend) != 0 && at >= 0) start = at;
                    room = FileSizeRoom(start, n);
                }
                if (room < 0) got = room;
                else if (r.Write && overrideAppend && file is TmpRegularFile tmp) got = tmp.WriteWithAppend(span[..(int)room], at, append);
                else got = r.Write ? (at < 0 ? file.Write(span[..(int)room]) : file.PWrite(span[..(int)room], at)) : (at < 0 ? file.Read(span) : file.PRead(span, at));
            }
            if (got < 0)
            {
                if (done > 0) return done;
                if (got == -(long)Errno.EAGAIN && (r.Flags & NoWait) == 0 && !file.NonBlocking && file is PipeEnd pipeEnd) waitOn = [pipeEnd.Pipe];
                return got;
            }
            done += got;
            if (got < length || done >= MaxRw) break;
        }
        return done;
    }

    /// <summary>fallocate(2): Linux's mode checks, then the file type (ESPIPE, EISDIR, ENODEV), then tmpfs's own rules.</summary>
    private KernelReply Allocate(AllocateFile r)
    {
        const int KeepSize = 1, PunchHole = 2, CollapseRange = 8, ZeroRange = 0x10, InsertRange = 0x20, UnshareRange = 0x40, WriteZeroes = 0x80;
        const int ModeMask = PunchHole | CollapseRange | ZeroRange | InsertRange | UnshareRange | WriteZeroes;
        var file = FileOf(r.Task, r.Fd);
        if (file is null) return new Failed(Errno.EBADF);
        if (r.Offset < 0 || r.Length <= 0) return new Failed(Errno.EINVAL);
        if ((r.Mode & ~(ModeMask | KeepSize)) != 0) return new Failed(Errno.EOPNOTSUPP);
        // The modes exclude each other; punching a hole must keep the size, moving ranges must change it.
        bool valid = (r.Mode & ModeMask) switch
        {
            0 or UnshareRange or ZeroRange => true,
            PunchHole => (r.Mode & KeepSize) != 0,
            CollapseRange or InsertRange or WriteZeroes => (r.Mode & KeepSize) == 0,
            _ => false,
        };
        if (!valid) return new Failed(Errno.EOPNOTSUPP);
        if (!file.CanWrite) return new Failed(Errno.EBADF);
        // Only a plain allocation may touch an append-only file; nothing an immutable one.
        if (file.Location?.Inode is { } inode && (((r.Mode & ~KeepSize) != 0 && inode.IsAppendOnly) || inode.IsImmutable))
            return new Failed(Errno.EPERM);
        switch (FileType(file))
        {
            case S_IFIFO: return new Failed(Errno.ESPIPE);
            case S_IFDIR: return new Failed(Errno.EISDIR);
            case S_IFREG: break;
            default: return new Failed(Errno.ENODEV);
        }
        if (r.Offset > long.MaxValue - r.Length) return new Failed(Errno.EFBIG);
        // Growing the file past RLIMIT_FSIZE is EFBIG, as inode_newsize_ok (SIGXFSZ is not raised yet).
        if ((r.Mode & KeepSize) == 0 && (ulong)(r.Offset + r.Length) > P(r.Task).GetLimit(Kernel.Syscalls.Handlers.Limits.FSize).Cur
            && file.Stat(out var st) >= 0 && r.Offset + r.Length > st.Size)
            return new Failed(Errno.EFBIG);
        return file is TmpRegularFile t ? Result(t.Node.Allocate(r.Mode, r.Offset, r.Length)) : new Failed(Errno.EOPNOTSUPP);
    }

    /// <summary>fsync, fdatasync, syncfs, sync_file_range, readahead, fadvise64: there is no cache, so only Linux's checks remain.</summary>
    private static long Sync(SyncFile r)
    {
        const int SyncFileRangeFlags = 7;
        var file = FileOf(r.Task, r.Fd);
        if (file is null) return -(long)Errno.EBADF;
        uint type = FileType(file);
        switch (r.Kind)
        {
            case SyncKind.Fsync or SyncKind.Fdatasync:
                // Only files with an fsync operation: pipes and character devices have none.
                return type is S_IFREG or S_IFDIR ? 0 : -(long)Errno.EINVAL;
            case SyncKind.Syncfs:
                return 0;
            case SyncKind.SyncFileRange:
            {
                if ((r.Flags & ~SyncFileRangeFlags) != 0) return -(long)Errno.EINVAL;
                long end = unchecked(r.Offset + r.Length);
                if (r.Offset < 0 || end < 0 || end < r.Offset) return -(long)Errno.EINVAL;
                return type is S_IFREG or S_IFDIR or S_IFLNK or S_IFBLK ? 0 : -(long)Errno.ESPIPE;
            }
            case SyncKind.Readahead:
                if (!file.CanRead) return -(long)Errno.EBADF;
                return type is S_IFREG or S_IFBLK ? 0 : -(long)Errno.EINVAL;
            default:
                // fadvise64: POSIX_FADV_NORMAL..POSIX_FADV_NOREUSE.
                if (type == S_IFIFO) return -(long)Errno.ESPIPE;
                return (uint)r.Flags <= 5 ? 0 : -(long)Errno.EINVAL;
        }
    }
}
