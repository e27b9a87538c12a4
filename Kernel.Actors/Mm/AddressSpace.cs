using Kernel.Platform;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Mm;

/// <summary>
/// A guest address space: the VMA list (the authority on what is mapped), the host range that backs it, and
/// the CPU mappings that mirror it. Mutations happen on one thread at a time (the MM actor while the owning
/// process is paused, or the loader before it starts); reads of the VMA list are lock-free snapshots, so
/// copy-in/copy-out from any thread is safe.
/// </summary>
public sealed partial class AddressSpace : IGuestMemory, IDisposable
{
    public const ulong PageSize = 4096;
    public const ulong MinAddress = 0x10000; // Linux's default vm.mmap_min_addr

    private volatile Vma[] _vmas = [];
    private readonly List<(ulong Start, ulong End, Prot Prot)> _cpuRegions = [];

    public HostMemory Host { get; }
    public ICpu Cpu { get; }
    public ulong WindowSize { get; }
    public ulong StackTop { get; }
    public ulong PieBase { get; }
    public ulong InterpreterBase { get; }
    public ulong MmapBase { get; }
    public ulong BrkStart { get; private set; }
    public ulong Brk { get; private set; }

    /// <summary>
    /// A new address space over a window of <paramref name="windowSize"/> bytes, laid out for a main stack of up to
    /// <paramref name="stackLimit"/> bytes (RLIMIT_STACK's soft value at exec; see <see cref="StackRoomFor"/>).
    /// </summary>
    public AddressSpace(ICpu cpu, ulong windowSize, ulong stackLimit = DefaultStackLimit)
    {
        Cpu = cpu;
        WindowSize = windowSize;
        Host = new HostMemory(windowSize);
        StackTop = windowSize - 0x10000;
        StackLimitAtExec = stackLimit;
        // The interpreter sits 4 GiB below the top, or lower when the stack needs the room (mmap_base moves with it).
        InterpreterBase = Math.Min(windowSize - (4UL << 30), (StackTop - StackRoomFor(windowSize, stackLimit) - StackReserveGap) & ~(InterpreterAlignment - 1));
        MmapBase = InterpreterBase - (256UL << 20);
        PieBase = Math.Min(0x2_0000_0000UL, windowSize / 8);
    }

    public IReadOnlyList<Vma> Vmas => _vmas;

    public static ulong PageUp(ulong v) => AlignUp(v, PageSize);
    /// <summary><paramref name="v"/> rounded up to a multiple of <paramref name="alignment"/> (a power of two).</summary>
    public static ulong AlignUp(ulong v, ulong alignment) => (v + alignment - 1) & ~(alignment - 1);
    public static ulong PageDown(ulong v) => v & ~(PageSize - 1);

    // ---- lookups ----

    public Vma? Find(ulong address)
    {
        var vmas = _vmas;
        int lo = 0, hi = vmas.Length - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var v = vmas[mid];
            if (address < v.Start) hi = mid - 1;
            else if (address >= v.End) lo = mid + 1;
            else return v;
        }
        return null;
    }

    /// <summary>True when every byte of [address, address+length) is mapped with at least <paramref name="need"/>.</summary>
    public bool IsAccessible(ulong address, ulong length, Prot need)
    {
        if (length == 0) return true;
        if (address + length < address || address + length > WindowSize) return false;
        var end = address + length;
        var at = address;
        while (at < end)
        {
            var v = Find(at);
            if (v is null || (v.Prot & need) != need || at >= AccessEnd(v)) return false;
            at = AccessEnd(v);
        }
        return true;
    }

    // ---- IGuestMemory ----

    public Errno Read(ulong address, Span<byte> destination)
    {
        address = Untag(address);
        if (!IsAccessible(address, (ulong)destination.Length, Prot.Read)) return Errno.EFAULT;
        Host.Span(address, destination.Length).CopyTo(destination);
        return Errno.None;
    }

    public Errno Write(ulong address, ReadOnlySpan<byte> source)
    {
        address = Untag(address);
        if (!IsAccessible(address, (ulong)source.Length, Prot.Write)) return Errno.EFAULT;
        source.CopyTo(Host.Span(address, source.Length));
        return Errno.None;
    }

    public Errno GetSpan(ulong address, int length, bool write, out Span<byte> span)
    {
        address = Untag(address);
        span = default;
        if (length < 0 || !IsAccessible(address, (ulong)length, write ? Prot.Write : Prot.Read)) return Errno.EFAULT;
        span = Host.Span(address, length);
        return Errno.None;
    }

    public int AccessibleLength(ulong address, int length, bool write)
    {
        address = Untag(address);
        var need = write ? Prot.Write : Prot.Read;
        var end = address + (ulong)Math.Max(length, 0);
        var at = address;
        while (at < end)
        {
            var v = Find(at);
            if (v is null || (v.Prot & need) != need || at >= AccessEnd(v)) break;
            at = AccessEnd(v);
        }
        return (int)(Math.Min(at, end) - address);
    }

    public Errno ReadCString(ulong address, int maxLength, out string value)
    {
        address = Untag(address);
        value = "";
        var bytes = new List<byte>(64);
        var at = address;
        while (true)
        {
            var v = Find(at);
            if (v is null || (v.Prot & Prot.Read) == 0 || at >= AccessEnd(v)) return Errno.EFAULT;
            var chunk = Host.Span(at, (int)Math.Min(AccessEnd(v) - at, 4096));
            var nul = chunk.IndexOf((byte)0);
            var take = nul < 0 ? chunk.Length : nul;
            if (bytes.Count + take >= maxLength) return Errno.ENAMETOOLONG;
            bytes.AddRange(chunk[..take].ToArray());
            if (nul >= 0) break;
            at += (ulong)chunk.Length;
        }
        value = System.Text.Encoding.UTF8.GetString(bytes.ToArray());
        return Errno.None;
    }

    /// <summary>Writes into guest memory regardless of protection (loader, kernel-owned pages).</summary>
    public void Poke(ulong address, ReadOnlySpan<byte> data)
    {
        data.CopyTo(Host.Span(address, data.Length));
    }

    // ---- mutations ----

    /// <summary>Finds a free, page-aligned range of <paramref name="length"/> bytes, top-down below the mmap base.</summary>
    public ulong FindFree(ulong length, ulong hint)
    {
        if (hint >= MinAddress && hint + length <= WindowSize && IsFree(hint, length)) return hint;
        var top = MmapBase;
        var vmas = _vmas;
        for (var i = vmas.Length - 1; i >= -1; i--)
        {
            var gapStart = i >= 0 ? vmas[i].End : MinAddress;
            var gapEnd = i + 1 < vmas.Length ? vmas[i + 1].Start : WindowSize;
            gapEnd = Math.Min(gapEnd, top);
            if (gapEnd > gapStart && gapEnd - gapStart >= length) return gapEnd - length;
        }
        return 0;
    }

    public bool IsFree(ulong address, ulong length)
    {
        foreach (var v in _vmas)
        {
            if (v.Start < address + length && address < v.End) return false;
        }
        return true;
    }

    /// <summary>
    /// Maps zero-filled memory at exactly [address, address+length), replacing what was there; or, with
    /// <paramref name="backing"/>, the pages of that file. False if the host refused the file (nothing is mapped then).
    /// </summary>
    public bool MapFixed(ulong address, ulong length, Prot prot, bool shared, string name, MappedFile? backing = null) =>
        MapFixed(new Vma(address, address + length, prot, shared, name, backing));

    /// <summary>Maps <paramref name="vma"/> at its place, replacing what was there (its file's pages when it has a backing).</summary>
    public bool MapFixed(Vma vma)
    {
        if (vma.Backing is { } file && file.Pages.Prepare(file.OffsetAt(vma.End)) < 0) return false;
        lock (_mapLock)
        {
            RemoveRange(vma.Start, vma.Length);
            if (vma.Backing is { } b)
            {
                b.Pages.Watchers.Add(this);
                if (!MapBacking(Host, vma))
                {
                    Host.MapPrivate(vma.Start, vma.Length);
                    SyncCpu(vma.Start, vma.End);
                    return false;
                }
            }
            var list = _vmas.ToList();
            list.Add(vma);
            list.Sort((a, b) => a.Start.CompareTo(b.Start));
            _vmas = list.ToArray();
            SyncCpu(vma.Start, vma.End);
        }
        if ((vma.Prot & Prot.Exec) != 0) Cpu.InvalidateCode(vma.Start, vma.Length);
        return true;
    }

    /// <summary>Names what is mapped in [start, end) as <paramref name="name"/> (a file at <paramref name="offset"/> when <paramref name="ino"/> is set), for /proc/[pid]/maps.</summary>
    public void Label(ulong start, ulong end, string name, ulong offset = 0, ulong dev = 0, ulong ino = 0) =>
        Rewrite(start, end, v => v with { Name = name, Offset = ino == 0 ? 0 : offset + (v.Start - start), Dev = dev, Ino = ino });

    /// <summary>Marks [start, end) as a hugetlb mapping of <paramref name="pageSize"/> pages.</summary>
    public void SetPageSize(ulong start, ulong end, ulong pageSize) => Rewrite(start, end, v => v with { PageSize = pageSize });

    /// <summary>Whether changing [start, end) would split a hugetlb area inside one of its huge pages (EINVAL in Linux).</summary>
    public bool SplitsHugePage(ulong start, ulong end) => _vmas.Any(v => v.PageSize != 0 && v.Start < end && start < v.End
        && ((v.Start < start && start % v.PageSize != 0) || (end < v.End && end % v.PageSize != 0)));

    public void Unmap(ulong address, ulong length)
    {
        lock (_mapLock)
        {
            RemoveRange(address, length);
            SyncCpu(address, address + length);
        }
    }

    public void Protect(ulong address, ulong length, Prot prot)
    {
        var end = address + length;
        if (HasExec(address, end)) Cpu.InvalidateCode(address, length);
        Rewrite(address, end, v => v with { Prot = prot });
        SyncCpu(address, end);
    }

    /// <summary>
    /// Splits the VMAs that straddle [start, end) at its edges and replaces each piece inside it with
    /// <paramref name="inside"/>'s result (null drops it); the pieces outside keep their VMA's other fields.
    /// </summary>
    private void Rewrite(ulong start, ulong end, Func<Vma, Vma?> inside)
    {
        var list = new List<Vma>();
        foreach (var v in _vmas)
        {
            if (v.End <= start || v.Start >= end)
            {
                list.Add(v);
                continue;
            }
            if (v.Start < start) list.Add(v.Slice(v.Start, start));
            if (inside(v.Slice(Math.Max(v.Start, start), Math.Min(v.End, end))) is { } kept) list.Add(kept);
            if (v.End > end) list.Add(v.Slice(end, v.End));
        }
        _vmas = list.ToArray();
    }

    private bool HasExec(ulong start, ulong end) =>
        _vmas.Any(v => v.Start < end && start < v.End && (v.Prot & Prot.Exec) != 0);

    private void RemoveRange(ulong address, ulong length)
    {
        var end = address + length;
        if (HasExec(address, end)) Cpu.InvalidateCode(address, length);
        UnshareFiles(address, end);
        Rewrite(address, end, _ => null);
        ReleaseShared(address, length);
        Host.Discard(address, length);
    }

    /// <summary>Makes the CPU's mappings in [start, end) match the VMA list.</summary>
    private void SyncCpu(ulong start, ulong end)
    {
        // Drop what the CPU has mapped in the range.
        for (var i = 0; i < _cpuRegions.Count; i++)
        {
            var r = _cpuRegions[i];
            if (r.End <= start || r.Start >= end) continue;
            var cutStart = Math.Max(r.Start, start);
            var cutEnd = Math.Min(r.End, end);
            Cpu.Unmap(cutStart, cutEnd - cutStart);
            _cpuRegions.RemoveAt(i);
            if (r.Start < cutStart) _cpuRegions.Insert(i++, (r.Start, cutStart, r.Prot));
            if (r.End > cutEnd) _cpuRegions.Insert(i++, (cutEnd, r.End, r.Prot));
            i--;
        }
        // Map the VMAs' pieces, merging neighbours of equal protection; PROT_NONE stays unmapped.
        ulong runStart = 0, runEnd = 0;
        var runProt = Prot.None;
        foreach (var v in _vmas)
        {
            if (v.End <= start || v.Start >= end || v.Prot == Prot.None) continue;
            var s = Math.Max(v.Start, start);
            var e = Math.Min(AccessEnd(v), end); // pages past a mapped file's end stay out (SIGBUS)
            if (e <= s) continue;
            if (runEnd == s && runProt == v.Prot)
            {
                runEnd = e;
                continue;
            }
            Flush();
            (runStart, runEnd, runProt) = (s, e, v.Prot);
        }
        Flush();

        void Flush()
        {
            if (runEnd > runStart)
            {
                // Absorb adjacent CPU regions of the same protection: Unicorn's region count is small and
                // lookups slow down as it grows, so brk growth and neighbouring mmaps must not add regions.
                for (var i = _cpuRegions.Count - 1; i >= 0; i--)
                {
                    var r = _cpuRegions[i];
                    if (r.Prot != runProt || (r.End != runStart && r.Start != runEnd)) continue;
                    Cpu.Unmap(r.Start, r.End - r.Start);
                    _cpuRegions.RemoveAt(i);
                    runStart = Math.Min(runStart, r.Start);
                    runEnd = Math.Max(runEnd, r.End);
                }
                Cpu.Map(runStart, runEnd - runStart, runProt, Host.HostAddress(runStart));
                _cpuRegions.Add((runStart, runEnd, runProt));
                _cpuRegions.Sort((a, b) => a.Start.CompareTo(b.Start));
            }
            runEnd = runStart = 0;
        }
    }

    public int CpuRegionCount => _cpuRegions.Count;

    // ---- brk ----

    public void InitBrk(ulong start)
    {
        BrkStart = Brk = PageUp(start);
    }

    /// <summary>Linux brk: returns the new break, or the old one when the request cannot be met.</summary>
    public ulong SetBrk(ulong requested)
    {
        if (requested < BrkStart) return Brk;
        var oldTop = PageUp(Brk);
        var newTop = PageUp(requested);
        if (newTop > oldTop)
        {
            if (newTop > MmapBase || !IsFree(oldTop, newTop - oldTop)) return Brk;
            MapFixed(oldTop, newTop - oldTop, Prot.Read | Prot.Write, false, "[heap]");
        }
        else if (newTop < oldTop)
        {
            Unmap(newTop, oldTop - newTop);
        }
        Brk = requested;
        return Brk;
    }

    /// <summary>Bytes of guest memory resident on the host (what ru_maxrss and /proc report as RSS).</summary>
    public ulong ResidentBytes()
    {
        ulong total = 0;
        foreach (var v in _vmas) total += ResidentBytes(v.Start, v.End - v.Start);
        return total;
    }

    /// <summary>Resident bytes of [start, start+length), counting pages still shared copy-on-write with a parent (as Linux does).</summary>
    public ulong ResidentBytes(ulong start, ulong length) => Host.ResidentBytes(start, length) + Host.SharedBytes(start, length);

    /// <summary>
    /// fork: a new address space on <paramref name="cpu"/> with the same mappings. Private memory is shared
    /// copy-on-write where the host allows it (see HostMemory.ShareCopyOnWrite), else every page this one has
    /// touched is copied now. MAP_SHARED files and kernel-owned shared pages (shared anonymous memory, io_uring
    /// rings) stay shared.
    /// </summary>
    public AddressSpace Fork(ICpu cpu)
    {
        var child = new AddressSpace(cpu, WindowSize, StackLimitAtExec);
        try
        {
            child._vmas = _vmas.Select(v => v.Locked ? v with { Locked = false } : v).ToArray(); // fork does not inherit mlocks
            child.BrkStart = BrkStart;
            child.Brk = Brk;
            child.SigPage = SigPage;
            child.Layout = Layout.Copy();
            InheritFlags(child);
            var ranges = PrivateRanges();
            if (!Host.ShareCopyOnWrite(child.Host, ranges))
            {
                foreach (var (start, end) in ranges) child.Host.CopyResidentFrom(Host, start, end - start);
            }
            foreach (var v in _vmas)
            {
                if (v.Backing is { } b)
                {
                    b.Pages.Watchers.Add(child);
                    MapBacking(child.Host, v);
                }
            }
            InheritShared(child);
            child.SyncCpu(0, WindowSize);
            return child;
        }
        catch
        {
            child.Dispose();
            throw;
        }
    }

    /// <summary>The ranges whose host pages are this address space's own (not a file's or kernel-owned), neighbours joined.</summary>
    private List<(ulong Start, ulong End)> PrivateRanges()
    {
        var ranges = new List<(ulong Start, ulong End)>();
        foreach (var v in _vmas)
        {
            if (v.Backing is not null) continue;
            var start = v.Start;
            foreach (var r in _shared.Where(r => r.Start < v.End && v.Start < r.End).OrderBy(r => r.Start))
            {
                Add(start, Math.Max(start, r.Start));
                start = Math.Max(start, r.End);
            }
            Add(start, v.End);
        }
        return ranges;

        void Add(ulong start, ulong end)
        {
            if (end <= start) return;
            if (ranges.Count > 0 && ranges[^1].End == start) ranges[^1] = (ranges[^1].Start, end);
            else ranges.Add((start, end));
        }
    }

    public void Dispose()
    {
        // Every later access fails its check (EFAULT). A kernel thread that passed the check just before (an actor
        // answering a dead process's wait4) may still be copying: the pages go now, the host range a moment later,
        // so a late copy lands in zeroed memory of the dead process instead of an unmapped range.
        lock (_mapLock) _vmas = [];
        ReleaseAllShared();
        Cpu.Dispose();
        Host.Discard(0, WindowSize);
        _ = Task.Delay(TimeSpan.FromSeconds(2)).ContinueWith(_ => Host.Dispose(), TaskScheduler.Default);
    }
}
