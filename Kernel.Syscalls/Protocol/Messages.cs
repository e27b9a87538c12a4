using Kernel.Syscalls.Abi;

namespace Kernel.Syscalls.Protocol;

/// <summary>A request to a kernel subsystem. The dispatcher routes it by its subsystem.</summary>
public abstract record KernelRequest
{
    public abstract Subsystem Subsystem { get; }
}

/// <summary>The kernel's subsystems, each served by one actor under the kernel supervisor.</summary>
public enum Subsystem
{
    Vfs,
    Mm,
    Task,
    Signal,
    Ipc,
    Net,
}

/// <summary>A reply to a <see cref="KernelRequest"/>.</summary>
public abstract record KernelReply;

/// <summary>The call completed with this value for x0.</summary>
public sealed record Done(long Value) : KernelReply;

/// <summary>The call failed with this errno.</summary>
public sealed record Failed(Errno Errno) : KernelReply;
