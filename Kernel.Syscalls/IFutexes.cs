namespace Kernel.Syscalls;

/// <summary>The futex operations beyond plain waits and wakes: priority inheritance and futex_waitv.</summary>
public interface IFutexes
{
    /// <summary>FUTEX_LOCK_PI(2) (<paramref name="timeout"/> from now; null: none) or FUTEX_TRYLOCK_PI.</summary>
    SyscallResult LockPi(ulong address, bool shared, TimeSpan? timeout, bool trylock);
    SyscallResult UnlockPi(ulong address, bool shared);
    /// <summary>FUTEX_WAIT_REQUEUE_PI: waits on the plain word at <paramref name="address"/> for a requeue onto the PI futex at <paramref name="target"/>.</summary>
    SyscallResult WaitRequeuePi(ulong address, uint expected, ulong target, bool shared, TimeSpan? timeout);
    /// <summary>FUTEX_CMP_REQUEUE_PI with nr_wake 1: the number of waiters woken or requeued.</summary>
    SyscallResult CmpRequeuePi(ulong from, ulong to, int requeue, uint expected, bool shared);
    /// <summary>Whether PI or WAIT_REQUEUE_PI waiters sleep on the word (a plain wake or requeue of it is EINVAL).</summary>
    bool HasPiWaiters(ulong address, bool shared);
    /// <summary>futex_waitv: sleeps on every word until one is woken (its index), or -errno.</summary>
    SyscallResult WaitAny(IReadOnlyList<WaitvEntry> futexes, TimeSpan? timeout);
}

/// <summary>One word of a futex_waitv call.</summary>
public readonly record struct WaitvEntry(ulong Address, uint Value, bool Shared);
