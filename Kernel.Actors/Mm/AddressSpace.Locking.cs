using Kernel.Platform;

namespace Kernel.Actors.Mm;

// mlock and mincore: locked areas are marked on their VMAs (and populated, unless on fault); residency is the
// host's own for the guest range (the pages the guest has touched).
public sealed partial class AddressSpace
{
    /// <summary>mlockall(MCL_FUTURE): new mappings are locked too (populated unless <see cref="LockFutureOnFault"/>).</summary>
    public bool LockFuture { get; set; }
    public bool LockFutureOnFault { get; set; }

    /// <summary>Whether every page of [start, end) is mapped (mlock, munlock, mincore and msync give ENOMEM otherwise).</summary>
    public bool IsMapped(ulong start, ulong end)
    {
        if (end < start || end > WindowSize) return false;
        for (var at = start; at < end;)
        {
            if (Find(at) is not { } v) return false;
            at = v.End;
        }
        return true;
    }

    /// <summary>Marks [start, end) locked or unlocked; locking populates the pages unless <paramref name="onFault"/>.</summary>
    public void SetLocked(ulong start, ulong end, bool locked, bool onFault = false)
    {
        Rewrite(start, end, v => v with { Locked = locked });
        if (!locked || onFault) return;
        // A read-only mapping of a host file maps it privately: a populating write would copy its pages off the file.
        foreach (var v in _vmas.Where(v => v.Start < end && start < v.End && v.Backing is not { MayWrite: false, Pages.CoversPastEnd: false }))
        {
            var s = Math.Max(v.Start, start);
            Host.Populate(s, Math.Min(v.End, end) - s);
        }
    }

    /// <summary>
    /// Bytes mapped (RLIMIT_AS's total_vm) and in data mappings (RLIMIT_DATA's data_vm: private, writable, not the
    /// stack), leaving out what lies in [skipStart, skipEnd) (a MAP_FIXED mapping replaces it).
    /// </summary>
    public (ulong Total, ulong Data) MappedBytes(ulong skipStart = 0, ulong skipEnd = 0)
    {
        ulong total = 0, data = 0;
        foreach (var v in _vmas)
        {
            ulong overlap = v.Start < skipEnd && skipStart < v.End ? Math.Min(v.End, skipEnd) - Math.Max(v.Start, skipStart) : 0;
            ulong bytes = v.Length - overlap;
            total += bytes;
            if (IsData(v.Prot, v.Shared, v.Name)) data += bytes;
        }
        return (total, data);
    }

    /// <summary>is_data_mapping: private and writable, and not the stack.</summary>
    public static bool IsData(Prot prot, bool shared, string name) => (prot & Prot.Write) != 0 && !shared && name != "[stack]";

    /// <summary>mbind: [start, end) takes <paramref name="policy"/> (null: back to the task's).</summary>
    public void SetPolicy(ulong start, ulong end, Kernel.Syscalls.MemPolicy? policy) => Rewrite(start, end, v => v with { Policy = policy });

    /// <summary>Bytes in locked areas (VmLck), and what locking [start, end) would add to them.</summary>
    public ulong LockedBytes(ulong start = 0, ulong end = 0)
    {
        ulong total = 0;
        foreach (var v in _vmas)
        {
            if (v.Locked) total += v.Length;
            else if (v.Start < end && start < v.End) total += Math.Min(v.End, end) - Math.Max(v.Start, start);
        }
        return total;
    }

    /// <summary>mincore's vector: bit 0 of each byte says whether that page of [start, end) is resident.</summary>
    public byte[] Residency(ulong start, ulong end) => Host.Residency(start, end - start);
}
