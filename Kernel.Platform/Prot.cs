namespace Kernel.Platform;

/// <summary>Page protection bits, with Linux's PROT_* values.</summary>
[Flags]
public enum Prot
{
    None = 0,
    Read = 1,
    Write = 2,
    Exec = 4,
}
