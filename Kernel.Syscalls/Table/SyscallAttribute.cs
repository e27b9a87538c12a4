namespace Kernel.Syscalls.Table;

/// <summary>How completely a syscall is implemented, in the vocabulary of gVisor's compatibility table.</summary>
public enum Support
{
    Full,
    Partial,
    Unimplemented,
}

/// <summary>
/// Declares one row of the syscall table beside its handler: the arm64 number, the name, the support level
/// and the note. The dispatch table, `kernel syscalls` and docs/syscalls.md are all generated from these.
/// A method may carry several (e.g. one ENOSYS stub for a family's unimplemented calls).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true, Inherited = false)]
public sealed class SyscallAttribute(int number, string name, Support support, string note = "") : Attribute
{
    public int Number { get; } = number;
    public string Name { get; } = name;
    public Support Support { get; } = support;
    public string Note { get; } = note;
}
