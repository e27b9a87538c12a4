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

/// <summary>mbind over a checked, page-aligned range: EFAULT where it is not mapped.</summary>
public sealed record BindMemory(IKernelTask Task, ulong Start, ulong End, MemPolicy? Policy) : MmRequest(Task);

/// <summary>get_mempolicy(MPOL_F_ADDR): the policy of the area at an address (EFAULT where nothing is mapped).</summary>
public sealed record QueryMemPolicy(IKernelTask Task, ulong Address) : MmRequest(Task);

/// <summary>The answer to <see cref="QueryMemPolicy"/>.</summary>
public sealed record MemPolicyFound(MemPolicy? Policy) : KernelReply;

/// <summary>move_pages of the caller (or another process, by pid 0 meaning the caller): per page, 0, -EFAULT or -ENOENT.</summary>
public sealed record PageStatus(IKernelTask Task, int Pid, ulong[] Pages) : MmRequest(Task);

/// <summary>mlock/mlock2 (Lock true, Flags MLOCK_ONFAULT) and munlock.</summary>
public sealed record LockMemory(IKernelTask Task, ulong Address, ulong Length, bool Lock, int Flags) : MmRequest(Task);

/// <summary>mlockall (Flags MCL_*) and munlockall (Unlock).</summary>
public sealed record LockAllMemory(IKernelTask Task, int Flags, bool Unlock) : MmRequest(Task);

/// <summary>mincore: the residency vector of [Address, Address+Length) to Vector.</summary>
public sealed record QueryResidency(IKernelTask Task, ulong Address, ulong Length, ulong Vector) : MmRequest(Task);

/// <summary>msync.</summary>
public sealed record SyncMemory(IKernelTask Task, ulong Address, ulong Length, int Flags) : MmRequest(Task);
