using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// The terminal the kernel was started on, when its standard input, output or error is one: the first process's
/// controlling terminal, so /dev/tty and the job-control ioctls work for interactive programs. Its line discipline
/// stays the host's; only the session and foreground group are the sandbox's own.
/// </summary>
public sealed class HostTerminal(int hostFd) : Terminal
{
    /// <summary>A new description of the host terminal for /dev/tty (a dup of the kernel's own descriptor).</summary>
    public override long OpenAgain(Location location, int flags, out OpenFile? file)
    {
        file = null;
        var e = HostStdioFile.FromHostFd(hostFd, flags & OpenFlags.StatusFlagsMask, out var stdio);
        if (e < 0) return e;
        stdio!.Terminal = this;
        file = stdio;
        return 0;
    }
}
