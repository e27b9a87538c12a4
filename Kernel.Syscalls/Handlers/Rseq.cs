using System.Buffers.Binary;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// rseq: a thread registers a struct rseq whose cpu fields the kernel keeps (the sandbox has one CPU: 0), and whose
/// critical section, if the thread is preempted or gets a signal inside it, is aborted to its abort handler (the
/// vCPU does that, see Runner.Rseq).
/// </summary>
public static class Rseq
{
    private const int FlagUnregister = 1;
    private const uint OrigSize = 32;
    private const int CpuIdStart = 0, CpuId = 4, NodeId = 20, MmCid = 24;

    [Syscall(293, "rseq", Support.Full, "Registration and unregistration with Linux's checks (EINVAL, EPERM for another signature, EBUSY); cpu_id_start, cpu_id, node_id and mm_cid are kept at 0 (one CPU); a critical section preempted or interrupted by a signal restarts at its abort handler (signature checked, SIGSEGV otherwise). Not inherited by new threads; kept by fork; dropped by exec.")]
    public static SyscallResult Call(ISyscallContext c)
    {
        var address = c.Arg(0);
        var length = (uint)c.Arg(1);
        var flags = c.Int(2);
        var signature = (uint)c.Arg(3);
        var t = c.Task;
        if ((flags & FlagUnregister) != 0)
        {
            if ((flags & ~FlagUnregister) != 0) return Errno.EINVAL;
            if (t.Rseq != address || t.RseqLength != length) return Errno.EINVAL;
            if (t.RseqSignature != signature) return Errno.EPERM;
            // The fields say "not registered" again: cpu_id_start 0, cpu_id RSEQ_CPU_ID_UNINITIALIZED (-1).
            var reset = new byte[8];
            BinaryPrimitives.WriteInt32LittleEndian(reset.AsSpan(CpuId), -1);
            if (c.Memory.Write(address, reset) != Errno.None) return Errno.EFAULT;
            t.Rseq = 0;
            t.RseqLength = 0;
            t.RseqSignature = 0;
            return 0;
        }
        if (flags != 0) return Errno.EINVAL;
        if (t.Rseq != 0)
        {
            if (t.Rseq != address || t.RseqLength != length) return Errno.EINVAL;
            return t.RseqSignature != signature ? Errno.EPERM : Errno.EBUSY;
        }
        if (length < OrigSize || (address & (OrigSize - 1)) != 0) return Errno.EINVAL;
        var fields = new byte[MmCid + 4];
        if (c.Memory.Read(address, fields) != Errno.None) return Errno.EFAULT;
        BinaryPrimitives.WriteUInt32LittleEndian(fields.AsSpan(CpuIdStart), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(fields.AsSpan(CpuId), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(fields.AsSpan(NodeId), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(fields.AsSpan(MmCid), 0);
        if (c.Memory.Write(address, fields) != Errno.None) return Errno.EFAULT;
        t.Rseq = address;
        t.RseqLength = length;
        t.RseqSignature = signature;
        return 0;
    }
}
