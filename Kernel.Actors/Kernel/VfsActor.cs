using System.Diagnostics;
using Akka.Actor;
using Kernel.Actors.Files;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>
/// The VFS subsystem: path calls, descriptor management, and I/O that must wait. A read or write that cannot
/// complete is parked here (in state that survives a restart) and retried when the file's readiness changes.
/// </summary>
public sealed partial class VfsActor(Sandbox sandbox) : SubsystemActor(sandbox.Log, sandbox.Inline(Subsystem.Vfs))
{
    private const int FDupFd = 0, FGetFd = 1, FSetFd = 2, FGetFl = 3, FSetFl = 4, FDupFdCloexec = 1030,
        FGetPipeSz = 1032, FSetPipeSz = 1031;
    private const int FdCloexec = 1;
    private const int OCloexec = 0x80000, ONonblock = 0x800, OAppend = 0x400, ODirect = 0x10000, ONoatime = 0x40000, OAsync = 0x2000;

    private VfsState State => sandbox.VfsState;

    private static KernelProcess P(IKernelTask t) => ((KernelTask)t).Process;

    /// <summary>The location a dirfd names: null for AT_FDCWD, or an errno.</summary>
    private static long DirAt(IKernelTask task, int dirFd, string? path, out Location? at)
    {
        at = null;
        // An empty path (AT_EMPTY_PATH) names the fd itself, which need not be a directory; callers check the flag.
        if (dirFd == Args.AtFdCwd || (path is not null && path.StartsWith('/')) || path?.Length == 0) return 0;
        var file = P(task).Files.GetFile(dirFd);
        if (file is null) return -(long)Errno.EBADF;
        at = file.Location;
        if (at is null) return -(long)Errno.ENOTDIR;
        return 0;
    }

    /// <summary>
    /// DirAt, except that an empty path with a descriptor names that descriptor's file when the call allows it
    /// (AT_EMPTY_PATH), whatever it is: EBADF for a bad descriptor, ENOENT for one without a place in the tree (a
    /// pipe). Without this, DirAt's null would make the VFS act on the working directory instead.
    /// </summary>
    private static long EmptyPathAt(IKernelTask task, int dirFd, string path, bool emptyAllowed, out Location? at)
    {
        if (path.Length != 0 || dirFd == Args.AtFdCwd || !emptyAllowed) return DirAt(task, dirFd, path, out at);
        at = null;
        var file = P(task).Files.GetFile(dirFd);
        if (file is null) return -(long)Errno.EBADF;
        at = file.Location;
        return at is null ? -(long)Errno.ENOENT : 0;
    }

    private KernelReply? HandleRequest(KernelRequest request, IActorRef sender)
    {
        var vfs = sandbox.Vfs;
        switch (request)
        {
            case OpenFileAt r:
                return WithLeasesBroken(r, sender);
            case HangUpControllingTerminal r:
                return HangUpControlling(r);
            case CloseFile r:
            {
                var entry = P(r.Task).Files.Remove(r.Fd);
                if (entry is null) return new Failed(Errno.EBADF);
                ClosedByProcess(r.Task, entry.File);
                entry.File.DropReference();
                return new Done(0);
            }
            case StatFile r:
            {
                StatInfo st;
                long e;
                if (r.Path is null)
                {
                    var file = P(r.Task).Files.GetFile(r.DirFd);
                    if (file is null) return new Failed(Errno.EBADF);
                    e = file.Stat(out st);
                }
                else
                {
                    e = DirAt(r.Task, r.DirFd, r.Path, out var at);
                    if (e < 0) return Result(e);
                    e = StatAt(r.Task, r.DirFd, at, r.Path, r.AtFlags, out st);
                }
                if (e < 0) return Result(e);
                var buf = new byte[StatInfo.Arm64StatSize];
                st.WriteArm64Stat(buf);
                return new Bytes(buf);
            }
            case StatxFile r:
                return Statx(r);
            case StatFileSystem r:
            {
                StatFsInfo st;
                long e;
                if (r.Path is null)
                {
                    var file = P(r.Task).Files.GetFile(r.Fd);
                    if (file is null) return new Failed(Errno.EBADF);
                    // Pipes and anonymous files live on the kernel's internal pipefs and anon_inodefs (simple_statfs).
                    st = file.Location is { } loc ? VirtualFileSystem.StatFsOf(loc)
                        : StatFsInfo.Internal(file is PipeEnd ? StatFsInfo.PIPEFS_MAGIC : StatFsInfo.ANON_INODE_FS_MAGIC);
                    e = 0;
                }
                else
                {
                    e = vfs.StatFs(P(r.Task).Fs, null, r.Path, out st);
                }
                if (e < 0) return Result(e);
                var buf = new byte[StatFsInfo.Arm64StatFsSize];
                st.WriteArm64StatFs(buf);
                return new Bytes(buf);
            }
            case ReadDirectory r:
            {
                var file = P(r.Task).Files.GetFile(r.Fd);
                if (file is null) return new Failed(Errno.EBADF);
                var mem = P(r.Task).Mm;
                if (mem.GetSpan(r.Buffer, r.Count, true, out var span) != Errno.None) return new Failed(Errno.EFAULT);
                // A removed directory lists nothing, not even . and .. (Linux's IS_DEADDIR check).
                if (!file.IsPathOnly && file.Location is { IsDirectory: true } dir && dir.Inode.Stat(out var dst) >= 0 && dst.Nlink == 0)
                    return new Failed(Errno.ENOENT);
                return Result(file.GetDents64(span));
            }
            case ReadLinkAt r:
            {
                // readlinkat always takes an empty path: it names the descriptor itself (an O_PATH symlink).
                var e = EmptyPathAt(r.Task, r.DirFd, r.Path, emptyAllowed: true, out var at);
                if (e < 0) return Result(e);
                e = vfs.ReadLink(P(r.Task).Fs, at, r.Path, out var target);
                return e < 0 ? Result(e) : new Text(target);
            }
            case AccessAt r:
            {
                var e = EmptyPathAt(r.Task, r.DirFd, r.Path, (r.Flags & AtFlags.AT_EMPTY_PATH) != 0, out var at);
                return Result(e < 0 ? e : vfs.Access(P(r.Task).Fs, at, r.Path, r.Mode, r.Flags));
            }
            case GetWorkingDirectory r:
            {
                // A removed working directory has no path (Linux checks d_unlinked).
                var cwd = P(r.Task).Fs.Cwd;
                if (cwd.Inode.Stat(out var cst) >= 0 && cst.Nlink == 0) return new Failed(Errno.ENOENT);
                return new Text(cwd.PathFrom(P(r.Task).Fs.Root));
            }
            case ChangeDirectory r:
            {
                if (r.Path is not null) return Result(vfs.ChangeDir(P(r.Task).Fs, null, r.Path));
                var file = P(r.Task).Files.GetFile(r.Fd);
                if (file is null) return new Failed(Errno.EBADF);
                if (file.Location is null) return new Failed(Errno.ENOTDIR);
                return Result(vfs.ChangeDirTo(P(r.Task).Fs, file.Location));
            }
            case MakeDirectoryAt r:
                return WithDir(r.Task, r.DirFd, r.Path, at => vfs.MakeDir(P(r.Task).Fs, at, r.Path, r.Mode));
            case UnlinkAt r:
                if ((r.Flags & ~0x200) != 0) return new Failed(Errno.EINVAL);
                return WithDir(r.Task, r.DirFd, r.Path, at => vfs.Unlink(P(r.Task).Fs, at, r.Path, r.Flags));
            case SymlinkAt r:
                return WithDir(r.Task, r.DirFd, r.Path, at => vfs.Symlink(P(r.Task).Fs, r.Target, at, r.Path));
            case RenameAt r:
                return WithDir(r.Task, r.OldDirFd, r.OldPath, oldAt =>
                    DirAt(r.Task, r.NewDirFd, r.NewPath, out var newAt) is var e && e < 0 ? e
                        : vfs.Rename(P(r.Task).Fs, oldAt, r.OldPath, newAt, r.NewPath, r.Flags));
            case LinkAt r:
            {
                if (r.OldPath.Length == 0 && (r.Flags & AtFlags.AT_EMPTY_PATH) != 0)
                {
                    var e = EmptyPathAt(r.Task, r.OldDirFd, r.OldPath, emptyAllowed: true, out var fileAt);
                    if (e < 0) return Result(e);
                    return WithDir(r.Task, r.NewDirFd, r.NewPath, newAt => vfs.Link(P(r.Task).Fs, fileAt, "", newAt, r.NewPath, r.Flags));
                }
                return WithDir(r.Task, r.OldDirFd, r.OldPath, oldAt =>
                    DirAt(r.Task, r.NewDirFd, r.NewPath, out var newAt) is var e && e < 0 ? e
                        : vfs.Link(P(r.Task).Fs, oldAt, r.OldPath, newAt, r.NewPath, r.Flags));
            }
            case TruncateFile r:
                if (r.Length < 0) return new Failed(Errno.EINVAL);
                return r.Path is null ? TruncateNow(r) : WithLeasesBroken(r, sender);
            case SeekFile r:
            {
                var file = P(r.Task).Files.GetFile(r.Fd);
                return file is null ? new Failed(Errno.EBADF) : Result(file.Seek(r.Offset, r.Whence));
            }
            case IoctlFile r:
                return Ioctl(r);
            case FcntlFile r:
                return IsLockCommand(r.Command) ? FcntlLock(r, sender) : Fcntl(r);
            case DuplicateFd r:
                return Duplicate(r);
            case CreatePipe r:
            {
                if ((r.Flags & ~(OCloexec | ONonblock | ODirect)) != 0) return new Failed(Errno.EINVAL);
                var files = P(r.Task).Files;
                var (readEnd, writeEnd) = Pipe.Create(r.Flags & ~OCloexec);
                var cloexec = (r.Flags & OCloexec) != 0;
                var rfd = files.Install(readEnd, cloexec);
                if (rfd < 0)
                {
                    readEnd.DropReference();
                    writeEnd.DropReference();
                    return Result(rfd);
                }
                var wfd = files.Install(writeEnd, cloexec);
                if (wfd < 0)
                {
                    files.Remove((int)rfd)?.File.DropReference();
                    writeEnd.DropReference();
                    return Result(wfd);
                }
                var fds = new byte[8];
                BitConverter.TryWriteBytes(fds, (int)rfd);
                BitConverter.TryWriteBytes(fds.AsSpan(4), (int)wfd);
                if (P(r.Task).Mm.Write(r.FdsAddress, fds) != Errno.None)
                {
                    files.Remove((int)rfd)?.File.DropReference();
                    files.Remove((int)wfd)?.File.DropReference();
                    return new Failed(Errno.EFAULT);
                }
                return new Done(0);
            }
            case ReadFile or WriteFile:
                return Start(new ParkedCall(request, sender, Self, null));
            default:
                return HandleFamily(request, sender);
        }
    }

    private long StatAt(IKernelTask task, int dirFd, Location? at, string path, int atFlags, out StatInfo st) =>
        StatAt(task, dirFd, at, path, atFlags, out st, out _);

    private long StatAt(IKernelTask task, int dirFd, Location? at, string path, int atFlags, out StatInfo st, out Location? found)
    {
        st = default;
        found = null;
        if (path.Length == 0 && (atFlags & 0x1000) != 0 && dirFd != Args.AtFdCwd)
        {
            var file = P(task).Files.GetFile(dirFd);
            if (file is null) return -(long)Errno.EBADF;
            found = file.Location;
            return file.Stat(out st);
        }
        return sandbox.Vfs.Stat(P(task).Fs, at, path, atFlags, out st, out found);
    }

    private KernelReply Statx(StatxFile r)
    {
        var e = DirAt(r.Task, r.DirFd, r.Path, out var at);
        if (e < 0) return Result(e);
        e = StatAt(r.Task, r.DirFd, at, r.Path, r.AtFlags, out var st, out var found);
        if (e < 0) return Result(e);
        // tmpfs and the host's filesystems support the append, immutable and nodump attributes (FS_IOC_SETFLAGS).
        var fs = found?.Mount.Fs;
        ulong fsAttributes = fs is Tmpfs or OverlayFilesystem or HostFilesystem
            ? StatInfo.STATX_ATTR_APPEND | StatInfo.STATX_ATTR_IMMUTABLE | StatInfo.STATX_ATTR_NODUMP : 0;
        uint flags = found?.Inode.AttrFlags ?? 0;
        ulong set = ((flags & InodeFlags.Immutable) != 0 ? StatInfo.STATX_ATTR_IMMUTABLE : 0)
            | ((flags & InodeFlags.Append) != 0 ? StatInfo.STATX_ATTR_APPEND : 0) | ((flags & InodeFlags.NoDump) != 0 ? StatInfo.STATX_ATTR_NODUMP : 0);
        var buf = new byte[StatInfo.StatxSize];
        st.WriteStatx(buf, new StatxContext(r.Mask, found?.Mount.Id ?? 0, found?.IsMountRoot ?? false, fsAttributes, set));
        return new Bytes(buf);
    }

    private static KernelReply WithDir(IKernelTask task, int dirFd, string path, Func<Location?, long> op)
    {
        var e = DirAt(task, dirFd, path, out var at);
        return Result(e < 0 ? e : op(at));
    }

    private KernelReply TruncateNow(TruncateFile r)
    {
        var fsize = (long)Math.Min(P(r.Task).GetLimit(Kernel.Syscalls.Handlers.Limits.FSize).Cur, long.MaxValue);
        if (r.Path is not null) return Result(sandbox.Vfs.Truncate(P(r.Task).Fs, null, r.Path, r.Length, fsize));
        var file = P(r.Task).Files.GetFile(r.Fd);
        if (file is null || file.IsPathOnly) return new Failed(Errno.EBADF);
        if (!file.CanWrite) return new Failed(Errno.EINVAL);
        if (file.Location?.Inode.IsAppendOnly == true) return new Failed(Errno.EPERM);
        // Growing a regular file past RLIMIT_FSIZE is EFBIG (inode_newsize_ok; SIGXFSZ is not raised yet).
        if (r.Length > fsize && file.Location?.Inode.IsRegular == true && file.Stat(out var fst) >= 0 && r.Length > fst.Size)
            return new Failed(Errno.EFBIG);
        return Result(file.Truncate(r.Length));
    }

    private KernelReply? OpenNow(OpenFileAt r, IActorRef sender)
    {
        var e = DirAt(r.Task, r.DirFd, r.Path, out var at);
        if (e < 0) return Result(e);
        if (!P(r.Task).Files.HasFree()) return new Failed(Errno.EMFILE);
        OpenFile? file;
        using (DeviceOpen.For(P(r.Task))) e = sandbox.Vfs.Open(P(r.Task).Fs, at, r.Path, r.Flags, r.Mode, out file);
        if (e < 0) return Result(e);
        return InstallOpened(r.Task, file!, (r.Flags & OCloexec) != 0, sender);
    }

    private KernelReply Ioctl(IoctlFile r)
    {
        const uint FioNbio = 0x5421, FioClex = 0x5451, FioNclex = 0x5450, FioNread = 0x541B, FioAsync = 0x5452,
            FioQsize = 0x5460, FiGetBsz = 2;
        var files = P(r.Task).Files;
        var file = files.GetFile(r.Fd);
        // An O_PATH descriptor serves no ioctl (fdget skips it).
        if (file is null || file.IsPathOnly) return new Failed(Errno.EBADF);
        var mem = P(r.Task).Mm;
        switch (r.Request)
        {
            case FioQsize or FiGetBsz:
            {
                // do_vfs_ioctl: FIOQSIZE gives the bytes allocated to a file, directory or link; FIGETBSZ the block size.
                if (file.Stat(out var st) < 0) return new Failed(Errno.EIO);
                uint type = st.Mode & 0xF000;
                if (r.Request == FiGetBsz) return CopyOutInt(mem, r.Argument, st.BlkSize);
                if (type is not (0x8000 or 0x4000 or 0xA000)) return new Failed(Errno.ENOTTY);
                return mem.Write(r.Argument, BitConverter.GetBytes(st.Blocks * 512)) != Errno.None ? new Failed(Errno.EFAULT) : new Done(0);
            }
            case FioNread when !file.IsPathOnly && file.Location?.Inode.IsRegular == true:
            {
                // A regular file: the bytes from the position to the end (negative past it), as Linux's file_ioctl.
                if (file.Stat(out var st) < 0) return new Failed(Errno.EIO);
                var left = BitConverter.GetBytes((int)(st.Size - file.Seek(0, 1 /* SEEK_CUR */)));
                return mem.Write(r.Argument, left) != Errno.None ? new Failed(Errno.EFAULT) : new Done(0);
            }
            case FioClex or FioNclex:
                files.SetCloseOnExec(r.Fd, r.Request == FioClex);
                return new Done(0);
            case FioAsync:
            {
                var a = new byte[4];
                if (mem.Read(r.Argument, a) != Errno.None) return new Failed(Errno.EFAULT);
                var on = BitConverter.ToInt32(a) != 0;
                if (on != ((file.StatusFlags & OAsync) != 0)) SetAsync(file, r.Fd, on);
                return new Done(0);
            }
            case FioNbio:
            {
                var v = new byte[4];
                if (mem.Read(r.Argument, v) != Errno.None) return new Failed(Errno.EFAULT);
                file.StatusFlags = BitConverter.ToInt32(v) != 0 ? file.StatusFlags | ONonblock : file.StatusFlags & ~ONonblock;
                return new Done(0);
            }
        }
        if (FileIoctl(r, file) is { } fileReply) return fileReply;
        if (TerminalIoctl(r, file) is { } terminalReply) return terminalReply;
        // Terminal ioctls: the size of the argument is encoded by the request for these classic numbers.
        var (inSize, outSize) = r.Request switch
        {
            HostStdioFile.TCGETS => (0, 36),
            HostStdioFile.TCSETS or HostStdioFile.TCSETSW or HostStdioFile.TCSETSF => (36, 0),
            HostStdioFile.TIOCGWINSZ => (0, 8),
            HostStdioFile.TIOCSWINSZ => (8, 0),
            HostStdioFile.TIOCGPGRP or HostStdioFile.FIONREAD => (0, 4),
            HostStdioFile.TIOCSPGRP => (4, 0),
            _ => (0, 0),
        };
        var argIn = new byte[inSize];
        var argOut = new byte[outSize];
        if (inSize > 0 && mem.Read(r.Argument, argIn) != Errno.None) return new Failed(Errno.EFAULT);
        var result = file.Ioctl(r.Request, argIn, argOut);
        if (result < 0) return Result(result);
        if (outSize > 0 && mem.Write(r.Argument, argOut) != Errno.None) return new Failed(Errno.EFAULT);
        return new Done(result);
    }

    private KernelReply Fcntl(FcntlFile r)
    {
        var files = P(r.Task).Files;
        var entry = files.Get(r.Fd);
        if (entry is null) return new Failed(Errno.EBADF);
        // An O_PATH descriptor takes only the descriptor commands and F_GETFL (check_fcntl_cmd).
        if (entry.File.IsPathOnly && r.Command is not (FDupFd or FDupFdCloexec or FGetFd or FSetFd or FGetFl)) return new Failed(Errno.EBADF);
        switch (r.Command)
        {
            case FDupFd or FDupFdCloexec:
            {
                var min = (long)r.Argument;
                if (min < 0 || min >= files.Limit) return new Failed(Errno.EINVAL);
                entry.File.AddReference();
                var fd = files.Install(entry.File, r.Command == FDupFdCloexec, (int)min);
                if (fd < 0) entry.File.DropReference();
                return Result(fd);
            }
            case FGetFd:
                return new Done(entry.CloseOnExec ? FdCloexec : 0);
            case FSetFd:
                files.SetCloseOnExec(r.Fd, (r.Argument & FdCloexec) != 0);
                return new Done(0);
            case FGetFl:
                return new Done(entry.File.StatusFlags);
            case FSetFl:
            {
                const int settable = OAppend | ONonblock | ODirect | ONoatime | OAsync;
                // Turning O_NOATIME on is for the file's owner (or CAP_FOWNER), as setfl checks.
                var creds = P(r.Task).Fs.Creds;
                if (((int)r.Argument & ONoatime) != 0 && (entry.File.StatusFlags & ONoatime) == 0
                    && entry.File.Location is { } owned && !creds.IsRoot && creds.Fsuid != owned.Inode.Uid)
                    return new Failed(Errno.EPERM);
                // An append-only file's descriptors keep O_APPEND.
                if ((((int)r.Argument ^ entry.File.StatusFlags) & OAppend) != 0 && entry.File.Location?.Inode.IsAppendOnly == true)
                    return new Failed(Errno.EPERM);
                if (((int)r.Argument & ODirect) != 0 && !VirtualFileSystem.CanDirectIo(entry.File)) return new Failed(Errno.EINVAL);
                var wasAsync = (entry.File.StatusFlags & OAsync) != 0;
                entry.File.StatusFlags = (entry.File.StatusFlags & ~settable) | ((int)r.Argument & settable);
                var isAsync = ((int)r.Argument & OAsync) != 0;
                if (wasAsync != isAsync) SetAsync(entry.File, r.Fd, isAsync);
                return new Done(0);
            }
            case FGetPipeSz:
                return entry.File is PipeEnd p ? new Done(p.Pipe.Capacity) : new Failed(Errno.EBADF);
            case FSetPipeSz:
                return entry.File is PipeEnd q ? Result(q.Pipe.SetCapacity((uint)r.Argument, privileged: r.Task.Euid == 0)) : new Failed(Errno.EBADF);
            default:
                return FcntlMore(r, entry.File);
        }
    }

    private KernelReply Duplicate(DuplicateFd r)
    {
        var files = P(r.Task).Files;
        var entry = files.Get(r.OldFd);
        if (r.NewFd < 0)
        {
            if (entry is null) return new Failed(Errno.EBADF);
            entry.File.AddReference();
            var fd = files.Install(entry.File, false);
            if (fd < 0) entry.File.DropReference();
            return Result(fd);
        }
        if ((r.Flags & ~OCloexec) != 0 || r.OldFd == r.NewFd) return new Failed(Errno.EINVAL);
        if (entry is null) return new Failed(Errno.EBADF);
        if (r.NewFd >= files.Limit) return new Failed(Errno.EBADF);
        entry.File.AddReference();
        var old = files.Replace(r.NewFd, new FdEntry(entry.File, (r.Flags & OCloexec) != 0));
        if (old is not null) ClosedByProcess(r.Task, old.File);
        old?.File.DropReference();
        return new Done(r.NewFd);
    }

    /// <summary>A read or write that must wait: attempted now, parked on the file's readiness until it completes.</summary>
    private KernelReply? TryIo(ParkedCall call)
    {
        var (task, fd, buffer, count, offset, write) = call.Request switch
        {
            ReadFile r => (r.Task, r.Fd, r.Buffer, r.Count, r.Offset, false),
            WriteFile w => (w.Task, w.Fd, w.Buffer, w.Count, w.Offset, true),
            _ => throw new ArgumentException("not an I/O request"),
        };
        var process = P(task);
        if (process.IsExiting) return new Failed(Errno.EINTR);
        var file = process.Files.GetFile(fd);
        if (file is null) return new Failed(Errno.EBADF);
        if (process.Mm.GetSpan(buffer, count, !write, out var span) != Errno.None) return new Failed(Errno.EFAULT);
        var result = file.Transfer(span, offset, write);
        if (result != -(long)Errno.EAGAIN || file.Readiness is not { } queue) return Result(result);
        // Subscribed just now: try once more, so that a change between the attempt and the subscription is not lost.
        if (call.Watch(queue, write ? Poll.WriteWait : Poll.ReadWait))
        {
            result = file.Transfer(span, offset, write);
            if (result != -(long)Errno.EAGAIN) return Result(result);
        }
        if (!write && file.ReadDeadline(call.Started) is { } deadline)
        {
            if (Stopwatch.GetTimestamp() >= deadline) return new Done(0); // the wait ran out with nothing to read
            call.SetDeadline(deadline);
        }
        return null;
    }
}

/// <summary>The VFS actor's state, owned by the sandbox so that it survives a restart of the actor.</summary>
public sealed partial class VfsState
{
    /// <summary>Calls waiting for readiness or a timeout (reads, writes, poll, select, epoll_wait).</summary>
    public HashSet<ParkedCall> Parked { get; } = [];
}
