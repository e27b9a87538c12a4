using System.Runtime.InteropServices;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// futex: waits and wakes take the fast path on the task's thread (private futexes live with their process's
/// runner; shared ones, in MAP_SHARED memory, in the sandbox's table keyed by file and offset).
/// </summary>
public static class Futex
{
    private const int Wait = 0, Wake = 1, Requeue = 3, CmpRequeue = 4, WakeOp = 5, WaitBitset = 9, WakeBitset = 10;
    private const int PrivateFlag = 128, ClockRealtimeFlag = 256;

    [Syscall(98, "futex", Support.Partial, "WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, WAIT_BITSET and WAKE_BITSET: private ones on the task's thread, shared ones in MAP_SHARED memory (shared anonymous, /dev/shm, memfd) across processes; the PI operations give ENOSYS.")]
    public static SyscallResult Call(ISyscallContext c)
    {
        var op = c.Int(1) & 0x7f; // without FUTEX_PRIVATE_FLAG and FUTEX_CLOCK_REALTIME
        var shared = (c.Int(1) & PrivateFlag) == 0; // may be shared with other processes
        if ((c.Int(1) & ClockRealtimeFlag) != 0 && op is not (WaitBitset or Wait)) return Errno.ENOSYS;
        var address = c.Arg(0);
        if ((address & 3) != 0) return Errno.EINVAL;
        switch (op)
        {
            case Wait or WaitBitset:
            {
                var bitset = op == WaitBitset ? c.UInt(5) : uint.MaxValue;
                if (bitset == 0) return Errno.EINVAL;
                TimeSpan? timeout = null;
                if (c.Arg(3) != 0)
                {
                    var e = Time.ReadTimespec(c, c.Arg(3), out var sec, out var nsec);
                    if (e != Errno.None) return e;
                    // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's is absolute on its clock.
                    var clock = (c.Int(1) & ClockRealtimeFlag) != 0 ? Time.ClockRealtime : Time.ClockMonotonic;
                    timeout = op == WaitBitset ? Time.UntilAbsolute(c, clock, sec, nsec) : Time.Relative(sec, nsec);
                }
                return c.Task.FutexWait(address, c.UInt(2), bitset, timeout, shared);
            }
            case Wake or WakeBitset:
            {
                var bitset = op == WakeBitset ? c.UInt(5) : uint.MaxValue;
                if (bitset == 0) return Errno.EINVAL;
                return c.Task.FutexWake(address, Math.Max(c.Int(2), 0), bitset, shared);
            }
            case Requeue or CmpRequeue:
                return RequeueWaiters(c, address, shared, compare: op == CmpRequeue);
            case WakeOp:
                return WakeWithOp(c, address, shared);
            default:
                return Errno.ENOSYS;
        }
    }

    /// <summary>FUTEX_(CMP_)REQUEUE: wake up to val waiters on uaddr, move up to val2 of the rest to uaddr2.</summary>
    private static SyscallResult RequeueWaiters(ISyscallContext c, ulong from, bool shared, bool compare)
    {
        var to = c.Arg(4);
        int wake = c.Int(2), requeue = (int)Math.Min(c.Arg(3), int.MaxValue);
        if (wake < 0 || c.Long(3) < 0) return Errno.EINVAL;
        if ((to & 3) != 0) return Errno.EINVAL;
        Span<byte> word = stackalloc byte[4];
        if (compare)
        {
            if (c.Memory.Read(from, word) != Errno.None) return Errno.EFAULT;
            if (BitConverter.ToUInt32(word) != c.UInt(5)) return Errno.EAGAIN;
        }
        else if (c.Memory.Read(to, word) != Errno.None) return Errno.EFAULT;
        var (woken, moved) = c.Task.FutexRequeue(from, to, wake, requeue, shared);
        // Both report the woken and requeued together (futex_requeue's task count; the man page says woken only).
        return woken + moved;
    }

    /// <summary>
    /// FUTEX_WAKE_OP: atomically applies the encoded operation to *uaddr2, wakes up to val waiters on uaddr and,
    /// if the old value of *uaddr2 passes the encoded comparison, up to val2 on uaddr2.
    /// </summary>
    private static SyscallResult WakeWithOp(ISyscallContext c, ulong address, bool shared)
    {
        var second = c.Arg(4);
        var encoded = c.UInt(5);
        int opcode = (int)(encoded >> 28) & 7, cmp = (int)(encoded >> 24) & 15;
        int oparg = SignExtend12((int)(encoded >> 12)), cmparg = SignExtend12((int)encoded);
        if ((encoded & (8u << 28)) != 0) oparg = 1 << (oparg & 31); // FUTEX_OP_OPARG_SHIFT (out-of-range shifts are masked, as Linux does)
        if (opcode > 4 || cmp > 5) return Errno.ENOSYS;
        if ((second & 3) != 0) return Errno.EINVAL;
        if (c.Memory.GetSpan(second, 4, write: true, out var span) != Errno.None) return Errno.EFAULT;
        ref var cell = ref MemoryMarshal.Cast<byte, int>(span)[0];
        int old;
        while (true)
        {
            old = Volatile.Read(ref cell);
            var value = opcode switch
            {
                0 => oparg,
                1 => old + oparg,
                2 => old | oparg,
                3 => old & ~oparg,
                _ => old ^ oparg,
            };
            if (Interlocked.CompareExchange(ref cell, value, old) == old) break;
        }
        var woken = c.Task.FutexWake(address, Math.Max(c.Int(2), 0), uint.MaxValue, shared);
        var passes = cmp switch
        {
            0 => old == cmparg,
            1 => old != cmparg,
            2 => old < cmparg,
            3 => old <= cmparg,
            4 => old > cmparg,
            _ => old >= cmparg,
        };
        if (passes) woken += c.Task.FutexWake(second, (int)Math.Min(c.Arg(3), int.MaxValue), uint.MaxValue, shared);
        return woken;
    }

    private static int SignExtend12(int value) => (value & 0xfff) << 20 >> 20;
}
