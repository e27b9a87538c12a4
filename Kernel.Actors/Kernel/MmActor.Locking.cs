using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// mlock, mlockall, mincore and msync: they look at or mark the VMAs, so they run here like the other MM requests.
public sealed partial class MmActor
{
    private const int MlockOnFault = 1, MclCurrent = 1, MclFuture = 2, MclOnFault = 4;
    private const int MsAsync = 1, MsInvalidate = 2, MsSync = 4;
    private const int RlimitMemlock = 8;

    private KernelReply HandleLocking(MmRequest request)
    {
        var process = ((KernelTask)request.Task).Process;
        var mm = process.Mm;
        return request switch
        {
            LockMemory r => Result(Lock(process, mm, r)),
            LockAllMemory r => Result(LockAll(process, r.Task.Settings, mm, r.Flags, r.Unlock)),
            QueryResidency r => Result(Residency(mm, r)),
            SyncMemory r => Result(Sync(mm, r)),
            _ => new Failed(Errno.ENOSYS),
        };
    }

    /// <summary>The page-aligned range mlock/munlock work on (start rounded down, length up); null when it wraps.</summary>
    private static (ulong Start, ulong End)? PageRange(ulong address, ulong length)
    {
        var start = AddressSpace.PageDown(address);
        var end = AddressSpace.PageUp(address + length);
        return address + length < address || end < start ? null : (start, end);
    }

    private static bool MayLock(KernelProcess p, TaskSettings caller, out ulong limit)
    {
        limit = p.GetLimit(RlimitMemlock).Cur;
        return caller.Has(Capabilities.IpcLock) ? (limit = ulong.MaxValue) > 0 : limit > 0;
    }

    private static long Lock(KernelProcess p, AddressSpace mm, LockMemory r)
    {
        if ((r.Flags & ~MlockOnFault) != 0) return -(long)Errno.EINVAL;
        if (PageRange(r.Address, r.Length) is not var (start, end)) return -(long)Errno.EINVAL;
        var limit = ulong.MaxValue;
        if (r.Lock && !MayLock(p, r.Task.Settings, out limit)) return -(long)Errno.EPERM;
        if (start == end) return 0;
        if (!mm.IsMapped(start, end)) return -(long)Errno.ENOMEM;
        if (r.Lock && mm.LockedBytes(start, end) > limit) return -(long)Errno.ENOMEM;
        mm.SetLocked(start, end, r.Lock, (r.Flags & MlockOnFault) != 0);
        return 0;
    }

    /// <summary>After mlockall(MCL_FUTURE) a new mapping is locked as it is made.</summary>
    private static long LockIfFuture(AddressSpace mm, long mapped, ulong length)
    {
        if (mapped > 0 && mm.LockFuture) mm.SetLocked((ulong)mapped, (ulong)mapped + AddressSpace.PageUp(length), true, mm.LockFutureOnFault);
        return mapped;
    }

    private static long LockAll(KernelProcess p, TaskSettings caller, AddressSpace mm, int flags, bool unlock)
    {
        if (unlock)
        {
            foreach (var v in mm.Vmas.ToList()) if (v.Locked) mm.SetLocked(v.Start, v.End, false);
            mm.LockFuture = mm.LockFutureOnFault = false;
            return 0;
        }
        if ((flags & ~(MclCurrent | MclFuture | MclOnFault)) != 0 || (flags & (MclCurrent | MclFuture)) == 0) return -(long)Errno.EINVAL;
        if (!MayLock(p, caller, out var limit)) return -(long)Errno.EPERM;
        var onFault = (flags & MclOnFault) != 0;
        if ((flags & MclCurrent) != 0)
        {
            var total = mm.Vmas.Aggregate(0UL, (sum, v) => sum + v.Length);
            if (total > limit) return -(long)Errno.ENOMEM;
            foreach (var v in mm.Vmas.ToList()) mm.SetLocked(v.Start, v.End, true, onFault);
        }
        mm.LockFuture = (flags & MclFuture) != 0;
        mm.LockFutureOnFault = mm.LockFuture && onFault;
        return 0;
    }

    /// <summary>
    /// mincore's and msync's range: the start page-aligned (EINVAL), all of it mapped (ENOMEM); the end, or 0 for an
    /// empty range (nothing to do), or -errno.
    /// </summary>
    private static long MappedRange(AddressSpace mm, ulong address, ulong length)
    {
        if ((address & (AddressSpace.PageSize - 1)) != 0) return -(long)Errno.EINVAL;
        var end = AddressSpace.PageUp(address + length);
        if (address + length < address || end > mm.WindowSize) return -(long)Errno.ENOMEM;
        if (length == 0) return 0;
        return mm.IsMapped(address, end) ? (long)end : -(long)Errno.ENOMEM;
    }

    private static long Residency(AddressSpace mm, QueryResidency r)
    {
        var range = MappedRange(mm, r.Address, r.Length);
        if (range <= 0) return range;
        var vector = mm.Residency(r.Address, (ulong)range);
        return mm.Write(r.Vector, vector) == Errno.None ? 0 : -(long)Errno.EFAULT;
    }

    private static long Sync(AddressSpace mm, SyncMemory r)
    {
        if ((r.Flags & ~(MsAsync | MsInvalidate | MsSync)) != 0 || (r.Flags & (MsAsync | MsSync)) == (MsAsync | MsSync)) return -(long)Errno.EINVAL;
        var range = MappedRange(mm, r.Address, r.Length);
        if (range <= 0) return range;
        var end = (ulong)range;
        if ((r.Flags & MsInvalidate) != 0 && mm.Vmas.Any(v => v.Locked && v.Start < end && r.Address < v.End)) return -(long)Errno.EBUSY;
        // Shared file mappings are the file's own pages, so read(2) sees stores at once (MS_ASYNC has nothing to do, as on
        // Linux); MS_SYNC writes a host file's dirty pages back to its disk and waits (tmpfs memory is the file itself).
        if ((r.Flags & MsSync) != 0) mm.SyncFiles(r.Address, end, wait: true);
        return 0;
    }
}
