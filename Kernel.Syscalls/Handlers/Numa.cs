using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// NUMA memory policy (set_mempolicy, get_mempolicy, mbind) and page placement (migrate_pages, move_pages), for a
/// sandbox of one node: policies are checked, kept per thread and per area and reported exactly as Linux does on a
/// one-node machine; they change nothing else, since all memory is on node 0.
/// </summary>
public static class Numa
{
    private const int MpolFNode = 1, MpolFAddr = 2, MpolFMemsAllowed = 4;
    private const int MfStrict = 1, MfMove = 2, MfMoveAll = 4;
    private const int CapSysNice = 23;
    private const string Note = "One NUMA node (node 0): policies are checked and kept as Linux keeps them on a one-node machine and change no placement.";

    [Syscall(237, "set_mempolicy", Support.Full, "MPOL_DEFAULT, PREFERRED, BIND, INTERLEAVE, LOCAL, PREFERRED_MANY and WEIGHTED_INTERLEAVE with " +
        "MPOL_F_STATIC_NODES, RELATIVE_NODES and NUMA_BALANCING, per thread and inherited. " + Note)]
    public static SyscallResult SetMempolicy(ISyscallContext c)
    {
        var e = Parse(c, c.Int(0), c.Arg(1), c.Arg(2), out var policy);
        if (e != Errno.None) return e;
        c.Task.Settings.MemPolicy = policy;
        return 0;
    }

    [Syscall(236, "get_mempolicy", Support.Full, "The thread's or an area's policy and nodes, MPOL_F_NODE (the node of a page: 0), MPOL_F_ADDR " +
        "and MPOL_F_MEMS_ALLOWED. " + Note)]
    public static SyscallResult GetMempolicy(ISyscallContext c)
    {
        ulong policyPtr = c.Arg(0), nmask = c.Arg(1), maxnode = c.Arg(2), addr = c.Arg(3);
        int flags = c.Int(4);
        if ((flags & ~(MpolFNode | MpolFAddr | MpolFMemsAllowed)) != 0) return Errno.EINVAL;
        if ((flags & MpolFMemsAllowed) != 0)
        {
            if ((flags & (MpolFNode | MpolFAddr)) != 0) return Errno.EINVAL;
            return Answer(c, policyPtr, 0, nmask, maxnode, MemPolicy.OnlineNodes);
        }
        if (nmask != 0 && maxnode < 1) return Errno.EINVAL; // fewer bits than nodes
        if ((flags & MpolFAddr) == 0)
        {
            if (addr != 0) return Errno.EINVAL;
            var own = c.Task.Settings.MemPolicy;
            int value;
            if ((flags & MpolFNode) != 0)
            {
                // The next node an interleave would use; meaningless for other policies.
                if (own is not { Mode: MemPolicy.Interleave or MemPolicy.WeightedInterleave }) return Errno.EINVAL;
                value = 0;
            }
            else value = own?.Encoded ?? 0;
            return Answer(c, policyPtr, value, nmask, maxnode, own?.ReportedNodes ?? 0);
        }
        return SyscallResult.Send(new QueryMemPolicy(c.Task, addr), reply => reply switch
        {
            MemPolicyFound found => Answer(c, policyPtr, (flags & MpolFNode) != 0 ? 0 : found.Policy?.Encoded ?? 0, nmask, maxnode,
                found.Policy?.ReportedNodes ?? 0),
            Failed f => f.Errno,
            _ => Errno.EIO,
        });
    }

    [Syscall(235, "mbind", Support.Full, "Every mode and flag of set_mempolicy on page-aligned ranges (EFAULT over holes), MPOL_MF_STRICT, MOVE and " +
        "MOVE_ALL (CAP_SYS_NICE); get_mempolicy(MPOL_F_ADDR) reports the area's policy. " + Note)]
    public static SyscallResult Mbind(ISyscallContext c)
    {
        ulong start = c.Arg(0), length = c.Arg(1);
        var e = Parse(c, c.Int(2), c.Arg(3), c.Arg(4), out var policy);
        if (e != Errno.None) return e;
        uint flags = c.UInt(5);
        if ((flags & ~(uint)(MfStrict | MfMove | MfMoveAll)) != 0) return Errno.EINVAL;
        if ((flags & MfMoveAll) != 0 && !c.Task.Settings.Has(CapSysNice)) return Errno.EPERM;
        if ((start & 4095) != 0) return Errno.EINVAL;
        ulong end = start + ((length + 4095) & ~4095UL);
        if (end < start || length > ulong.MaxValue - 4095) return Errno.EINVAL;
        if (end == start) return 0;
        return SyscallResult.Send(new BindMemory(c.Task, start, end, policy));
    }

    [Syscall(238, "migrate_pages", Support.Full, "Checks the pid (ESRCH), the caller's right to the process (EPERM) and both node masks; " +
        "with one node no page moves, so it returns 0.")]
    public static SyscallResult MigratePages(ISyscallContext c)
    {
        var e = ReadNodes(c, c.Arg(2), c.Arg(1), out _);
        if (e != Errno.None) return e;
        e = ReadNodes(c, c.Arg(3), c.Arg(1), out var newNodes);
        if (e != Errno.None) return e;
        int pid = c.Int(0);
        if (pid < 0) return Errno.ESRCH;
        var r = c.Task.CheckProcessAccess(pid);
        if (r < 0) return (Errno)(-r);
        // New nodes outside those the task may use need CAP_SYS_NICE; none of them exist anyway.
        if ((newNodes & ~MemPolicy.OnlineNodes) != 0) return c.Task.Settings.Has(CapSysNice) ? Errno.EINVAL : Errno.EPERM;
        return 0;
    }

    [Syscall(239, "move_pages", Support.Full, "Reports each page's node (0), -EFAULT for an unmapped page and -ENOENT for one not present; " +
        "moves to node 0 succeed in place, other nodes give ENODEV; MPOL_MF_MOVE_ALL needs CAP_SYS_NICE.")]
    public static SyscallResult MovePages(ISyscallContext c)
    {
        int pid = c.Int(0);
        ulong count = c.Arg(1), pages = c.Arg(2), nodes = c.Arg(3), status = c.Arg(4);
        int flags = c.Int(5);
        if ((flags & ~(MfMove | MfMoveAll)) != 0) return Errno.EINVAL;
        if ((flags & MfMoveAll) != 0 && !c.Task.Settings.Has(CapSysNice)) return Errno.EPERM;
        if (pid < 0) return Errno.ESRCH;
        var access = c.Task.CheckProcessAccess(pid);
        if (access < 0) return (Errno)(-access);
        if (count == 0) return 0;
        if (count > 1 << 20) return Errno.E2BIG;
        var addresses = new ulong[count];
        for (ulong i = 0; i < count; i++)
        {
            if (c.Memory.ReadStruct<ulong>(pages + 8 * i, out addresses[i]) != Errno.None) return Errno.EFAULT;
            if (nodes == 0) continue;
            if (c.Memory.ReadStruct<int>(nodes + 4 * i, out var node) != Errno.None) return Errno.EFAULT;
            if (node != 0) return Errno.ENODEV; // node 0 is the only one
        }
        return SyscallResult.Send(new PageStatus(c.Task, pid, addresses), reply => reply switch
        {
            Bytes b => c.CopyOut(status, b.Data),
            Failed f => f.Errno,
            _ => Errno.EIO,
        });
    }

    /// <summary>sanitize_mpol_flags, get_nodes and mpol_new: a policy (null for MPOL_DEFAULT) or Linux's errno.</summary>
    private static Errno Parse(ISyscallContext c, int modeArg, ulong nmask, ulong maxnode, out MemPolicy? policy)
    {
        policy = null;
        int flags = modeArg & (MemPolicy.StaticNodes | MemPolicy.RelativeNodes | MemPolicy.NumaBalancing);
        int mode = modeArg & ~flags;
        if (mode < 0 || mode >= MemPolicy.ModeMax) return Errno.EINVAL;
        if ((flags & (MemPolicy.StaticNodes | MemPolicy.RelativeNodes)) == (MemPolicy.StaticNodes | MemPolicy.RelativeNodes)) return Errno.EINVAL;
        if ((flags & MemPolicy.NumaBalancing) != 0 && mode is not (MemPolicy.Bind or MemPolicy.PreferredMany)) return Errno.EINVAL;
        var e = ReadNodes(c, nmask, maxnode, out var nodes);
        if (e != Errno.None) return e;
        bool fixedNodes = (flags & (MemPolicy.StaticNodes | MemPolicy.RelativeNodes)) != 0;
        switch (mode)
        {
            case MemPolicy.Default:
                return nodes != 0 ? Errno.EINVAL : Errno.None;
            case MemPolicy.Preferred when nodes == 0:
                if (fixedNodes) return Errno.EINVAL;
                mode = MemPolicy.Local; // an empty preferred set means "local"
                break;
            case MemPolicy.Local:
                if (nodes != 0 || fixedNodes) return Errno.EINVAL;
                break;
            default:
                if (nodes == 0) return Errno.EINVAL;
                break;
        }
        ulong effective = 0;
        if (mode != MemPolicy.Local)
        {
            // mpol_set_nodemask: relative nodes fold onto the allowed ones; the rest keep only allowed nodes.
            effective = (flags & MemPolicy.RelativeNodes) != 0 ? MemPolicy.OnlineNodes : nodes & MemPolicy.OnlineNodes;
            if (effective == 0) return Errno.EINVAL;
            if (mode == MemPolicy.Preferred) effective &= (ulong)-(long)effective; // one node: the first
        }
        policy = new MemPolicy(mode, flags, effective, nodes);
        return Errno.None;
    }

    /// <summary>get_nodes: maxnode - 1 bits of a nodemask (none without one); EINVAL for a huge mask or nodes past MAX_NUMNODES.</summary>
    private static Errno ReadNodes(ISyscallContext c, ulong nmask, ulong maxnode, out ulong nodes)
    {
        nodes = 0;
        if (maxnode > 0) maxnode--;
        if (nmask == 0 || maxnode == 0) return Errno.None;
        if (maxnode > 4096 * 8) return Errno.EINVAL;
        int words = (int)((maxnode + 63) / 64);
        var raw = new byte[words * 8];
        if (c.Memory.Read(nmask, raw) != Errno.None) return Errno.EFAULT;
        for (int w = 0; w < words; w++)
        {
            ulong word = BitConverter.ToUInt64(raw, w * 8);
            int bits = (int)Math.Min(64, maxnode - (ulong)(64 * w));
            if (bits < 64) word &= (1UL << bits) - 1;
            if (w == 0) nodes = word;
            else if (word != 0) return Errno.EINVAL; // a node beyond MAX_NUMNODES
        }
        return Errno.None;
    }

    /// <summary>Writes the policy value and copy_nodes_to_user's mask (zeroed past the one word of nodes).</summary>
    private static SyscallResult Answer(ISyscallContext c, ulong policyPtr, int value, ulong nmask, ulong maxnode, ulong nodes)
    {
        if (policyPtr != 0 && c.Memory.WriteStruct(policyPtr, value) != Errno.None) return Errno.EFAULT;
        if (nmask == 0) return 0;
        ulong bytes = ((maxnode - 1 + 63) / 64) * 8;
        if (bytes == 0) return 0;
        if (bytes > 4096 + 8) return Errno.EINVAL;
        var raw = new byte[bytes];
        BitConverter.TryWriteBytes(raw, nodes);
        return c.Memory.Write(nmask, raw) != Errno.None ? Errno.EFAULT : 0;
    }
}
