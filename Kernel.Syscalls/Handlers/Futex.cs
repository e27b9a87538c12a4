using System.Runtime.InteropServices;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// futex: waits and wakes take the fast path on the task's thread (private futexes live with their process's
/// runner; shared ones, in MAP_SHARED memory, in the sandbox's table keyed by file and offset). The PI operations
/// are in Futex.Pi.cs, futex_waitv in Futex.Waitv.cs.
/// </summary>
public static partial class Futex
{
    private const int Wait = 0, Wake = 1, Requeue = 3, CmpRequeue = 4, WakeOp = 5, LockPi = 6, UnlockPi = 7, TrylockPi = 8,
        WaitBitset = 9, WakeBitset = 10, WaitRequeuePi = 11, CmpRequeuePi = 12, LockPi2 = 13;
    private const int PrivateFlag = 128, ClockRealtimeFlag = 256;

    [Syscall(98, "futex", Support.Full, "Every operation: WAIT, WAKE, REQUEUE, CMP_REQUEUE, WAKE_OP, the BITSET pair and the PI family (LOCK_PI, LOCK_PI2, TRYLOCK_PI, UNLOCK_PI, WAIT_REQUEUE_PI, CMP_REQUEUE_PI) with robust owner death (FUTEX_OWNER_DIED, the lock handed to the next waiter), private and shared (MAP_SHARED memory across processes). PI waiters get the lock in SCHED_FIFO/RR priority order, then in arrival order; the owner inherits the highest waiter's real-time priority on its process's virtual CPU (processes run in parallel on the host, so it needs no boost against other processes' threads); FUTEX_FD gives ENOSYS, as since Linux 2.6.26.")]
    public static SyscallResult Call(ISyscallContext c)
    {
        var cmd = c.Int(1) & ~(PrivateFlag | ClockRealtimeFlag);
        var shared = (c.Int(1) & PrivateFlag) == 0; // may be shared with other processes
        var realtime = (c.Int(1) & ClockRealtimeFlag) != 0;
        // sys_futex reads and checks the timeout of the calls that have one before anything else.
        TimeSpan? timeout = null;
        if (c.Arg(3) != 0 && cmd is Wait or WaitBitset or LockPi or LockPi2 or WaitRequeuePi)
        {
            var e = Time.ReadTimespec(c, c.Arg(3), out var sec, out var nsec);
            if (e != Errno.None) return e;
            // FUTEX_WAIT's timeout is relative; the others' absolute: LOCK_PI's on CLOCK_REALTIME, the rest's on the chosen clock.
            var clock = realtime || cmd == LockPi ? Time.ClockRealtime : Time.ClockMonotonic;
            timeout = cmd == Wait ? Time.Relative(sec, nsec) : Time.UntilAbsolute(c, clock, sec, nsec);
        }
        if (realtime && cmd is not (WaitBitset or WaitRequeuePi or LockPi2)) return Errno.ENOSYS;
        var address = c.Arg(0);
        if (cmd is WaitRequeuePi or CmpRequeuePi) return RequeuePi(c, cmd == CmpRequeuePi, address, shared, timeout);
        if (cmd == UnlockPi) return c.Task.Futexes.UnlockPi(address, shared); // checks the owner before the alignment
        if ((address & 3) != 0) return Errno.EINVAL;
        switch (cmd)
        {
            case Wait or WaitBitset:
            {
                var bitset = cmd == WaitBitset ? c.UInt(5) : uint.MaxValue;
                if (bitset == 0) return Errno.EINVAL;
                return c.Task.FutexWait(address, c.UInt(2), bitset, timeout, shared);
            }
            case Wake or WakeBitset:
            {
                var bitset = cmd == WakeBitset ? c.UInt(5) : uint.MaxValue;
                if (bitset == 0) return Errno.EINVAL;
                if (c.Task.Futexes.HasPiWaiters(address, shared)) return Errno.EINVAL; // PI waiters are not woken so
                return c.Task.FutexWake(address, Math.Max(c.Int(2), 0), bitset, shared);
            }
            case Requeue or CmpRequeue:
                return RequeueWaiters(c, address, shared, compare: cmd == CmpRequeue);
            case WakeOp:
                return WakeWithOp(c, address, shared);
            case LockPi or LockPi2 or TrylockPi:
                return c.Task.Futexes.LockPi(address, shared, timeout, trylock: cmd == TrylockPi);
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
        if (c.Task.Futexes.HasPiWaiters(from, shared)) return Errno.EINVAL; // WAIT_REQUEUE_PI's go only with CMP_REQUEUE_PI
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
        if (c.Task.Futexes.HasPiWaiters(address, shared) || c.Task.Futexes.HasPiWaiters(second, shared)) return Errno.EINVAL;
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
