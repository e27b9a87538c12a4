using Kernel.Syscalls.Abi;

namespace Kernel.Syscalls;

/// <summary>The view a handler has of the calling task: its arguments, its memory and its kernel state.</summary>
public interface ISyscallContext
{
    /// <summary>The arm64 syscall number (x8).</summary>
    int Number { get; }

    /// <summary>The raw argument registers x0..x5.</summary>
    ulong Arg(int index);

    /// <summary>The calling task's address space: every copy in or out checks the mapping (EFAULT).</summary>
    IGuestMemory Memory { get; }

    /// <summary>The calling task's kernel state, for fast paths that stay on the task's thread.</summary>
    IKernelTask Task { get; }
}

/// <summary>Copies between the kernel and a guest address space. Unmapped or protected addresses give EFAULT.</summary>
public interface IGuestMemory
{
    Errno Read(ulong address, Span<byte> destination);
    Errno Write(ulong address, ReadOnlySpan<byte> source);

    /// <summary>Reads a NUL-terminated string of at most <paramref name="maxLength"/> bytes (ENAMETOOLONG past it).</summary>
    Errno ReadCString(ulong address, int maxLength, out string value);
}

/// <summary>What fast-path handlers need to know about the calling task.</summary>
public interface IKernelTask
{
    int Tid { get; }
    int Pid { get; }
}
