using Kernel.Actors.Ipc;
using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Platform;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// shmat and shmdt (do_shmat, ksys_shmdt): a segment is mapped MAP_SHARED from its pages (an unlinked tmpfs file), as
// MAP_SHARED of a memfd is, so every attach sees the same host pages and shared futexes in it meet. The segment is
// looked up in the Ipc actor's state under its lock, so a concurrent IPC_RMID sees the new attach.
public sealed partial class MmActor
{
    private const int ShmRdonly = 0x1000, ShmRnd = 0x2000, ShmRemap = 0x4000, ShmExec = 0x8000;
    private const ulong ShmLba = 4096; // arm64: PAGE_SIZE
    private static readonly ulong ShmDev = StatInfo.MakeDev(0, 1);

    private KernelReply HandleSysvShm(MmRequest request) => request switch
    {
        ShmAttach r => Result(Attach(r)),
        ShmDetach r => Result(Detach(r)),
        _ => new Failed(Errno.ENOSYS),
    };

    private long Attach(ShmAttach r)
    {
        var process = ((KernelTask)r.Task).Process;
        var mm = process.Mm;
        var flags = r.Flags;
        var address = r.Address;
        bool remap = (flags & ShmRemap) != 0, rdonly = (flags & ShmRdonly) != 0;
        if (r.Id < 0) return -(long)Errno.EINVAL;
        if (address != 0)
        {
            if ((address & (ShmLba - 1)) != 0)
            {
                if ((flags & ShmRnd) == 0) return -(long)Errno.EINVAL;
                address &= ~(ShmLba - 1);
                if (address == 0 && remap) return -(long)Errno.EINVAL;
            }
        }
        else if (remap) return -(long)Errno.EINVAL;
        var prot = rdonly ? Prot.Read : Prot.Read | Prot.Write;
        var access = rdonly ? IpcFlags.ReadAccess : IpcFlags.ReadAccess | IpcFlags.WriteAccess;
        if ((flags & ShmExec) != 0)
        {
            prot |= Prot.Exec;
            access |= IpcFlags.ExecAccess;
        }
        var state = sandbox.Ipc;
        lock (state.Lock)
        {
            var segment = state.Of(process.Namespaces.Ipc).Segments.Find(r.Id);
            if (segment is null) return -(long)Errno.EINVAL;
            if (!segment.Permits(IpcCaller.Of((KernelTask)r.Task), access)) return -(long)Errno.EACCES;
            var size = AddressSpace.PageUp(segment.Size);
            if (address != 0)
            {
                if (address + size < address || address + size > mm.WindowSize) return -(long)Errno.EINVAL;
                if (!remap && !mm.IsFree(address, size)) return -(long)Errno.EINVAL;
                if (address < AddressSpace.MinAddress) return -(long)Errno.EPERM;
            }
            else
            {
                address = mm.FindFree(size, 0);
                if (address == 0) return -(long)Errno.ENOMEM;
            }
            var e = segment.Pages.Prepare((long)size);
            if (e < 0) return e;
            var name = segment.MapName;
            if (!mm.MapFixed(address, size, prot, true, name, new MappedFile(segment.Pages, -(long)address, MayWrite: !rdonly)))
                return -(long)Errno.ENOMEM;
            mm.Label(address, address + size, name, 0, ShmDev, (ulong)segment.Id);
            segment.AttachTime = IpcState.Now(sandbox);
            segment.LastPid = process.Pid;
            return (long)address;
        }
    }

    private long Detach(ShmDetach r)
    {
        var process = ((KernelTask)r.Task).Process;
        var mm = process.Mm;
        if ((r.Address & 0xfff) != 0) return -(long)Errno.EINVAL;
        var first = mm.Find(r.Address);
        if (first is null || first.Start != r.Address || first.Backing is not { Node: { } node } b || !ReferenceEquals(node.Fs, IpcState.SegmentFs)
            || b.OffsetAt(r.Address) != 0)
            return -(long)Errno.EINVAL;
        var state = sandbox.Ipc;
        lock (state.Lock)
        {
            var segment = state.SegmentOf(node);
            var end = r.Address + AddressSpace.PageUp(segment?.Size ?? (ulong)node.Data.Length);
            // Every piece of this attach (mprotect may have split it), and nothing else.
            foreach (var v in mm.Vmas.Where(v => v.Start >= r.Address && v.End <= end && ReferenceEquals(v.Backing?.Node, node)).ToList())
                mm.Unmap(v.Start, v.Length);
            if (segment is null) return 0;
            segment.DetachTime = IpcState.Now(sandbox);
            segment.LastPid = process.Pid;
            IpcActor.Sweep(sandbox, state.Of(process.Namespaces.Ipc));
        }
        return 0;
    }
}
