using Kernel.Syscalls;

namespace Kernel.Actors.Tasks;

/// <summary>The task's PI futex and futex_waitv calls, run by its process's runner.</summary>
public sealed partial class KernelTask : IFutexes
{
    /// <summary>The PI futex (or WAIT_REQUEUE_PI word) this task sleeps on, if any.</summary>
    internal PiFutexes.Waiter? PiWait { get; set; }
    /// <summary>The futex_waitv call this task sleeps in, if any.</summary>
    internal WaitvGroup? Waitv { get; set; }

    public IFutexes Futexes => this;

    SyscallResult IFutexes.LockPi(ulong address, bool shared, TimeSpan? timeout, bool trylock) =>
        Process.Runner!.FutexLockPi(this, address, shared, timeout, trylock);

    SyscallResult IFutexes.UnlockPi(ulong address, bool shared) => Process.Runner!.FutexUnlockPi(this, address, shared);

    SyscallResult IFutexes.WaitRequeuePi(ulong address, uint expected, ulong target, bool shared, TimeSpan? timeout) =>
        Process.Runner!.FutexWaitRequeuePi(this, address, expected, target, shared, timeout);

    SyscallResult IFutexes.CmpRequeuePi(ulong from, ulong to, int requeue, uint expected, bool shared) =>
        Process.Runner!.FutexCmpRequeuePi(from, to, requeue, expected, shared);

    bool IFutexes.HasPiWaiters(ulong address, bool shared) => Process.Runner!.HasPiWaiters(address, shared);

    SyscallResult IFutexes.WaitAny(IReadOnlyList<WaitvEntry> futexes, TimeSpan? timeout) =>
        Process.Runner!.FutexWaitAny(this, futexes, timeout);
}
