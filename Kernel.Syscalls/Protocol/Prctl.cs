namespace Kernel.Syscalls.Protocol;

/// <summary>A prctl option that reads or changes the caller's address space (PR_SET_MM, PR_GET_AUXV, PR_SET_VMA, MDWE, KSM).</summary>
public sealed record PrctlMm(IKernelTask Task, int Option, ulong Arg2, ulong Arg3, ulong Arg4, ulong Arg5) : MmRequest(Task);
