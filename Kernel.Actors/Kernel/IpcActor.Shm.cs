using System.Buffers.Binary;
using Kernel.Actors.Ipc;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// Shared memory segments (ipc/shm.c): shmget and shmctl here; shmat and shmdt are memory-map requests
// (MmActor.SysvShm.cs) that find the segment in the same state.
public sealed partial class IpcActor
{
    private const int ShmHugeTlb = 0x800;
    private const int ShmLock = 11, ShmUnlock = 12, ShmStat = 13, ShmInfo = 14, ShmStatAny = 15;
    private const int RlimitMemlock = 8;

    private long ShmGet(ShmGet r)
    {
        var ns = Objects(r);
        var caller = IpcCaller.Of(TaskOf(r));
        Sweep(sandbox, ns);
        return Get(ns.Segments, r.Key, r.Flags, caller, () =>
        {
            if (r.Size < 1 || r.Size > ns.ShmMax) return -(long)Errno.EINVAL;
            var pages = (r.Size + 4095) / 4096;
            if (pages << 12 < r.Size) return -(long)Errno.ENOSPC;
            if (ns.ShmPages + pages < ns.ShmPages || ns.ShmPages + pages > ns.ShmAll) return -(long)Errno.ENOSPC;
            if (r.Size > long.MaxValue / 2) return -(long)Errno.ENOMEM;
            // SHM_HUGE_*: the huge page size's log2 (0: the default); one the CPU has not is EINVAL (newseg).
            if ((r.Flags & ShmHugeTlb) != 0 && !Kernel.Syscalls.HugePages.IsSupported((r.Flags >> 26) & 0x3f)) return -(long)Errno.EINVAL;
            var node = TmpRegular.CreateUnlinked(IpcState.SegmentFs, (uint)r.Flags & 0x1FF, caller.Euid, caller.Egid);
            var e = node.Data.SetLength((long)r.Size);
            if (e < 0) return -(long)Errno.ENOMEM;
            // SHM_HUGETLB is accepted and backed by ordinary pages (the sandbox has no huge page pool).
            var segment = new ShmSegment(r.Key, caller, r.Flags, Now, r.Size, node) { HugeTlb = (r.Flags & ShmHugeTlb) != 0 };
            var id = ns.Segments.Add(segment, ns.ShmMni);
            if (id < 0) return id;
            ns.ShmPages += pages;
            State.AddSegment(segment);
            return id;
        }, s => s.Size < r.Size ? -(long)Errno.EINVAL : 0);
    }

    private long ShmControl(ShmControl r)
    {
        var ns = Objects(r);
        var task = TaskOf(r);
        var caller = IpcCaller.Of(task);
        if (r.Command < 0 || r.Id < 0) return -(long)Errno.EINVAL;
        Sweep(sandbox, ns);
        switch (r.Command)
        {
            case IpcFlags.Info:
            {
                Span<byte> b = stackalloc byte[72];
                BinaryPrimitives.WriteUInt64LittleEndian(b, ns.ShmMax);
                BinaryPrimitives.WriteUInt64LittleEndian(b[8..], 1); // SHMMIN
                BinaryPrimitives.WriteUInt64LittleEndian(b[16..], (ulong)ns.ShmMni);
                BinaryPrimitives.WriteUInt64LittleEndian(b[24..], 4096); // SHMSEG
                BinaryPrimitives.WriteUInt64LittleEndian(b[32..], ns.ShmAll);
                return Reply(r, r.Buffer, b, Math.Max(ns.Segments.MaxIndex, 0));
            }
            case ShmInfo:
            {
                Span<byte> b = stackalloc byte[48];
                BinaryPrimitives.WriteInt32LittleEndian(b, ns.Segments.InUse);
                BinaryPrimitives.WriteUInt64LittleEndian(b[8..], ns.ShmPages);
                BinaryPrimitives.WriteUInt64LittleEndian(b[16..], (ulong)ns.Segments.All.Sum(s => (long)Resident(s) / 4096));
                return Reply(r, r.Buffer, b, Math.Max(ns.Segments.MaxIndex, 0));
            }
            case IpcFlags.Stat or ShmStat or ShmStatAny:
            {
                var s = r.Command == IpcFlags.Stat ? ns.Segments.Find(r.Id) : ns.Segments.AtIndex(r.Id);
                if (s is null) return -(long)Errno.EINVAL;
                if (r.Command != ShmStatAny && !s.Permits(caller, IpcFlags.ReadAccess)) return -(long)Errno.EACCES;
                Span<byte> b = stackalloc byte[112];
                s.WritePerm(b);
                BinaryPrimitives.WriteUInt64LittleEndian(b[48..], s.Size);
                BinaryPrimitives.WriteInt64LittleEndian(b[56..], s.AttachTime);
                BinaryPrimitives.WriteInt64LittleEndian(b[64..], s.DetachTime);
                BinaryPrimitives.WriteInt64LittleEndian(b[72..], s.Ctime);
                BinaryPrimitives.WriteInt32LittleEndian(b[80..], s.CreatorPid);
                BinaryPrimitives.WriteInt32LittleEndian(b[84..], s.LastPid);
                BinaryPrimitives.WriteUInt64LittleEndian(b[88..], (ulong)Attaches(sandbox, s));
                return Reply(r, r.Buffer, b, r.Command == IpcFlags.Stat ? 0 : s.Id);
            }
            case ShmLock or ShmUnlock:
            {
                var s = ns.Segments.Find(r.Id);
                if (s is null) return -(long)Errno.EINVAL;
                if (!caller.Has(Capabilities.IpcLock))
                {
                    if (caller.Euid != s.Uid && caller.Euid != s.Cuid) return -(long)Errno.EPERM;
                    if (r.Command == ShmLock && task.Process.GetLimit(RlimitMemlock).Cur == 0) return -(long)Errno.EPERM;
                }
                if (s.HugeTlb) return 0; // hugetlb pages are never swapped: nothing to lock
                if (r.Command == ShmLock) s.Mode |= ShmSegment.Locked;
                else s.Mode &= ~ShmSegment.Locked;
                return 0;
            }
            case IpcFlags.Set or IpcFlags.Rmid:
            {
                Span<byte> b = stackalloc byte[112];
                if (r.Command == IpcFlags.Set && !CopyIn(r, r.Buffer, b)) return -(long)Errno.EFAULT;
                var s = ns.Segments.Find(r.Id);
                if (s is null) return -(long)Errno.EINVAL;
                if (!s.OwnedBy(caller)) return -(long)Errno.EPERM;
                if (r.Command == IpcFlags.Set)
                {
                    var (uid, gid, mode) = IpcObject.ReadPerm(b);
                    s.SetPerm(uid, gid, mode, Now);
                    return 0;
                }
                // do_shm_rmid: destroyed now, or at the last detach (no longer found by its key meanwhile).
                if (Attaches(sandbox, s) == 0) Destroy(ns, s);
                else
                {
                    s.Mode |= ShmSegment.Dest;
                    s.Key = IpcFlags.Private;
                }
                return 0;
            }
            default:
                return -(long)Errno.EINVAL;
        }
    }

    /// <summary>
    /// shm_nattch: the areas that map the segment in the sandbox's live address spaces (a fork's copy and a split
    /// area count, as Linux counts each vma's open; exit and exec drop theirs with their address space).
    /// </summary>
    internal static int Attaches(Sandbox sandbox, ShmSegment s)
    {
        var count = 0;
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var p in sandbox.AllProcesses())
        {
            if (p.ExitStatus is not null || !seen.Add(p.Mm)) continue;
            foreach (var v in p.Mm.Vmas)
                if (ReferenceEquals(v.Backing?.Node, s.Pages)) count++;
        }
        return count;
    }

    /// <summary>
    /// Exit or exec dropped <paramref name="mm"/>: each attach in it is a detach by <paramref name="p"/> (shm_close sets
    /// shm_lpid and shm_dtime), and segments removed while attached go if that was their last attach.
    /// </summary>
    internal static void AddressSpaceGone(Sandbox sandbox, KernelProcess p, Mm.AddressSpace mm)
    {
        var state = sandbox.Ipc;
        lock (state.Lock)
        {
            var any = false;
            foreach (var v in mm.Vmas)
            {
                if (v.Backing?.Node is not { } node || !ReferenceEquals(node.Fs, IpcState.SegmentFs) || state.SegmentOf(node) is not { } segment) continue;
                segment.DetachTime = IpcState.Now(sandbox);
                segment.LastPid = p.Pid;
                any = true;
            }
            if (any) Sweep(sandbox, state.Of(p.Namespaces.Ipc));
        }
    }

    /// <summary>What /proc and SHM_INFO report as resident: the whole segment once somebody attached it.</summary>
    internal static ulong Resident(ShmSegment s) => s.AttachTime != 0 ? s.PageCount * 4096 : 0;

    /// <summary>Segments removed while attached go once nobody maps them (Linux destroys them at the last detach).</summary>
    internal static void Sweep(Sandbox sandbox, IpcObjects ns)
    {
        foreach (var s in ns.Segments.All.Where(s => (s.Mode & ShmSegment.Dest) != 0).ToList())
            if (Attaches(sandbox, s) == 0) Destroy(ns, s);
    }

    private static void Destroy(IpcObjects ns, ShmSegment s)
    {
        ns.Segments.Remove(s);
        ns.ShmPages -= s.PageCount;
    }
}
