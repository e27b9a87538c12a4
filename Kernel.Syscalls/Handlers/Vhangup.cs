using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>vhangup: hang up the caller's controlling terminal, as login programs do before handing a terminal on.</summary>
public static class Vhangup
{
    [Syscall(58, "vhangup", Support.Full, "With CAP_SYS_TTY_CONFIG (EPERM otherwise): the caller's controlling terminal hangs up as TIOCVHANGUP " +
        "does (open files of a pty read end-of-file and fail writes with EIO, the session loses it, its leader gets SIGHUP); " +
        "the host's terminal itself is never hung up, only the sandbox's session on it. Without a controlling terminal, nothing happens.")]
    public static SyscallResult Call(ISyscallContext c) =>
        c.Task.Settings.Has(Capabilities.SysTtyConfig) ? SyscallResult.Send(new HangUpControllingTerminal(c.Task)) : Errno.EPERM;
}
