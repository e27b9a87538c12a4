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

    /// <summary>For a file mapping: the file offset of <see cref="Start"/>, and the file's device and inode (/proc/[pid]/maps).</summary>
    public ulong Offset { get; init; }
    public ulong Dev { get; init; }
    public ulong Ino { get; init; }
    /// <summary>mlock: VM_LOCKED (/proc VmLck and smaps Locked).</summary>
    public bool Locked { get; init; }
    /// <summary>A hugetlb mapping's page size (0: base pages): it splits, unmaps and changes protection only at that alignment.</summary>
    public ulong PageSize { get; init; }
    /// <summary>A private file mapping's file (address A shows its byte Base + A until written): what MREMAP_DONTUNMAP's old range reads again.</summary>
    public PrivateFile? PrivateFile { get; init; }
    /// <summary>prctl(PR_SET_VMA_ANON_NAME)'s name of an anonymous area: /proc/[pid]/maps shows [anon:NAME] (null: none).</summary>
    public string? AnonName { get; init; }
    /// <summary>mbind's policy for this area (null: the task's).</summary>
    public Kernel.Syscalls.MemPolicy? Policy { get; init; }

    /// <summary>The part [start, end) of this area; a file mapping's offset moves with its start.</summary>
    public Vma Slice(ulong start, ulong end) =>
        this with { Start = start, End = end, Offset = Ino == 0 ? Offset : Offset + (start - Start) };
}
