using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>sched_setattr and sched_getattr: struct sched_attr with its size handshake (kernel/sched/syscalls.c).</summary>
public static partial class Process
{
    private const int SchedAttrVer0 = 48, SchedAttrSize = 56, SchedDeadline = 6, PageSize = 4096;
    private const ulong SchedFlagResetOnFork = 0x01, SchedFlagKeepPolicy = 0x08, SchedFlagKeepParams = 0x10,
        SchedFlagsKnown = 0x7f;

    [Syscall(274, "sched_setattr", Support.Partial, "As sched_setscheduler, with nice and priority, for the caller or any thread of the sandbox. SCHED_DEADLINE is refused with EBUSY, as admission control would. Utilization clamps are accepted and ignored.")]
    public static SyscallResult SchedSetAttr(ISyscallContext c)
    {
        var pid = c.Int(0);
        var address = c.Arg(1);
        if (address == 0 || pid < 0 || c.UInt(2) != 0) return Errno.EINVAL;
        if (c.Memory.ReadStruct<uint>(address, out var size) != Errno.None) return Errno.EFAULT;
        if (size == 0) size = SchedAttrVer0;
        if (size < SchedAttrVer0 || size > PageSize)
        {
            // The caller learns the size this kernel knows.
            return c.Memory.WriteStruct(address, (uint)SchedAttrSize) == Errno.None ? Errno.E2BIG : Errno.EFAULT;
        }
        var raw = new byte[size];
        if (c.Memory.Read(address, raw) != Errno.None) return Errno.EFAULT;
        // A newer caller's fields this kernel does not know must be zero.
        for (var i = SchedAttrSize; i < raw.Length; i++)
        {
            if (raw[i] != 0) return c.Memory.WriteStruct(address, (uint)SchedAttrSize) == Errno.None ? Errno.E2BIG : Errno.EFAULT;
        }
        var policy = BitConverter.ToInt32(raw, 4);
        var flags = BitConverter.ToUInt64(raw, 8);
        var nice = BitConverter.ToInt32(raw, 16);
        var prio = BitConverter.ToInt32(raw, 20);
        if ((flags & ~SchedFlagsKnown) != 0) return Errno.EINVAL;
        if (!SelfOrExisting(c, pid)) return Errno.ESRCH;
        var s = SchedTarget(c, pid);
        if ((flags & SchedFlagKeepPolicy) != 0) policy = s.Policy;
        if (policy is not (TaskSettings.SchedOther or TaskSettings.SchedFifo or TaskSettings.SchedRr or TaskSettings.SchedBatch
            or TaskSettings.SchedIdle or SchedDeadline)) return Errno.EINVAL;
        if (policy != SchedDeadline && !ValidPriority(policy, prio)) return Errno.EINVAL;
        nice = Math.Clamp(nice, -20, 19);
        var fair = policy is TaskSettings.SchedOther or TaskSettings.SchedBatch or TaskSettings.SchedIdle;
        if (!SameOwner(c, s) || !MaySchedule(c, s, policy, fair ? nice : s.Nice, prio, (flags & SchedFlagResetOnFork) != 0)) return Errno.EPERM;
        if (policy == SchedDeadline) return Errno.EBUSY;
        s.Policy = policy;
        if ((flags & SchedFlagKeepParams) == 0) s.Priority = prio;
        if (fair) s.Nice = nice;
        s.ResetOnFork = (flags & SchedFlagResetOnFork) != 0;
        return 0;
    }

    [Syscall(275, "sched_getattr", Support.Full, "Policy, flags, nice and priority of the thread; the size handshake of newer and older callers.")]
    public static SyscallResult SchedGetAttr(ISyscallContext c)
    {
        var pid = c.Int(0);
        var size = c.UInt(2);
        if (c.Arg(1) == 0 || pid < 0 || size < SchedAttrVer0 || size > PageSize || c.UInt(3) != 0) return Errno.EINVAL;
        if (!SelfOrExisting(c, pid)) return Errno.ESRCH;
        var s = SchedTarget(c, pid);
        var attr = new byte[SchedAttrSize];
        var written = (int)Math.Min(size, SchedAttrSize);
        BitConverter.TryWriteBytes(attr.AsSpan(0), (uint)written);
        BitConverter.TryWriteBytes(attr.AsSpan(4), s.Policy);
        BitConverter.TryWriteBytes(attr.AsSpan(8), s.ResetOnFork ? SchedFlagResetOnFork : 0UL);
        BitConverter.TryWriteBytes(attr.AsSpan(16), s.Nice);
        BitConverter.TryWriteBytes(attr.AsSpan(20), s.Priority);
        // sched_util_min/max stay 0, as on a kernel without CONFIG_UCLAMP_TASK (Debian's).
        return c.Memory.Write(c.Arg(1), attr.AsSpan(0, written)) == Errno.None ? 0 : Errno.EFAULT;
    }
}
