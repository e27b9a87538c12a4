using Kernel.Platform;

namespace Kernel.Actors.Mm;

/// <summary>A virtual memory area: [Start, End) with one protection and one backing.</summary>
public sealed record Vma(ulong Start, ulong End, Prot Prot, bool Shared, string Name)
{
    public ulong Length => End - Start;
    public bool Contains(ulong address) => address >= Start && address < End;
}
