using System.Text;
using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// The root filesystem family: extended attributes, mount/umount2/pivot_root/chroot, openat2 and fchmodat2.
public sealed partial class VfsActor
{
    private KernelReply? HandleRootFs(RootFsRequest request, IActorRef sender)
    {
        var vfs = sandbox.Vfs;
        var p = P(request.Task);
        switch (request)
        {
            case GetXattr r:
            {
                long e = XattrLocation(r.Task, r.Target, out var loc);
                if (e < 0) return Result(e);
                e = vfs.GetXattr(p.Fs, loc!, r.Name, out var value);
                return e < 0 ? Result(e) : new Bytes(value);
            }
            case ListXattr r:
            {
                long e = XattrLocation(r.Task, r.Target, out var loc);
                if (e < 0) return Result(e);
                e = vfs.ListXattr(p.Fs, loc!, out var names);
                if (e < 0) return Result(e);
                var bytes = new List<byte>();
                foreach (var n in names)
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(n));
                    bytes.Add(0);
                }
                return new Bytes(bytes.ToArray());
            }
            case SetXattr r:
            {
                long e = XattrLocation(r.Task, r.Target, out var loc);
                return Result(e < 0 ? e : vfs.SetXattr(p.Fs, loc!, r.Name, r.Value, r.Flags));
            }
            case RemoveXattr r:
            {
                long e = XattrLocation(r.Task, r.Target, out var loc);
                return Result(e < 0 ? e : vfs.RemoveXattr(p.Fs, loc!, r.Name));
            }
            case MountFilesystem r:
                // An mqueue mount shows the caller's IPC namespace's queues.
                return Result(vfs.Mount(p.Fs, r.Source, r.Target, r.Type, r.Flags, r.Data, HasWriters,
                    r.Type == "mqueue" ? MqueueOf(p) : null));
            case UnmountFilesystem r:
                return Result(vfs.Unmount(p.Fs, r.Target, r.Flags, InUse));
            case PivotRoot r:
            {
                long e = vfs.PivotRoot(p.Fs, r.NewRoot, r.PutOld, out var oldRoot, out var newRoot);
                if (e < 0) return Result(e);
                // Every task whose root or cwd was the old root now has the new one, as chroot_fs_refs does.
                foreach (var fs in sandbox.AllProcesses().Select(q => q.Fs).Distinct())
                {
                    if (fs.Root.Equals(oldRoot)) fs.Root = newRoot!;
                    if (fs.Cwd.Equals(oldRoot)) fs.Cwd = newRoot!;
                }
                return new Done(0);
            }
            case ChangeRoot r:
                return Result(vfs.ChangeRoot(p.Fs, null, r.Path));
            case OpenHow r:
                return OpenWithHow(r, sender);
            case ChmodAt r:
            {
                var e = EmptyPathAt(r.Task, r.DirFd, r.Path, (r.Flags & AtFlags.AT_EMPTY_PATH) != 0, out var at);
                return Result(e < 0 ? e : vfs.ChmodAt(p.Fs, at, r.Path, r.Mode, r.Flags));
            }
            default:
                return new Failed(Errno.ENOSYS);
        }
    }

    /// <summary>The file an xattr call names: fgetxattr & co. refuse O_PATH descriptors (EBADF); pipes and sockets have none.</summary>
    private long XattrLocation(IKernelTask task, XattrTarget target, out Location? loc)
    {
        loc = null;
        var p = P(task);
        if (target.Path is null)
        {
            var file = p.Files.GetFile(target.Fd);
            if (file is null || file.IsPathOnly) return -(long)Errno.EBADF;
            loc = file.Location;
            return loc is null ? -(long)Errno.EOPNOTSUPP : 0;
        }
        long r = sandbox.Vfs.Resolve(p.Fs, null, target.Path, target.Follow ? 0 : AtFlags.AT_SYMLINK_NOFOLLOW, out var l);
        loc = l;
        return r;
    }

    /// <summary>A mount is in use while a task has its root or cwd in it or a file open on it (umount2 then gives EBUSY).</summary>
    private bool InUse(Mount m) => sandbox.AllProcesses().Where(q => !q.IsExiting).Any(q =>
        ReferenceEquals(q.Fs.Root.Mount, m) || ReferenceEquals(q.Fs.Cwd.Mount, m) ||
        q.Files.All().Any(f => ReferenceEquals(f.Entry.File.Location?.Mount, m)));

    /// <summary>Files open for writing on a filesystem keep it from being remounted read-only (EBUSY).</summary>
    private bool HasWriters(Filesystem fs) => sandbox.AllProcesses().Where(q => !q.IsExiting).Any(q =>
        q.Files.All().Any(f => f.Entry.File.CanWrite && ReferenceEquals(f.Entry.File.Location?.Mount.Fs, fs)));

    /// <summary>openat2: RESOLVE_BENEATH and RESOLVE_IN_ROOT make the directory the root of the lookup.</summary>
    private KernelReply? OpenWithHow(OpenHow r, IActorRef sender)
    {
        var p = P(r.Task);
        var restrict = (ResolveFlags)r.Resolve;
        var ctx = p.Fs.Clone();
        ctx.Restrict = restrict;
        string path = r.Path;
        Location? at = null;
        bool scoped = (restrict & (ResolveFlags.Beneath | ResolveFlags.InRoot)) != 0;
        bool absolute = path.StartsWith('/');
        if (!absolute || (restrict & ResolveFlags.InRoot) != 0)
        {
            if (r.DirFd != Args.AtFdCwd)
            {
                var file = p.Files.GetFile(r.DirFd);
                if (file is null) return new Failed(Errno.EBADF);
                if (file.Location is null || !file.Location.IsDirectory) return new Failed(Errno.ENOTDIR);
                at = file.Location;
            }
            if (scoped) ctx.Root = at ?? ctx.Cwd;
            if (absolute)
            {
                // IN_ROOT: "/" is the directory itself.
                path = path.TrimStart('/');
                if (path.Length == 0) path = ".";
                at = ctx.Root;
            }
        }
        long e;
        OpenFile? opened;
        if (!p.Files.HasFree()) return new Failed(Errno.EMFILE);
        using (DeviceOpen.For(p)) e = sandbox.Vfs.Open(ctx, at, path, r.Flags, r.Mode, out opened);
        if (e < 0) return Result(e);
        return InstallOpened(r.Task, opened!, (r.Flags & OpenFlags.O_CLOEXEC) != 0, sender);
    }
}
