using System.Buffers.Binary;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

public static partial class Futex
{
    private const int WaitvMax = 128; // FUTEX_WAITV_MAX
    private const uint Futex2SizeMask = 3, Futex2SizeU32 = 2, Futex2Private = 128;
    private const int WaitvSize = 24; // struct futex_waitv { u64 val; u64 uaddr; u32 flags; u32 __reserved; }

    [Syscall(449, "futex_waitv", Support.Full, "Up to 128 32-bit futexes, private or shared (MAP_SHARED memory across processes), with an absolute CLOCK_MONOTONIC or CLOCK_REALTIME timeout; every value is compared before sleeping (EAGAIN), and FUTEX_WAKE on any of the words ends the wait with its index. The Linux 6.16 FUTEX2_NUMA and FUTEX2_MPOL flags give EINVAL, as before them.")]
    public static SyscallResult Waitv(ISyscallContext c)
    {
        ulong vector = c.Arg(0), timespec = c.Arg(3);
        var count = c.UInt(1);
        if (c.UInt(2) != 0) return Errno.EINVAL; // no flags are defined
        if (count == 0 || count > WaitvMax || vector == 0) return Errno.EINVAL;
        TimeSpan? timeout = null;
        if (timespec != 0)
        {
            var clock = c.Int(4);
            if (clock is not (Time.ClockRealtime or Time.ClockMonotonic)) return Errno.EINVAL;
            var e = Time.ReadTimespec(c, timespec, out var sec, out var nsec);
            if (e != Errno.None) return e;
            timeout = Time.UntilAbsolute(c, clock, sec, nsec);
        }
        var futexes = new WaitvEntry[count];
        Span<byte> raw = stackalloc byte[WaitvSize];
        for (var i = 0; i < futexes.Length; i++)
        {
            if (c.Memory.Read(vector + (ulong)(i * WaitvSize), raw) != Errno.None) return Errno.EFAULT;
            var value = BinaryPrimitives.ReadUInt64LittleEndian(raw);
            var flags = BinaryPrimitives.ReadUInt32LittleEndian(raw[16..]);
            if ((flags & ~(Futex2SizeMask | Futex2Private)) != 0 || BinaryPrimitives.ReadUInt32LittleEndian(raw[20..]) != 0) return Errno.EINVAL;
            // Only 32-bit futexes exist, and the value must fit in one.
            if ((flags & Futex2SizeMask) != Futex2SizeU32 || value >> 32 != 0) return Errno.EINVAL;
            futexes[i] = new WaitvEntry(BinaryPrimitives.ReadUInt64LittleEndian(raw[8..]), (uint)value, (flags & Futex2Private) == 0);
        }
        return c.Task.Futexes.WaitAny(futexes, timeout);
    }
}
