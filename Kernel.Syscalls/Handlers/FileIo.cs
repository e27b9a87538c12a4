using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>Reading, writing and managing open files. read/write take the fast path on the task's thread.</summary>
public static partial class FileIo
{
    private const int MaxIo = 0x7ffff000; // Linux's MAX_RW_COUNT
    private const int ONonblock = 0x800;

    private static int Clamp(ulong count) => count > MaxIo ? MaxIo : (int)count;

    [Syscall(63, "read", Support.Full, "Fast path on the calling task's thread; a read that must wait is parked in the VFS actor.")]
    public static SyscallResult Read(ISyscallContext c) => Transfer(c, c.Arg(1), c.Arg(2), -1, write: false);

    [Syscall(67, "pread64", Support.Full, "Fully supported.")]
    public static SyscallResult PRead64(ISyscallContext c) =>
        c.Long(3) < 0 ? Errno.EINVAL : Transfer(c, c.Arg(1), c.Arg(2), c.Long(3), write: false);

    [Syscall(64, "write", Support.Full, "Fast path on the calling task's thread; a write that must wait is parked in the VFS actor.")]
    public static SyscallResult Write(ISyscallContext c) => Transfer(c, c.Arg(1), c.Arg(2), -1, write: true);

    [Syscall(68, "pwrite64", Support.Full, "Fully supported.")]
    public static SyscallResult PWrite64(ISyscallContext c) =>
        c.Long(3) < 0 ? Errno.EINVAL : Transfer(c, c.Arg(1), c.Arg(2), c.Long(3), write: true);

    [Syscall(65, "readv", Support.Full, "Fully supported.")]
    public static SyscallResult Readv(ISyscallContext c) => Vectored(c, c.Arg(1), c.Int(2), -1, write: false);

    [Syscall(66, "writev", Support.Full, "Fully supported.")]
    public static SyscallResult Writev(ISyscallContext c) => Vectored(c, c.Arg(1), c.Int(2), -1, write: true);

    [Syscall(69, "preadv", Support.Full, "Fully supported.")]
    public static SyscallResult Preadv(ISyscallContext c) => c.Long(3) < 0 ? Errno.EINVAL : Vectored(c, c.Arg(1), c.Int(2), c.Long(3), write: false);

    [Syscall(70, "pwritev", Support.Full, "Fully supported.")]
    public static SyscallResult Pwritev(ISyscallContext c) => c.Long(3) < 0 ? Errno.EINVAL : Vectored(c, c.Arg(1), c.Int(2), c.Long(3), write: true);

    /// <summary>read/write/pread64/pwrite64 on the descriptor in x0.</summary>
    private static SyscallResult Transfer(ISyscallContext c, ulong buffer, ulong count, long offset, bool write)
    {
        var file = c.Task.File(c.Int(0));
        if (file is null) return Errno.EBADF;
        // A zero-length transfer still reaches the file, which may fail it (/dev/full gives ENOSPC).
        return count == 0 ? file.Transfer(Span<byte>.Empty, offset, write) : TryTransfer(c, file, buffer, count, offset, write);
    }

    /// <summary>
    /// One transfer between the file and guest memory, done now on the task's thread. When a blocking file has
    /// nothing ready, the call is parked in the VFS actor instead (zero-copy both ways: guest memory is the buffer).
    /// </summary>
    private static SyscallResult TryTransfer(ISyscallContext c, IFastFile file, ulong buffer, ulong count, long offset, bool write)
    {
        var n = c.Memory.AccessibleLength(buffer, Clamp(count), write: !write);
        if (n == 0) return Errno.EFAULT;
        if (write && LimitToFileSize(c, file, offset, ref n) is { } tooBig) return tooBig;
        c.Memory.GetSpan(buffer, n, !write, out var span);
        var r = file.Transfer(span, offset, write);
        if (r != -(long)Errno.EAGAIN || (file.StatusFlags & ONonblock) != 0) return r;
        var fd = c.Int(0);
        return SyscallResult.Send(write ? new WriteFile(c.Task, fd, buffer, n, offset) : new ReadFile(c.Task, fd, buffer, n, offset));
    }

    /// <summary>
    /// RLIMIT_FSIZE, as generic_write_check_limits: a write to a regular file that would start at or past the limit
    /// is EFBIG, one that would cross it is cut short. (The runner then raises SIGXFSZ, as Linux does.)
    /// </summary>
    internal static Errno? LimitToFileSize(ISyscallContext c, IFastFile file, long offset, ref int n)
    {
        var limit = ((ILimits)c.Task).FileSizeLimit;
        if (limit >= long.MaxValue) return null;
        var start = file.WriteStart(offset);
        if (start < 0) return null;
        if ((ulong)start >= limit) return Errno.EFBIG;
        n = (int)Math.Min((ulong)n, limit - (ulong)start);
        return null;
    }

    /// <summary>readv/writev: each iovec in turn; a short transfer ends the call, as Linux does for pipes and sockets.</summary>
    internal static SyscallResult Vectored(ISyscallContext c, ulong iov, int count, long offset, bool write)
    {
        var file = c.Task.File(c.Int(0));
        if (file is null) return Errno.EBADF;
        if (count < 0 || count > 1024) return Errno.EINVAL;
        Span<byte> raw = stackalloc byte[16];
        var vecs = new (ulong Base, ulong Len)[count];
        for (var i = 0; i < count; i++)
        {
            if (c.Memory.Read(iov + (ulong)(16 * i), raw) != Errno.None) return Errno.EFAULT;
            vecs[i] = (BitConverter.ToUInt64(raw), BitConverter.ToUInt64(raw[8..]));
            if ((long)vecs[i].Len < 0) return Errno.EINVAL;
        }
        // As import_iovec: a segment outside user space is EFAULT before anything moves; the total stops at MAX_RW_COUNT.
        foreach (var (b, len) in vecs)
            if (!Events.UserRange(b, len)) return Errno.EFAULT;
        long total = 0;
        foreach (var (b, whole) in vecs)
        {
            var len = Math.Min(whole, (ulong)(MaxIo - total));
            if (len == 0) continue;
            var r = TryTransfer(c, file, b, len, offset < 0 ? -1 : offset + total, write);
            // Something already moved: report it rather than an error or a wait, as Linux does.
            if (total > 0 && (r.IsPending || r.Value < 0)) return total;
            if (r.IsPending || r.Value < 0) return r;
            total += r.Value;
            if ((ulong)r.Value < len) break;
        }
        return total;
    }

    [Syscall(56, "openat", Support.Full, "On the overlay root (or the host directory with --rootfs-writable), tmpfs, devtmpfs, devpts, procfs and sysfs; " +
        "every flag, O_TMPFILE, O_PATH and O_DIRECT (tmpfs and host files, as Linux 6.6+) included.")]
    public static SyscallResult OpenAt(ISyscallContext c)
    {
        var e = c.Path(1, out var path);
        if (e != Errno.None) return e;
        return SyscallResult.Send(new OpenFileAt(c.Task, c.Int(0), path, c.Int(2), c.Int(3) & 0xfff));
    }

    [Syscall(57, "close", Support.Full, "Fully supported.")]
    public static SyscallResult Close(ISyscallContext c) => SyscallResult.Send(new CloseFile(c.Task, c.Int(0)));

    [Syscall(62, "lseek", Support.Full, "Fully supported.")]
    public static SyscallResult Lseek(ISyscallContext c) => SyscallResult.Send(new SeekFile(c.Task, c.Int(0), c.Long(1), c.Int(2)));

    [Syscall(61, "getdents64", Support.Full, "Fully supported.")]
    public static SyscallResult GetDents64(ISyscallContext c) =>
        SyscallResult.Send(new ReadDirectory(c.Task, c.Int(0), c.Arg(1), (int)Math.Min(c.Arg(2), int.MaxValue)));

    [Syscall(80, "fstat", Support.Full, "Fully supported.")]
    public static SyscallResult Fstat(ISyscallContext c)
    {
        var address = c.Arg(1);
        return SyscallResult.Send(new StatFile(c.Task, c.Int(0), null, 0), reply => CopyBytes(c, address, reply));
    }

    [Syscall(79, "newfstatat", Support.Full, "Fully supported.")]
    public static SyscallResult NewFstatAt(ISyscallContext c)
    {
        var e = c.Path(1, out var path);
        if (e != Errno.None) return e;
        var address = c.Arg(2);
        return SyscallResult.Send(new StatFile(c.Task, c.Int(0), path, c.Int(3)), reply => CopyBytes(c, address, reply));
    }

    [Syscall(291, "statx", Support.Full, "Basic fields, the mount id (STATX_MNT_ID, or MNT_ID_UNIQUE when asked) and STATX_ATTR_MOUNT_ROOT; the birth time when asked for, " +
        "on tmpfs and host files (procfs, sysfs and devpts keep none, as on Linux). Inode attribute flags (append, immutable) are never set: chattr is not available.")]
    public static SyscallResult Statx(ISyscallContext c)
    {
        const int syncType = 0x6000; // AT_STATX_FORCE_SYNC | AT_STATX_DONT_SYNC: one or the other
        const uint reserved = 0x80000000; // STATX__RESERVED
        if ((c.Int(2) & syncType) == syncType || (c.UInt(3) & reserved) != 0) return Errno.EINVAL;
        var e = c.Path(1, out var path);
        if (e != Errno.None) return e;
        var address = c.Arg(4);
        return SyscallResult.Send(new StatxFile(c.Task, c.Int(0), path, c.Int(2), c.UInt(3)), reply => CopyBytes(c, address, reply));
    }

    /// <summary>Copies a <see cref="Bytes"/> reply out to the user's buffer.</summary>
    internal static SyscallResult CopyBytes(ISyscallContext c, ulong address, KernelReply reply) => reply switch
    {
        Bytes b => c.CopyOut(address, b.Data),
        Failed f => f.Errno,
        Done d => d.Value,
        _ => Errno.EIO,
    };

    [Syscall(29, "ioctl", Support.Full, "FIONBIO, FIOASYNC, FIOCLEX/FIONCLEX, FIONREAD; on ptys the terminal ioctls (termios and termios2, window size, " +
        "process group and session, TIOCSCTTY/TIOCNOTTY, TIOCGPTN/TIOCSPTLCK/TIOCGPTPEER, TIOCPKT, TIOCSTI, TIOCSIG, TCFLSH, TCXONC, " +
        "TIOCOUTQ, the old termio TCGETA/TCSETA*, TIOCVHANGUP with CAP_SYS_ADMIN); the host terminal's basic ones pass through. " +
        "Terminal signals (ISIG, SIGWINCH, SIGHUP) are delivered; a background caller changing the terminal gets SIGTTOU (EIO when " +
        "its group is orphaned); modem/serial ioctls give ENOTTY as on a Linux pty. Files: FIOQSIZE, FIGETBSZ, chattr's inode flags " +
        "(FS_IOC_GETFLAGS/SETFLAGS, FS_IOC_FSGETXATTR/FSSETXATTR; immutable and append-only enforced), and FICLONE(RANGE), " +
        "FIDEDUPERANGE, FS_IOC_FIEMAP, FIFREEZE/FITHAW refused as tmpfs refuses them.")]
    public static SyscallResult Ioctl(ISyscallContext c) => c.Task.File(c.Int(0)) is Seccomp.ISeccompListenerFile listener
        ? SeccompCalls.ListenerIoctl(c, listener)
        : SyscallResult.Send(new IoctlFile(c.Task, c.Int(0), c.UInt(1), c.Arg(2)));

    [Syscall(25, "fcntl", Support.Full, "F_DUPFD(_CLOEXEC), F_GETFD/SETFD, F_GETFL/SETFL, record locks (F_GETLK/SETLK/SETLKW and the OFD ones, waits parked " +
        "in the VFS actor, EDEADLK detection), F_GETOWN/SETOWN(_EX) with O_ASYNC sending SIGIO (or F_SETSIG's signal with si_fd and si_band), " +
        "leases (F_SETLEASE/GETLEASE: opens and truncate(2) break them, signalling the holder and waiting up to fs.lease-break-time), " +
        "F_NOTIFY (dnotify, one-shot or DN_MULTISHOT), F_ADD_SEALS/GET_SEALS, F_GETPIPE_SZ/SETPIPE_SZ, F_GET/SET_RW_HINT, F_DUPFD_QUERY, F_CREATED_QUERY.")]
    public static SyscallResult Fcntl(ISyscallContext c) => SyscallResult.Send(new FcntlFile(c.Task, c.Int(0), c.Int(1), c.Arg(2)));

    [Syscall(23, "dup", Support.Full, "Fully supported.")]
    public static SyscallResult Dup(ISyscallContext c) => SyscallResult.Send(new DuplicateFd(c.Task, c.Int(0), -1, 0));

    [Syscall(24, "dup3", Support.Full, "Fully supported.")]
    public static SyscallResult Dup3(ISyscallContext c)
    {
        // newfd is unsigned: a negative one is past RLIMIT_NOFILE (EBADF), after the flag and same-fd checks.
        const int oCloexec = 0x80000;
        if (c.Int(1) < 0 && (c.Int(2) & ~oCloexec) == 0 && c.Int(0) != c.Int(1)) return Errno.EBADF;
        return SyscallResult.Send(new DuplicateFd(c.Task, c.Int(0), c.Int(1), c.Int(2)));
    }

    [Syscall(59, "pipe2", Support.Full, "Fully supported.")]
    public static SyscallResult Pipe2(ISyscallContext c) => SyscallResult.Send(new CreatePipe(c.Task, c.Arg(0), c.Int(1)));

    [Syscall(46, "ftruncate", Support.Full, "Fully supported.")]
    public static SyscallResult Ftruncate(ISyscallContext c) => SyscallResult.Send(new TruncateFile(c.Task, c.Int(0), null, c.Long(1)));

    [Syscall(45, "truncate", Support.Full, "Fully supported.")]
    public static SyscallResult Truncate(ISyscallContext c)
    {
        var e = c.Path(0, out var path);
        return e != Errno.None ? e : SyscallResult.Send(new TruncateFile(c.Task, Args.AtFdCwd, path, c.Long(1)));
    }
}
