using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>unshare and setns: leaving and joining namespaces (and unsharing the descriptor table and filesystem context).</summary>
public static class Namespaces
{
    /// <summary>Every flag unshare(2) knows (ksys_unshare's check).</summary>
    private const ulong UnshareFlags = CloneFlags.Thread | CloneFlags.Fs | CloneFlags.NewNs | CloneFlags.Sighand | CloneFlags.Vm
        | CloneFlags.Files | CloneFlags.SysvSem | CloneFlags.NewUts | CloneFlags.NewIpc | CloneFlags.NewNet | CloneFlags.NewUser
        | CloneFlags.NewPid | CloneFlags.NewCgroup | CloneFlags.NewTime;

    [Syscall(97, "unshare", Support.Partial, "CLONE_FILES, CLONE_FS, CLONE_SYSVSEM, CLONE_THREAD/SIGHAND/VM (single-threaded callers) and new mount " +
        "(a copy of the mount table), UTS, IPC, network, cgroup and time namespaces (the last for the caller's children, with offsets set " +
        "through /proc/[pid]/timens_offsets), with CAP_SYS_ADMIN; /proc/[pid]/ns shows them. New PID and user namespaces are not " +
        "supported yet (EINVAL, as a Linux built without them).")]
    public static SyscallResult Unshare(ISyscallContext c)
    {
        ulong flags = c.Arg(0);
        if ((flags & ~UnshareFlags) != 0) return Errno.EINVAL;
        return SyscallResult.Send(new UnshareContext(c.Task, flags));
    }

    [Syscall(268, "setns", Support.Partial, "Joins the mount, UTS, IPC, network, cgroup or time namespace (one thread only: EUSERS) of a " +
        "/proc/[pid]/ns descriptor, or several of a pidfd's process, with CAP_SYS_ADMIN and nstype checks; the PID and user namespaces " +
        "are the initial ones only.")]
    public static SyscallResult SetNs(ISyscallContext c) => SyscallResult.Send(new JoinNamespace(c.Task, c.Int(0), c.Arg(1) & 0xffffffff));
}
