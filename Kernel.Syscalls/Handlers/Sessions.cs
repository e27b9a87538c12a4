using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>Sessions and process groups; the VFS actor serves them beside the terminal ioctls that depend on them.</summary>
public static partial class Sessions
{
    [Syscall(157, "setsid", Support.Full, "Fully supported: a new session and process group without a controlling terminal.")]
    public static SyscallResult SetSid(ISyscallContext c) => SyscallResult.Send(new CreateSession(c.Task));

    [Syscall(154, "setpgid", Support.Full, "Fully supported, with the EACCES (child has exec'd) and EPERM (other session, session leader) checks.")]
    public static SyscallResult SetPgid(ISyscallContext c) => SyscallResult.Send(new SetProcessGroup(c.Task, c.Int(0), c.Int(1)));
}
