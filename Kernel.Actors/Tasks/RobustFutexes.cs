using System.Runtime.InteropServices;

namespace Kernel.Actors.Tasks;

/// <summary>
/// Robust futexes (Linux's exit_robust_list): when a thread ends (exit, exec, a killed process), every futex on its
/// robust list that it still owns gets FUTEX_OWNER_DIED and one waiter is woken, so a process-shared or robust
/// pthread mutex held by a dead thread is handed on with EOWNERDEAD instead of blocking its waiters for ever.
/// </summary>
internal static class RobustFutexes
{
    private const uint Waiters = 0x80000000, OwnerDied = 0x40000000, TidMask = 0x3fffffff;
    private const int ListLimit = 2048; // ROBUST_LIST_LIMIT: a cyclic or hostile list ends here

    /// <summary>
    /// futex_cleanup: walks <paramref name="task"/>'s robust list, then hands the PI futexes it still owns with waiters
    /// to their next owners (exit_pi_state_list).
    /// </summary>
    public static void Release(KernelTask task)
    {
        WalkList(task);
        task.Process.Sandbox.PiFutexes.ReleaseOwned(task);
    }

    /// <summary>Walks <paramref name="task"/>'s robust list (a guest structure: any bad pointer just ends the walk).</summary>
    private static void WalkList(KernelTask task)
    {
        var head = task.RobustList;
        task.RobustList = 0;
        if (head == 0) return;
        var mm = task.Process.Mm;
        Span<byte> raw = stackalloc byte[24];
        // struct robust_list_head { robust_list *next; long futex_offset; robust_list *list_op_pending; }
        if (mm.Read(head, raw) != Kernel.Syscalls.Abi.Errno.None) return;
        var entry = BitConverter.ToUInt64(raw);
        var offset = BitConverter.ToInt64(raw[8..]);
        var pending = BitConverter.ToUInt64(raw[16..]);
        Span<byte> next = stackalloc byte[8];
        for (var i = 0; i < ListLimit && (entry & ~1UL) != head; i++)
        {
            // Bit 0 of a list pointer marks a PI futex; the entry itself is the address without it.
            var at = entry & ~1UL;
            var pi = (entry & 1) != 0;
            if (mm.Read(at, next) != Kernel.Syscalls.Abi.Errno.None) return;
            entry = BitConverter.ToUInt64(next);
            if (at != (pending & ~1UL)) OwnerDies(task, (ulong)((long)at + offset), pi);
        }
        if (pending != 0) OwnerDies(task, (ulong)((long)(pending & ~1UL) + offset), pi: (pending & 1) != 0, pendingOp: true);
    }

    /// <summary>handle_futex_death: if the thread still owns the word, mark the owner dead and wake one waiter.</summary>
    private static void OwnerDies(KernelTask task, ulong address, bool pi, bool pendingOp = false)
    {
        if ((address & 3) != 0 || task.Process.Mm.GetSpan(address, 4, write: true, out var span) != Kernel.Syscalls.Abi.Errno.None) return;
        ref var cell = ref MemoryMarshal.Cast<byte, uint>(span)[0];
        while (true)
        {
            var value = Volatile.Read(ref cell);
            if (pendingOp && !pi && value == 0)
            {
                // The thread died between releasing a plain robust lock (the word is 0) and waking its waiter.
                task.FutexWake(address, 1, uint.MaxValue, shared: true);
                return;
            }
            if ((value & TidMask) != (uint)task.Tid) return;
            var died = (value & Waiters) | OwnerDied;
            if (Interlocked.CompareExchange(ref cell, died, value) != value) continue;
            // Linux wakes as for a shared futex: a waiter in private memory is found the same way. A PI futex's
            // waiter gets the lock from exit_pi_state_list instead.
            if (!pi && (value & Waiters) != 0) task.FutexWake(address, 1, uint.MaxValue, shared: true);
            return;
        }
    }
}
