namespace Kernel.Actors.Mm;

// MAP_SHARED mappings of tmpfs files: their host pages are the file's, so they must be swapped back for private zero
// pages when the mapping goes (a discard would leave the file there).
public sealed partial class AddressSpace
{
    /// <summary>fork: the child maps the file's pages where the parent has them, instead of copying them.</summary>
    private void ShareFileMapping(Vma v)
    {
        var b = v.Backing!;
        if (b.Node.Data.ShareForMapping(b.OffsetAt(v.End), out int fd) < 0 || !Host.MapFile(v.Start, v.Length, fd, b.OffsetAt(v.Start)))
            throw new OutOfMemoryException("cannot map a shared file mapping into the child");
    }

    private void UnshareFiles(ulong start, ulong end)
    {
        foreach (var v in _vmas)
        {
            if (v.Backing is null || v.End <= start || v.Start >= end) continue;
            var s = Math.Max(v.Start, start);
            Host.Unshare(s, Math.Min(v.End, end) - s);
        }
    }
}
