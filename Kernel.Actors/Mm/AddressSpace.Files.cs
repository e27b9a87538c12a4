using Kernel.Actors.Vfs;
using Kernel.Platform;

namespace Kernel.Actors.Mm;

/// <summary>What a fault of the guest CPU in a mapped area means.</summary>
public enum FaultKind
{
    /// <summary>SIGSEGV: nothing mapped there, or the access is not allowed.</summary>
    Segv,
    /// <summary>SIGBUS (BUS_ADRERR): a page of a shared file mapping past the end of the file.</summary>
    Bus,
    /// <summary>The CPU's mappings were behind (a file grew); they are synced now and the access can run again.</summary>
    Retry,
}

// MAP_SHARED file mappings (Vma.Backing) whose file changes length while mapped. Their pages past the end of the file
// fault with SIGBUS, as Linux's filemap_fault answers: copies into the kernel fail there (EFAULT), and the CPU's
// mappings leave them out. A write or truncate by any thread resizes the file; the address space hears of it
// (IFileMappingWatcher), fixes the host pages at once (a host file has none past its end) and marks the CPU's mappings
// stale: the runner syncs them before the process runs guest code again, or at the fault the change caused.
public sealed partial class AddressSpace : IFileMappingWatcher
{
    // Host-side changes of file-backed ranges: the MM actor's mapping and unmapping, and resizes from any thread.
    private readonly object _mapLock = new();
    private int _cpuStale;

    /// <summary>Where the accessible part of <paramref name="v"/> ends: a shared file mapping stops at the file's page-rounded end.</summary>
    internal static ulong AccessEnd(Vma v) => v.Backing is { } b ? Math.Clamp(b.EndAddress, v.Start, v.End) : v.End;

    /// <summary>Maps all the file pages <paramref name="v"/> has into <paramref name="host"/>: the whole area, or up to the end of a host file.</summary>
    private static bool MapBacking(HostMemory host, Vma v) =>
        MapBacking(host, v, v.Start, v.Backing!.Pages.CoversPastEnd ? v.End : AccessEnd(v));

    /// <summary>Maps <paramref name="v"/>'s file pages for [start, end) into <paramref name="host"/> (at the same guest addresses).</summary>
    private static bool MapBacking(HostMemory host, Vma v, ulong start, ulong end)
    {
        var b = v.Backing!;
        return end <= start || b.Pages.MapInto(host, start, end - start, b.OffsetAt(start), b.MayWrite);
    }

    public void FileResized(IFilePages file, long oldLength, long newLength)
    {
        lock (_mapLock)
        {
            var mapped = false;
            foreach (var v in _vmas)
            {
                if (v.Backing is not { } b || !ReferenceEquals(b.Pages, file)) continue;
                mapped = true;
                if (file.CoversPastEnd) continue;
                // A host file: its pages exist only up to its end, so the host range follows the change now.
                ulong oldEnd = EndOf(b, oldLength, v), newEnd = EndOf(b, newLength, v);
                if (newEnd < oldEnd) Host.MapPrivate(newEnd, oldEnd - newEnd);
                else if (newEnd > oldEnd) MapBacking(Host, v, oldEnd, newEnd);
            }
            if (!mapped) return;
            Volatile.Write(ref _cpuStale, 1);
        }
        Cpu.Interrupt();
    }

    /// <summary>The guest address in <paramref name="v"/> where a file of <paramref name="length"/> bytes ends (page-rounded).</summary>
    private static ulong EndOf(MappedFile b, long length, Vma v)
    {
        long end = ((length + 4095) & ~4095L) - b.Base;
        return end <= (long)v.Start ? v.Start : Math.Min((ulong)end, v.End);
    }

    /// <summary>Runner, before guest code runs: the CPU's mappings catch up with files resized meanwhile.</summary>
    public void SyncStaleCpu()
    {
        if (Volatile.Read(ref _cpuStale) == 0) return;
        lock (_mapLock)
        {
            Volatile.Write(ref _cpuStale, 0);
            foreach (var v in _vmas)
                if (v.Backing is not null) SyncCpu(v.Start, v.End);
        }
    }

    /// <summary>Runner: what a CPU fault at <paramref name="address"/> means (SIGBUS past the end of a mapped file, a stale mapping to retry, else SIGSEGV).</summary>
    public FaultKind ClassifyFault(ulong address, MemoryAccess access)
    {
        var v = Find(address);
        if (v is null) return FaultKind.Segv;
        var need = access switch { MemoryAccess.Write => Prot.Write, MemoryAccess.Execute => Prot.Exec, _ => Prot.Read };
        if ((v.Prot & need) != need) return FaultKind.Segv;
        if (v.Backing is not null && address >= AccessEnd(v)) return FaultKind.Bus;
        if (CpuMaps(address)) return FaultKind.Segv; // the CPU has the page: not ours to explain
        Volatile.Write(ref _cpuStale, 1);
        SyncStaleCpu();
        return CpuMaps(address) ? FaultKind.Retry : FaultKind.Segv;
    }

    private bool CpuMaps(ulong address) => _cpuRegions.Any(r => r.Start <= address && address < r.End);

    /// <summary>msync: shared file pages in [start, end) go back to their files (<paramref name="wait"/>: MS_SYNC).</summary>
    public void SyncFiles(ulong start, ulong end, bool wait)
    {
        foreach (var v in _vmas)
        {
            if (v.Backing is not { } b || v.End <= start || v.Start >= end) continue;
            var s = Math.Max(v.Start, start);
            var e = Math.Min(AccessEnd(v), end);
            if (e > s) b.Pages.Sync(Host, s, e - s, wait);
        }
    }
}
