using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors;

// File leases (F_SETLEASE/F_GETLEASE): the fcntl commands, and the breaks an open starts. An open that conflicts with
// a lease signals the holder and waits, parked, until the holder unlocks or downgrades or the lease-break time ends
// (O_NONBLOCK: EWOULDBLOCK at once, the break still started).
public sealed partial class VfsActor
{
    private const int FSetLease = 1024, FGetLease = 1025, FNotify = 1026;
    /// <summary>si_code POLL_MSG and the band Linux's kill_fasync gives a lease break.</summary>
    private const int PollMsg = 3, LeaseBand = Poll.In | 0x40 /* POLLRDNORM */ | 0x400 /* POLLMSG */;

    /// <summary>An open waiting for the leases it breaks.</summary>
    private sealed record WaitLeaseBreak(IKernelTask Task, VfsRequest Request) : FdIoRequest(Task);

    private KernelReply FcntlLease(FcntlFile r, OpenFile file)
    {
        if (r.Command == FGetLease) return new Done(State.Leases.TypeOf(file));
        int type = (int)r.Argument;
        if (type is not (Leases.Read or Leases.Write or Leases.Unlock)) return new Failed(Errno.EINVAL);
        if (file.Location is not { Inode.IsRegular: true } loc) return new Failed(Errno.EINVAL);
        var process = P(r.Task);
        var creds = process.Fs.Creds;
        if (creds.Fsuid != loc.Inode.Uid && !r.Task.Settings.Has(Capabilities.Lease)) return new Failed(Errno.EACCES);
        if (type == Leases.Unlock) return Result(State.Leases.Unset(file));
        long e = State.Leases.Set(file, r.Fd, type, loc.Inode.IsOpenForWrite, sandbox.Vfs.Notify.OpenCount(loc.Inode));
        // lease_setup: break signals go to the process that took the lease.
        if (e == 0) file.SignalOwner = (FOwnerPid, process.Pid);
        return Result(e);
    }

    /// <summary>
    /// F_NOTIFY (dnotify): signals on changes inside a directory, to the caller's process; 0 (or DN_MULTISHOT alone)
    /// removes the caller's registration.
    /// </summary>
    private KernelReply Dnotify(FcntlFile r, OpenFile file)
    {
        var process = P(r.Task);
        uint arg = (uint)r.Argument;
        if ((arg & ~DnotifyMark.DnMultiShot) == 0)
        {
            sandbox.Vfs.Notify.FlushDnotify(file, process.Files);
            return new Done(0);
        }
        if (file.Location is not { IsDirectory: true } dir) return new Failed(Errno.ENOTDIR);
        var notify = sandbox.Vfs.Notify;
        notify.DnotifySignal ??= mark => SendIoSignal(mark.File, mark.Fd, LeaseBand, PollMsg);
        notify.SetDnotify(dir.Inode, file, process.Files, r.Fd, arg);
        file.SignalOwner = (FOwnerPid, process.Pid);
        return new Done(0);
    }

    /// <summary>
    /// Runs an open or a truncate(2), unless the file has leases it must break first: then the breaks start and the call
    /// parks (null), or an O_NONBLOCK open fails with EWOULDBLOCK.
    /// </summary>
    private KernelReply? WithLeasesBroken(VfsRequest r, IActorRef sender)
    {
        if (!State.Leases.Any || LeaseTarget(r) is not { } target) return Proceed(r, sender);
        var (blocked, _) = BreakLeases(r.Task, target);
        if (!blocked) return Proceed(r, sender);
        if (target.NonBlocking) return new Failed(Errno.EWOULDBLOCK);
        return Start(new ParkedCall(new WaitLeaseBreak(r.Task, r), sender, Self, null));
    }

    private KernelReply? Proceed(VfsRequest r, IActorRef sender) => r switch
    {
        OpenFileAt open => OpenNow(open, sender),
        TruncateFile truncate => TruncateNow(truncate),
        _ => throw new ArgumentException($"{r.GetType().Name} breaks no lease"),
    };

    /// <summary>The file a call may break leases of: an open (not O_PATH) or truncate(2) by path.</summary>
    private readonly record struct LeaseTargetOf(int DirFd, string Path, bool Write, bool NoFollow, bool NonBlocking);

    private static LeaseTargetOf? LeaseTarget(VfsRequest r) => r switch
    {
        OpenFileAt o when (o.Flags & O_PATH) == 0 => new(o.DirFd, o.Path, (o.Flags & O_ACCMODE) != O_RDONLY || (o.Flags & O_TRUNC) != 0,
            (o.Flags & O_NOFOLLOW) != 0, (o.Flags & O_NONBLOCK) != 0),
        TruncateFile { Path: { } path } => new(Args.AtFdCwd, path, true, false, false),
        _ => null,
    };

    private KernelReply? TryLeaseOpen(ParkedCall call, WaitLeaseBreak w)
    {
        if (P(w.Task).IsExiting) return new Failed(Errno.EINTR);
        var target = LeaseTarget(w.Request)!.Value;
        var (blocked, deadline) = BreakLeases(w.Task, target);
        if (blocked)
        {
            // Look again once subscribed, so that an unlock between the check and the subscription is not lost.
            if (call.Watch(State.Leases.Changed, 0)) (blocked, deadline) = BreakLeases(w.Task, target);
            if (blocked)
            {
                call.SetDeadline(deadline);
                return null;
            }
        }
        return Proceed(w.Request, call.Sender);
    }

    /// <summary>Starts (and signals) or forces the breaks a call makes on its file; whether it must still wait.</summary>
    private (bool Blocked, long Deadline) BreakLeases(IKernelTask task, LeaseTargetOf target)
    {
        if (DirAt(task, target.DirFd, target.Path, out var at) < 0) return (false, 0);
        int follow = target.NoFollow ? AtFlags.AT_SYMLINK_NOFOLLOW : 0;
        if (sandbox.Vfs.Resolve(P(task).Fs, at, target.Path, follow, out var loc) < 0 || !loc.Inode.IsRegular) return (false, 0);
        var started = new List<Leases.Lease>();
        var result = State.Leases.Break(loc.Inode, target.Write, started);
        foreach (var lease in started) SendIoSignal(lease.File, lease.Fd, LeaseBand, PollMsg);
        return result;
    }
}
