using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// chmod, chown, utimensat and mknodat.
public sealed partial class VfsActor
{
    private const int AtEmptyPathFlag = 0x1000;

    private KernelReply HandleAttributes(AttributeRequest request)
    {
        var vfs = sandbox.Vfs;
        switch (request)
        {
            case ChangeMode r:
                return OnTarget(r.Task, r.DirFd, r.Path, r.AtFlags, (ctx, loc) => vfs.SetMode(ctx, loc, r.Mode));
            case ChangeOwner r:
                return OnTarget(r.Task, r.DirFd, r.Path, r.AtFlags, (ctx, loc) => vfs.SetOwner(ctx, loc, r.Uid, r.Gid));
            case SetFileTimes r:
                return OnTarget(r.Task, r.DirFd, r.Path, r.AtFlags, (ctx, loc) => vfs.SetTimes(ctx, loc,
                    r.Atime is { } a ? new Timespec(a.Sec, a.Nsec) : null,
                    r.Mtime is { } m ? new Timespec(m.Sec, m.Nsec) : null, r.Explicit), allowPathOnly: true);
            case MakeNodeAt r:
                return WithDir(r.Task, r.DirFd, r.Path, at => vfs.MakeNode(P(r.Task).Fs, at, r.Path, r.Mode, r.Device));
            default:
                return new Failed(Errno.ENOSYS);
        }
    }

    /// <summary>
    /// The file a chmod/chown/utimens call acts on: the fd itself (no path, or an empty one with AT_EMPTY_PATH),
    /// else the path resolved from the dirfd. An O_PATH descriptor cannot be changed through (EBADF), as in Linux,
    /// except by utimensat.
    /// </summary>
    private KernelReply OnTarget(Kernel.Syscalls.IKernelTask task, int dirFd, string? path, int atFlags,
        Func<FsContext, Location, long> op, bool allowPathOnly = false)
    {
        var ctx = P(task).Fs;
        if (path is null || (path.Length == 0 && (atFlags & AtEmptyPathFlag) != 0))
        {
            var file = P(task).Files.GetFile(dirFd);
            if (file is null) return new Failed(Errno.EBADF);
            if (file.IsPathOnly && !allowPathOnly && path is null) return new Failed(Errno.EBADF);
            if (file.Location is null) return new Failed(Errno.EPERM);
            return Result(op(ctx, file.Location));
        }
        var e = DirAt(task, dirFd, path, out var at);
        if (e < 0) return Result(e);
        e = sandbox.Vfs.Resolve(ctx, at, path, atFlags, out var loc);
        return Result(e < 0 ? e : op(ctx, loc));
    }
}
