using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Loader;

/// <summary>
/// Maps ELF segments and the stack into a load target, page by page as Linux's elf_map does, and keeps the list
/// of what it mapped. Ranges never overlap except the one page two consecutive segments of an image may share,
/// which (as with MAP_FIXED) the later segment takes over.
/// </summary>
internal sealed class ImageMapper(ILoadTarget target)
{
    private const ulong Page = ElfImage.PageSize;
    private readonly List<VmaInfo> _vmas = [];

    public IReadOnlyList<VmaInfo> Mappings => _vmas.OrderBy(v => v.Start).ToArray();

    public void MapAnonymous(ulong start, ulong end, Prot prot, string label)
    {
        CheckFree(start, end, label);
        target.Map(start, end - start, prot);
        _vmas.Add(new VmaInfo(start, end, prot, label));
    }

    public void MapImage(ElfImage image, ulong bias)
    {
        ulong previousEnd = 0;
        foreach (var ph in image.Loads)
        {
            if (ph.MemSize == 0)
                continue;
            ulong start = ph.VAddr + bias;
            ulong fileEnd = start + ph.FileSize;
            ulong memEnd = start + ph.MemSize;
            if (start >= ElfImage.TaskSize || memEnd > ElfImage.TaskSize || memEnd < start)
                throw new LoadException(Errno.EINVAL, $"{image.Path}: segment at 0x{start:x} outside the address space");

            ulong mapStart = ElfImage.PageDown(start);
            ulong fileMapEnd = ph.FileSize == 0 ? mapStart : ElfImage.PageUp(fileEnd);
            ulong mapEnd = ElfImage.PageUp(memEnd);
            var prot = ph.Prot;
            // Mapped writable while filling; the final protection is applied below.
            var fillProt = prot | Prot.Write;

            ulong fresh = mapStart;
            if (mapStart < previousEnd)
            {
                // The first page is the previous segment's last one: the later mapping replaces it.
                TakeOverPage(mapStart);
                target.Protect(mapStart, Page, fillProt);
                target.Write(mapStart, new byte[Page]);
                fresh = previousEnd;
            }
            if (fresh < mapEnd)
            {
                CheckFree(fresh, mapEnd, image.Path);
                target.Map(fresh, mapEnd - fresh, fillProt);
            }

            if (ph.FileSize > 0)
            {
                // Whole file pages are mapped, so bytes around the segment in its first and last page are visible,
                // except that a bss tail is zero (padzero).
                ulong pageOffset = start - mapStart;
                ulong fileStart = ph.Offset - pageOffset;
                ulong length = ph.MemSize > ph.FileSize
                    ? pageOffset + ph.FileSize
                    : Math.Min(fileMapEnd - mapStart, (ulong)image.Data.Length - fileStart);
                target.Write(mapStart, image.Data.AsSpan((int)fileStart, (int)length));
                _vmas.Add(new VmaInfo(mapStart, fileMapEnd, prot, image.Path, image.Path, fileStart));
            }
            if (fileMapEnd < mapEnd)
                _vmas.Add(new VmaInfo(fileMapEnd, mapEnd, prot, ""));
            if (prot != fillProt)
                target.Protect(mapStart, mapEnd - mapStart, prot);
            previousEnd = mapEnd;
        }
    }

    /// <summary>Drops the page at <paramref name="page"/> from the recorded ranges before a new segment reuses it.</summary>
    private void TakeOverPage(ulong page)
    {
        for (int i = _vmas.Count - 1; i >= 0; i--)
        {
            var v = _vmas[i];
            if (v.Start <= page && page < v.End)
            {
                // Only a range's last page can be shared, so trimming its end is enough.
                if (v.Start == page)
                    _vmas.RemoveAt(i);
                else
                    _vmas[i] = v with { End = page };
            }
        }
    }

    private void CheckFree(ulong start, ulong end, string what)
    {
        foreach (var v in _vmas)
            if (start < v.End && v.Start < end)
                throw new LoadException(Errno.EEXIST, $"{what}: [0x{start:x}, 0x{end:x}) collides with {v.Label} at 0x{v.Start:x}");
    }
}
