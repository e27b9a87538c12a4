using Kernel.Platform;

namespace Kernel.Actors.Loader;

/// <summary>The guest's filesystem as the exec'ing task sees it.</summary>
public interface IExecutableSource
{
    /// <summary>Reads a whole regular file at a guest path (resolving symlinks inside the guest root). Returns 0 or a negative errno (ENOENT, EACCES, EISDIR...).</summary>
    long ReadFile(string guestPath, out byte[] contents);
}

/// <summary>
/// A fresh, empty guest address space. The loader maps every range once (never over an existing mapping),
/// maps it writable while it fills it, then drops write with <see cref="Protect"/> where the segment is read-only.
/// After a <see cref="LoadException"/> the target holds a partial image and must be discarded.
/// </summary>
public interface ILoadTarget
{
    /// <summary>Where an ET_DYN main executable is placed (page aligned).</summary>
    ulong PieBase { get; }

    /// <summary>Where the ELF interpreter (ld.so) is placed (page aligned).</summary>
    ulong InterpreterBase { get; }

    /// <summary>Highest address of the main stack (exclusive), page aligned.</summary>
    ulong StackTop { get; }

    /// <summary>Bytes to map for the stack below <see cref="StackTop"/> (e.g. 8 MiB), page aligned.</summary>
    ulong StackSize { get; }

    /// <summary>RLIMIT_STACK's soft value at exec, which bounds the arguments and environment (bprm_stack_limits).</summary>
    ulong StackLimit => StackSize;

    /// <summary>Maps zero-filled private memory at exactly [address, address+length) (page aligned).</summary>
    void Map(ulong address, ulong length, Prot prot);

    /// <summary>Copies bytes into mapped memory.</summary>
    void Write(ulong address, ReadOnlySpan<byte> data);

    /// <summary>Changes the protection of mapped pages.</summary>
    void Protect(ulong address, ulong length, Prot prot);
}
