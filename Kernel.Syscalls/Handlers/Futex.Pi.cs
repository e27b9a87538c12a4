using Kernel.Syscalls.Abi;

namespace Kernel.Syscalls.Handlers;

public static partial class Futex
{
    /// <summary>
    /// FUTEX_WAIT_REQUEUE_PI (sleep on a plain word until FUTEX_CMP_REQUEUE_PI moves the caller onto a PI futex or hands
    /// it the lock) and FUTEX_CMP_REQUEUE_PI, which wakes at most one waiter (nr_wake must be 1) and requeues the rest.
    /// </summary>
    private static SyscallResult RequeuePi(ISyscallContext c, bool compare, ulong address, bool shared, TimeSpan? timeout)
    {
        var target = c.Arg(4);
        if (!compare)
        {
            if (address == target || (target & 3) != 0 || (address & 3) != 0) return Errno.EINVAL;
            return c.Task.Futexes.WaitRequeuePi(address, c.UInt(2), target, shared, timeout);
        }
        // val2 travels in the timeout argument, as a 32-bit count.
        int wake = c.Int(2), requeue = (int)(uint)c.Arg(3);
        if (wake < 0 || requeue < 0 || address == target || wake != 1) return Errno.EINVAL;
        if ((address & 3) != 0 || (target & 3) != 0) return Errno.EINVAL;
        return c.Task.Futexes.CmpRequeuePi(address, target, requeue, c.UInt(5), shared);
    }
}
