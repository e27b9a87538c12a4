namespace Kernel.Syscalls.Protocol;

/// <summary>A request for the MM actor. The calling process runs nothing until it is answered.</summary>
public abstract record MmRequest(IKernelTask Task) : KernelRequest
{
    public override Subsystem Subsystem => Subsystem.Mm;
}

public sealed record MapMemory(IKernelTask Task, ulong Address, ulong Length, int Prot, int Flags, int Fd, long Offset) : MmRequest(Task);
public sealed record UnmapMemory(IKernelTask Task, ulong Address, ulong Length) : MmRequest(Task);
public sealed record ProtectMemory(IKernelTask Task, ulong Address, ulong Length, int Prot) : MmRequest(Task);
public sealed record SetBreak(IKernelTask Task, ulong Address) : MmRequest(Task);
public sealed record AdviseMemory(IKernelTask Task, ulong Address, ulong Length, int Advice) : MmRequest(Task);
public sealed record RemapMemory(IKernelTask Task, ulong OldAddress, ulong OldLength, ulong NewLength, int Flags, ulong NewAddress) : MmRequest(Task);
