using Kernel.Platform;

namespace Kernel.Actors.Loader;

/// <summary>One range the loader mapped, for the memory manager's VMA list and /proc/pid/maps.</summary>
/// <param name="Label">The file path for file-backed ranges, "[stack]" for the stack, "" for anonymous bss.</param>
/// <param name="FilePath">The file this range maps, or null when anonymous.</param>
/// <param name="FileOffset">File offset of <paramref name="Start"/> when file-backed.</param>
public sealed record VmaInfo(ulong Start, ulong End, Prot Prot, string Label, string? FilePath = null, ulong FileOffset = 0)
{
    public ulong Length => End - Start;
}

/// <summary>One auxiliary vector entry as written on the initial stack.</summary>
public readonly record struct AuxEntry(ulong Type, ulong Value);

/// <summary>The loaded image: where to start the first thread and what the address space now holds.</summary>
/// <param name="Entry">PC of the first instruction (the interpreter's entry when there is one).</param>
/// <param name="StackPointer">Initial SP, 16-byte aligned, pointing at argc.</param>
/// <param name="BrkStart">Page-aligned end of the main executable's highest segment.</param>
/// <param name="LoadBias">Offset added to the main executable's addresses (0 for ET_EXEC).</param>
/// <param name="InterpreterBase">Where the interpreter was loaded (AT_BASE), 0 without one.</param>
/// <param name="ExecutablePath">Guest path of the ELF file run as the main program (after #! resolution).</param>
/// <param name="Argv">The final argv written on the stack (rewritten for scripts).</param>
/// <param name="Mappings">Everything mapped, sorted by address.</param>
public sealed record LoadResult(
    ulong Entry,
    ulong StackPointer,
    ulong BrkStart,
    ulong LoadBias,
    ulong InterpreterBase,
    string ExecutablePath,
    IReadOnlyList<string> Argv,
    IReadOnlyList<VmaInfo> Mappings)
{
    /// <summary>The path exec was called with (AT_EXECFN); differs from <see cref="ExecutablePath"/> for scripts.</summary>
    public string ExecFn { get; init; } = "";

    /// <summary>The PT_INTERP path, or null for static programs.</summary>
    public string? InterpreterPath { get; init; }

    /// <summary>The main program's own entry point (AT_ENTRY).</summary>
    public ulong ProgramEntry { get; init; }

    /// <summary>Address of the main program's headers in memory (AT_PHDR).</summary>
    public ulong PhdrAddress { get; init; }

    /// <summary>PT_GNU_STACK asked for an executable stack.</summary>
    public bool ExecutableStack { get; init; }

    /// <summary>Lowest address of the stack mapping.</summary>
    public ulong StackBottom { get; init; }

    /// <summary>The argv strings' range on the stack (Linux mm->arg_start/arg_end, for /proc/pid/cmdline).</summary>
    public ulong ArgStart { get; init; }
    public ulong ArgEnd { get; init; }

    /// <summary>The envp strings' range on the stack (Linux mm->env_start/env_end, for /proc/pid/environ).</summary>
    public ulong EnvStart { get; init; }
    public ulong EnvEnd { get; init; }

    /// <summary>The auxiliary vector as written, without the terminating AT_NULL (for /proc/pid/auxv).</summary>
    public IReadOnlyList<AuxEntry> Auxv { get; init; } = [];
}
