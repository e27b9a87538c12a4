using System.Runtime.CompilerServices;
using Kernel.Platform;

namespace Kernel.Actors.Vfs;

/// <summary>
/// The pages of one file as MAP_SHARED mappings see them (Linux's address_space): a host file that the memory manager
/// maps into guest ranges, so that stores through any mapping, read(2) and write(2) all meet in the host's page cache.
/// Implemented by tmpfs files (a host memory file) and by files of host directories (the host file itself).
/// </summary>
public interface IFilePages : IFileBytes
{
    /// <summary>The file's length now, read without locks: pages from its page-rounded end on are past EOF (SIGBUS).</summary>
    long MappedLength { get; }

    /// <summary>Whether the host pages exist past the end of the file (a tmpfs host file covers whole mappings); else only up to it.</summary>
    bool CoversPastEnd { get; }

    /// <summary>
    /// Readies the pages for a mapping that reaches file offset <paramref name="end"/>; a negative errno refuses it. Called
    /// before the memory manager takes its lock (it may take the file's own).
    /// </summary>
    long Prepare(long end);

    /// <summary>
    /// Maps file bytes [offset, offset+length) at guest [guest, guest+length) of <paramref name="host"/>; shared with the file
    /// when <paramref name="writable"/> (a mapping that may write), else read-only pages that still follow the file.
    /// False when the host refused.
    /// </summary>
    bool MapInto(HostMemory host, ulong guest, ulong length, long offset, bool writable);

    /// <summary>Write-back for msync: MS_SYNC waits until the host file has the data.</summary>
    void Sync(HostMemory host, ulong guest, ulong length, bool wait);

    /// <summary>The address spaces that map the file, told when its length changes.</summary>
    MappingWatchers Watchers { get; }
}

/// <summary>A file's bytes as a private mapping copies them, read again where its pages move away (MREMAP_DONTUNMAP).</summary>
public interface IFileBytes
{
    /// <summary>Reads from <paramref name="offset"/>: the count, 0 at the end, or -errno.</summary>
    long Read(long offset, Span<byte> buffer);
}

/// <summary>Learns that a mapped file's length changed (pages past the end fault with SIGBUS; pages before it map again).</summary>
public interface IFileMappingWatcher
{
    void FileResized(IFilePages file, long oldLength, long newLength);
}

/// <summary>The address spaces that map one file, held weakly (an address space that goes away needs no telling).</summary>
public sealed class MappingWatchers
{
    private readonly ConditionalWeakTable<IFileMappingWatcher, object> _watchers = new();

    public void Add(IFileMappingWatcher watcher) => _watchers.TryAdd(watcher, this);

    /// <summary>Tells every watcher; called when the length changed (after a growth, before a host file shrinks).</summary>
    public void Resized(IFilePages file, long oldLength, long newLength)
    {
        if (oldLength == newLength) return;
        foreach (var (w, _) in _watchers) w.FileResized(file, oldLength, newLength);
    }
}
