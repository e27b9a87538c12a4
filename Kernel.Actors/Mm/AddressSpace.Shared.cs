using Kernel.Platform;

namespace Kernel.Actors.Mm;

/// <summary>
/// Learns how many guest mappings use its pages, as a Linux file learns it through the references its VMAs hold
/// (an io_uring instance lives while a mapping of its rings does, even after its last descriptor is closed).
/// Called by the MM actor, by fork and by the teardown of an address space.
/// </summary>
public interface ISharedMappingOwner
{
    void MappingAdded();
    void MappingRemoved();
}

/// <summary>A special file whose mmap maps kernel-owned pages (io_uring) instead of copying file contents.</summary>
public interface ISharedPagesFile
{
    /// <summary>
    /// Checks an mmap at <paramref name="offset"/> of <paramref name="length"/> bytes before an address is chosen
    /// and names the pages to map; a negative errno refuses it.
    /// </summary>
    long MapPages(long offset, ulong length, out SharedPagesMapping? mapping);
}

/// <summary>What a <see cref="ISharedPagesFile"/> maps: at most <see cref="Length"/> bytes of <see cref="Pages"/> from <see cref="Offset"/> on.</summary>
public sealed record SharedPagesMapping(SharedPages Pages, ulong Offset, ulong Length, string Name, ISharedMappingOwner? Owner);

/// <summary>Part of an address space that shows kernel-owned shared pages.</summary>
public sealed record SharedRange(ulong Start, ulong End, SharedPages Pages, ulong Offset, ISharedMappingOwner? Owner);

public sealed partial class AddressSpace
{
    private readonly List<SharedRange> _shared = [];

    /// <summary>Raised once when the address space goes away (exit, exec), for state tied to it (AIO contexts).</summary>
    public event Action<AddressSpace>? Disposing;

    public IReadOnlyList<SharedRange> SharedRanges => _shared;

    /// <summary>
    /// Maps <paramref name="length"/> bytes at exactly <paramref name="address"/>, replacing what was there: the first
    /// <paramref name="available"/> of them are <paramref name="pages"/> from <paramref name="offset"/> on, the rest
    /// ordinary zeroed memory (where Linux would fault).
    /// </summary>
    public void MapSharedPages(ulong address, ulong length, Prot prot, string name, SharedPages pages, ulong offset, ulong available, ISharedMappingOwner? owner)
    {
        MapFixed(address, length, prot, true, name);
        var shared = Math.Min(length, PageUp(Math.Min(available, offset < pages.Size ? pages.Size - offset : 0)));
        if (shared == 0) return;
        Host.MapShared(address, shared, pages, offset);
        _shared.Add(new SharedRange(address, address + shared, pages, offset, owner));
        owner?.MappingAdded();
    }

    /// <summary>
    /// Before [address, address+length) is unmapped or replaced: private zero pages go back under the shared pieces
    /// in it, and each owner hears of the mappings it lost (or gained, when one is split in two).
    /// </summary>
    private void ReleaseShared(ulong address, ulong length)
    {
        var end = address + length;
        for (var i = 0; i < _shared.Count; i++)
        {
            var r = _shared[i];
            if (r.End <= address || r.Start >= end) continue;
            _shared.RemoveAt(i);
            var cutStart = Math.Max(r.Start, address);
            var cutEnd = Math.Min(r.End, end);
            Host.MapPrivate(cutStart, cutEnd - cutStart);
            var pieces = 0;
            if (r.Start < cutStart)
            {
                _shared.Insert(i++, r with { End = cutStart });
                pieces++;
            }
            if (r.End > cutEnd)
            {
                _shared.Insert(i++, r with { Start = cutEnd, Offset = r.Offset + (cutEnd - r.Start) });
                pieces++;
            }
            i--;
            if (pieces == 0) r.Owner?.MappingRemoved();
            else if (pieces == 2) r.Owner?.MappingAdded();
        }
    }

    /// <summary>fork: the child maps the same shared pages where this address space does.</summary>
    private void InheritShared(AddressSpace child)
    {
        foreach (var r in _shared)
        {
            child.Host.ShareFrom(Host, r.Start, r.End - r.Start);
            child._shared.Add(r);
            r.Owner?.MappingAdded();
        }
    }

    /// <summary>Teardown: the owners lose every mapping of this address space; state tied to it hears it is going.</summary>
    private void ReleaseAllShared()
    {
        Disposing?.Invoke(this);
        Disposing = null;
        var owners = _shared.Select(r => r.Owner).ToList();
        _shared.Clear();
        foreach (var o in owners) o?.MappingRemoved();
    }

    /// <summary>MAP_SHARED file mappings: private zero pages go back where the file was (a discard would keep the file's pages).</summary>
    private void UnshareFiles(ulong start, ulong end)
    {
        foreach (var v in _vmas)
        {
            if (v.Backing is null || v.End <= start || v.Start >= end) continue;
            var s = Math.Max(v.Start, start);
            Host.MapPrivate(s, Math.Min(v.End, end) - s);
        }
    }
}
