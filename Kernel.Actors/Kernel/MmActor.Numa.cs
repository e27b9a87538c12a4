using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// NUMA policy on areas (mbind), and where pages are (get_mempolicy MPOL_F_ADDR, move_pages): one node, node 0.
public sealed partial class MmActor
{
    private KernelReply HandleNuma(MmRequest request)
    {
        var mm = ((KernelTask)request.Task).Process.Mm;
        switch (request)
        {
            case BindMemory r:
                // queue_pages_range: a hole in the range is EFAULT.
                if (!mm.IsMapped(r.Start, r.End)) return new Failed(Errno.EFAULT);
                mm.SetPolicy(r.Start, r.End, r.Policy);
                return new Done(0);
            case QueryMemPolicy r:
                if (mm.Find(r.Address) is not { } vma) return new Failed(Errno.EFAULT);
                return new MemPolicyFound(vma.Policy);
            case PageStatus r:
            {
                var target = r.Pid == 0 ? ((KernelTask)r.Task).Process : sandbox.FindProcess(r.Pid);
                if (target is null) return new Failed(Errno.ESRCH);
                var status = new byte[r.Pages.Length * 4];
                for (int i = 0; i < r.Pages.Length; i++)
                {
                    int s = target.Mm.Find(r.Pages[i]) is null ? -(int)Errno.EFAULT : Resident(target.Mm, r.Pages[i]) ? 0 : -(int)Errno.ENOENT;
                    BitConverter.TryWriteBytes(status.AsSpan(i * 4), s);
                }
                return new Bytes(status);
            }
            default:
                return new Failed(Errno.ENOSYS);
        }
    }

    private static bool Resident(AddressSpace mm, ulong address)
    {
        var page = AddressSpace.PageDown(address);
        return (mm.Residency(page, page + AddressSpace.PageSize)[0] & 1) != 0;
    }
}
