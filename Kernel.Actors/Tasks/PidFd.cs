using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Tasks;

/// <summary>
/// A pidfd (pidfd_open): a descriptor that names one process. It polls readable once the process has exited,
/// and waitid(P_PIDFD) waits for that process. Always close-on-exec, as Linux makes it.
/// </summary>
public sealed class PidFdFile(KernelProcess target, int flags) : AnonymousFile(O_RDWR | (flags & O_NONBLOCK))
{
    public KernelProcess Target { get; } = target;

    public override string AnonymousName => "anon_inode:[pidfd]";
    public override WaitQueue Readiness => Target.ExitQueue;
    // pidfd_poll: readable once the thread group has exited; hung up too once the process has been reaped.
    public override int PollEvents() => !Target.IsExiting ? 0 : Target.IsReaped ? Poll.In | Poll.RdNorm | Poll.Hup : Poll.In | Poll.RdNorm;
    public override long Read(Span<byte> buffer) => -(long)Errno.EINVAL;
    public override long Write(ReadOnlySpan<byte> data) => -(long)Errno.EINVAL;

    /// <summary>pidfd_getfd: the target's open file, installed close-on-exec in the caller (ptrace's attach check).</summary>
    public static long GetFd(KernelTask caller, int pidfd, int targetFd)
    {
        if (caller.Process.Files.GetFile(pidfd) is not PidFdFile p) return -(long)Errno.EBADF;
        var target = p.Target;
        if (target.IsExiting) return -(long)Errno.ESRCH;
        if (!KernelObjects.MayInspect(caller, target)) return -(long)Errno.EPERM;
        if (target.Files.GetFile(targetFd) is not { } file) return -(long)Errno.EBADF;
        file.AddReference();
        var fd = caller.Process.Files.Install(file, closeOnExec: true);
        if (fd < 0) file.DropReference();
        return fd;
    }

    /// <summary>pidfd_open: <paramref name="pid"/> must name a process (a thread-group leader).</summary>
    public static long Open(KernelTask caller, int pid, int flags)
    {
        if ((flags & ~O_NONBLOCK) != 0 || pid <= 0) return -(long)Errno.EINVAL;
        var sandbox = caller.Process.Sandbox;
        var target = sandbox.FindProcess(pid);
        if (target is null) return sandbox.FindThread(pid) is null ? -(long)Errno.ESRCH : -(long)Errno.EINVAL;
        var file = new PidFdFile(target, flags);
        var fd = caller.Process.Files.Install(file, closeOnExec: true);
        if (fd < 0) file.DropReference();
        return fd;
    }
}
