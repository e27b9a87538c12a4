namespace Kernel.Syscalls.Protocol;

/// <summary>
/// Requests of the terminal family, served by the VFS actor next to the terminal ioctls: sessions and process
/// groups, which decide who controls which terminal.
/// </summary>
public abstract record TerminalRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>setsid: replies the new session id.</summary>
public sealed record CreateSession(IKernelTask Task) : TerminalRequest(Task);

/// <summary>setpgid(pid, pgid).</summary>
public sealed record SetProcessGroup(IKernelTask Task, int Pid, int Pgid) : TerminalRequest(Task);
