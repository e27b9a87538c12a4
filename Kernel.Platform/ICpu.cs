namespace Kernel.Platform;

/// <summary>
/// One guest address space's CPU: guest memory mappings plus the machinery that runs a thread's register
/// context until it traps. A process's threads are contexts run one at a time on one host thread (the brief
/// explains why: guest atomics stay atomic). Everything except <see cref="Interrupt"/> must be called from
/// the thread that calls <see cref="Run"/>, or while no Run is in progress.
/// </summary>
public interface ICpu : IDisposable
{
    /// <summary>Makes guest [address, address+length) reach host memory at <paramref name="host"/>.</summary>
    void Map(ulong address, ulong length, Prot prot, nint host);
    void Unmap(ulong address, ulong length);
    void Protect(ulong address, ulong length, Prot prot);

    /// <summary>Drops translated code for a range: call before code there is unmapped or changed, and after new code appears.</summary>
    void InvalidateCode(ulong address, ulong length);

    /// <summary>A fresh user-mode (EL0) register context, all registers zero.</summary>
    ICpuContext NewContext();

    /// <summary>A copy of <paramref name="source"/> (for a new thread).</summary>
    ICpuContext CloneContext(ICpuContext source);

    /// <summary>Runs the context until it traps; its registers are kept in the context.</summary>
    Trap Run(ICpuContext context);

    /// <summary>Whether <see cref="Step"/> works (a debugger's PTRACE_SINGLESTEP).</summary>
    bool CanStep => false;

    /// <summary>
    /// Runs one instruction of the context: <see cref="TrapKind.Step"/> once it completed, or the trap it made
    /// instead (a syscall, a fault, an undefined instruction, a breakpoint), or <see cref="TrapKind.Interrupted"/>.
    /// </summary>
    Trap Step(ICpuContext context) => throw new NotSupportedException("this CPU cannot single-step");

    /// <summary>Thread-safe: makes a running <see cref="Run"/> return (at the next translated block) with <see cref="TrapKind.Interrupted"/>.</summary>
    void Interrupt();
}

/// <summary>A thread's saved register state on one <see cref="ICpu"/>.</summary>
public interface ICpuContext : IDisposable
{
    ulong GetX(int index);
    void SetX(int index, ulong value);
    ulong Pc { get; set; }
    ulong Sp { get; set; }
    ulong Tpidr { get; set; }

    /// <summary>Every register, as plain data: for fork, signal frames and checkpoints.</summary>
    CpuState Capture();
    void Load(CpuState state);
}

/// <summary>The architectural user-visible register state of an arm64 thread.</summary>
public sealed record CpuState(ulong[] X, ulong Sp, ulong Pc, ulong Pstate, ulong Tpidr, ulong Tpidrro, UInt128[] V, uint Fpcr, uint Fpsr)
{
    public static CpuState Empty() => new(new ulong[31], 0, 0, 0, 0, 0, new UInt128[32], 0, 0);
}

public enum TrapKind
{
    /// <summary><c>svc #0</c>; PC is past the instruction; x8 holds the number.</summary>
    Syscall,
    /// <summary>An undefined or privileged instruction; PC is at it.</summary>
    Undefined,
    /// <summary><c>brk</c>; PC is at it.</summary>
    Breakpoint,
    /// <summary>An access to an unmapped or protected address.</summary>
    MemoryFault,
    /// <summary><see cref="ICpu.Interrupt"/> was called (preemption or a kernel event).</summary>
    Interrupted,
    /// <summary>Anything else the CPU could not execute.</summary>
    Fault,
    /// <summary>An access the CPU requires to be aligned (exclusives, acquire/release) was not; Address is it.</summary>
    Alignment,
    /// <summary><see cref="ICpu.Step"/> ran its instruction; PC is at the next one.</summary>
    Step,
}

public enum MemoryAccess
{
    None,
    Read,
    Write,
    Execute,
}

/// <summary>Why <see cref="ICpu.Run"/> returned.</summary>
public readonly record struct Trap(TrapKind Kind, ulong Pc, ulong Address = 0, MemoryAccess Access = MemoryAccess.None, bool Unmapped = true, uint Code = 0);
