using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// unshare and setns. They run here because a new mount namespace copies the mount table, which this actor owns.
public sealed partial class VfsActor
{
    /// <summary>The namespaces that can be made or joined: mount, UTS, IPC, network, cgroup, time.</summary>
    private const ulong SupportedNamespaces = CloneFlags.NewNs | CloneFlags.NewUts | CloneFlags.NewIpc | CloneFlags.NewNet | CloneFlags.NewCgroup
        | CloneFlags.NewTime;
    private const ulong AllNamespaces = SupportedNamespaces | CloneFlags.NewPid | CloneFlags.NewUser;

    private KernelReply HandleNamespaces(NamespaceRequest request) => request switch
    {
        UnshareContext r => Result(Unshare(r)),
        JoinNamespace r => Result(Join(r)),
        CopyMountNamespace r => new MountNamespaceCopied(CopyMounts(P(r.Task).Fs.Clone())),
        _ => new Failed(Errno.ENOSYS),
    };

    /// <summary>ksys_unshare, in Linux's order: implied flags, the thread checks, permission, then the copies.</summary>
    private long Unshare(UnshareContext r)
    {
        var p = P(r.Task);
        ulong flags = r.Flags;
        if ((flags & CloneFlags.NewUser) != 0) flags |= CloneFlags.Thread | CloneFlags.Fs;
        if ((flags & CloneFlags.NewNs) != 0) flags |= CloneFlags.Fs;
        if ((flags & (CloneFlags.NewPid | CloneFlags.NewUser)) != 0) return -(long)Errno.EINVAL;
        // A thread group, shared signal handlers or a shared address space cannot be left by one thread.
        if ((flags & (CloneFlags.Thread | CloneFlags.Sighand | CloneFlags.Vm)) != 0 && p.Threads.Count > 1) return -(long)Errno.EINVAL;
        if ((flags & SupportedNamespaces) != 0 && !r.Task.Settings.Has(Capabilities.SysAdmin)) return -(long)Errno.EPERM;
        var others = sandbox.AllProcesses().Where(q => !ReferenceEquals(q, p) && q.ExitStatus is null).ToList();
        if ((flags & CloneFlags.Fs) != 0 && others.Any(q => ReferenceEquals(q.Fs, p.Fs))) p.Fs = p.Fs.Clone();
        // The shared table keeps its references for the others; the copy takes its own.
        if ((flags & CloneFlags.Files) != 0 && others.Any(q => ReferenceEquals(q.Files, p.Files))) p.Files = p.Files.Clone();
        if ((flags & CloneFlags.NewNs) != 0) CopyMounts(p.Fs);
        p.Namespaces = p.Namespaces.With(flags);
        // CLONE_SYSVSEM (and a new IPC namespace, whose sets the old adjustments cannot name) is exit_sem.
        if ((flags & (CloneFlags.SysvSem | CloneFlags.NewIpc)) != 0) ((KernelTask)r.Task).LeaveSemUndo();
        return 0;
    }

    /// <summary>Moves <paramref name="fs"/> into a copy of its mount namespace; returns it.</summary>
    private FsContext CopyMounts(FsContext fs)
    {
        // The copy lives on through its mounts, which the moved root and cwd refer to.
        sandbox.Vfs.NamespaceOf(fs).Copy(out var copies);
        fs.Root = MountNamespace.Translate(fs.Root, copies);
        fs.Cwd = MountNamespace.Translate(fs.Cwd, copies);
        return fs;
    }

    /// <summary>setns: a namespace file of the expected kind (nstype 0: any), or a pidfd with the kinds to take from its process.</summary>
    private long Join(JoinNamespace r)
    {
        var p = P(r.Task);
        var file = p.Files.GetFile(r.Fd);
        if (file is null) return -(long)Errno.EBADF;
        List<object> targets = [];
        if (file is NsFile ns)
        {
            ulong kind = KindFlag(ns.Node.Target);
            if (r.NsType != 0 && r.NsType != kind) return -(long)Errno.EINVAL;
            targets.Add(ns.Node.Target);
        }
        else if (file is PidFdFile pidfd)
        {
            if (r.NsType == 0 || (r.NsType & ~AllNamespaces) != 0) return -(long)Errno.EINVAL;
            var target = pidfd.Target;
            if (target.ExitStatus is not null) return -(long)Errno.ESRCH;
            var set = target.Namespaces;
            // The process's own namespaces, not the ones for its children.
            foreach (var (_, n) in set.Entries().Where(e => !e.Name.EndsWith("_for_children", StringComparison.Ordinal)))
                if ((r.NsType & n.CloneFlag) != 0) targets.Add(n);
            if ((r.NsType & CloneFlags.NewNs) != 0 && target.Fs.Root.Mount.Namespace is { } mnt) targets.Add(mnt);
        }
        else return -(long)Errno.EINVAL;
        if (!r.Task.Settings.Has(Capabilities.SysAdmin)) return -(long)Errno.EPERM;
        foreach (var target in targets)
        {
            switch (target)
            {
                case MountNamespace mnt:
                    // mntns_install: the caller's root and cwd move to the namespace's root; a shared context cannot.
                    if (p.Threads.Count > 1) return -(long)Errno.EINVAL;
                    var root = mnt.TopOf(mnt.Root.RootLocation);
                    p.Fs.Root = root;
                    p.Fs.Cwd = root;
                    break;
                case FixedNamespace { Kind: "user" }:
                    return -(long)Errno.EINVAL; // a task cannot re-enter its own user namespace
                case TimeNamespace t:
                    // timens_install: one thread only (the clocks are the whole process's); entering freezes the offsets.
                    if (p.Threads.Count > 1) return -(long)Errno.EUSERS;
                    t.Frozen = true;
                    p.Namespaces = p.Namespaces.Join(t);
                    break;
                case Namespace n:
                    if (n is IpcNamespace) ((KernelTask)r.Task).LeaveSemUndo(); // ipcns_install: exit_sem
                    p.Namespaces = p.Namespaces.Join(n);
                    break;
            }
        }
        return 0;
    }

    private static ulong KindFlag(object ns) => ns switch
    {
        MountNamespace => CloneFlags.NewNs,
        Namespace n => n.CloneFlag,
        _ => 0,
    };
}
