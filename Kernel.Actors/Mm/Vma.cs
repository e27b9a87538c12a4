using Kernel.Platform;

namespace Kernel.Actors.Mm;

/// <summary>
/// A virtual memory area: [Start, End) with one protection and one backing. <paramref name="Backing"/> is set for
/// a MAP_SHARED mapping of a tmpfs file, whose pages are the file's own.
/// </summary>
public sealed record Vma(ulong Start, ulong End, Prot Prot, bool Shared, string Name, MappedFile? Backing = null)
{
    public ulong Length => End - Start;
    public bool Contains(ulong address) => address >= Start && address < End;
}
