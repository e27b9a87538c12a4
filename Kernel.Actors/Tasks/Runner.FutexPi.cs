using Kernel.Syscalls;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>Priority-inheritance futexes on the caller's vCPU thread; their state lives in the sandbox's <see cref="PiFutexes"/>.</summary>
public sealed partial class Runner
{
    /// <summary>The table key of a word: file and offset for a shared futex in shared memory, else address space and address.</summary>
    private (object, long) PiKey(ulong address, bool shared) =>
        shared && SharedFutexes.KeyOf(_process.Mm, address) is { } key ? key : (_process.Mm, (long)address);

    /// <summary>Whether FUTEX_WAIT or futex_waitv waiters sleep on the word (a PI operation on it is EINVAL).</summary>
    private bool PlainWaiters(ulong address, bool shared)
    {
        if (shared && SharedFutexes.KeyOf(_process.Mm, address) is { } key) return _sandbox.Futexes.HasWaiters(key);
        foreach (var t in _futexWaiters)
        {
            if (t.FutexWaitingOn is { } w && w.Address == address) return true;
        }
        foreach (var (g, a, _) in _waitv)
        {
            if (a == address && !g.Ended) return true;
        }
        return false;
    }

    internal SyscallResult FutexLockPi(KernelTask task, ulong address, bool shared, TimeSpan? timeout, bool trylock)
    {
        var waiter = new PiFutexes.Waiter(this, task, task.FutexWaitCount + 1, PiKey(address, shared), address);
        var r = _sandbox.PiFutexes.Lock(_process.Mm, address, waiter, trylock, a => PlainWaiters(a, shared));
        if (r != PiFutexes.Queued) return r;
        ParkOnPi(task, waiter, timeout);
        return SyscallResult.Unchanged;
    }

    internal SyscallResult FutexUnlockPi(KernelTask task, ulong address, bool shared)
    {
        if ((address & 3) != 0)
        {
            // futex_unlock_pi reads the word and checks the owner before get_futex_key checks the alignment.
            var word = ReadWord(address);
            return word is null ? Errno.EFAULT : (word & PiFutexes.TidMask) != (uint)task.Tid ? Errno.EPERM : Errno.EINVAL;
        }
        return _sandbox.PiFutexes.Unlock(_process.Mm, address, PiKey(address, shared), task, a => PlainWaiters(a, shared));
    }

    internal SyscallResult FutexWaitRequeuePi(KernelTask task, ulong address, uint expected, ulong target, bool shared, TimeSpan? timeout)
    {
        // get_futex_key(uaddr2, FUTEX_WRITE): a shared key needs the page, writable.
        if (shared && _process.Mm.GetSpan(target, 4, write: true, out _) != Errno.None) return Errno.EFAULT;
        var waiter = new PiFutexes.Waiter(this, task, task.FutexWaitCount + 1, PiKey(address, shared), address)
        {
            TargetKey = PiKey(target, shared),
            TargetAddress = target,
        };
        if (Equals(waiter.Key, waiter.TargetKey))
        {
            // Two mappings of one shared word: Linux finds it out after the value check.
            var word = ReadWord(address);
            return word is null ? Errno.EFAULT : word != expected ? Errno.EAGAIN : Errno.EINVAL;
        }
        var r = _sandbox.PiFutexes.WaitOnWord(_process.Mm, address, expected, waiter);
        if (r != PiFutexes.Queued) return r;
        ParkOnPi(task, waiter, timeout);
        return SyscallResult.Unchanged;
    }

    internal SyscallResult FutexCmpRequeuePi(ulong from, ulong to, int requeue, uint expected, bool shared)
    {
        if (shared && (ReadWord(from) is null || _process.Mm.GetSpan(to, 4, write: true, out _) != Errno.None)) return Errno.EFAULT;
        var fromKey = PiKey(from, shared);
        var toKey = PiKey(to, shared);
        if (Equals(fromKey, toKey)) return Errno.EINVAL;
        return _sandbox.PiFutexes.Requeue(_process.Mm, from, fromKey, to, toKey, requeue, expected, a => PlainWaiters(a, shared));
    }

    internal bool HasPiWaiters(ulong address, bool shared) =>
        _sandbox.PiFutexes.InUse && _sandbox.PiFutexes.HasWaiters(PiKey(address, shared));

    private void ParkOnPi(KernelTask task, PiFutexes.Waiter waiter, TimeSpan? timeout)
    {
        ParkOnFutex(task);
        task.PiWait = waiter;
        AfterTimeout(timeout, () =>
        {
            if (_sandbox.PiFutexes.Remove(waiter) is not null) EndPiWait(waiter, -(long)Errno.ETIMEDOUT);
        });
    }

    /// <summary>A PI wait ended (the lock handed over, a timeout, a signal): the task runs on with <paramref name="result"/>.</summary>
    internal void EndPiWait(PiFutexes.Waiter waiter, long result)
    {
        var task = waiter.Task;
        if (task.PiWait != waiter || task.State != TaskState.Parked) return;
        task.PiWait = null;
        SetResult(task, result);
        AddRunnable(task);
    }

    /// <summary>
    /// A signal for a task in a PI or futex_waitv wait: true when it was one. LOCK_PI and an unrequeued WAIT_REQUEUE_PI
    /// restart (ERESTARTNOINTR); a requeued WAIT_REQUEUE_PI cannot, and fails with EWOULDBLOCK; futex_waitv gives ERESTARTSYS.
    /// </summary>
    private bool InterruptFutexWait(KernelTask task)
    {
        if (task.PiWait is { } pw)
        {
            if (_sandbox.PiFutexes.Remove(pw) is { } phase)
                EndPiWait(pw, phase == PiFutexes.Phase.Requeued ? -(long)Errno.EAGAIN : -(long)Errno.ERESTARTNOINTR);
            return true;
        }
        if (task.Waitv is { } g)
        {
            if (g.Claim(-1)) EndWaitv(g, -(long)Errno.ERESTARTSYS);
            return true;
        }
        return false;
    }

    /// <summary>An ending thread leaves its PI or futex_waitv wait.</summary>
    private void LeaveFutexWaits(KernelTask task)
    {
        if (task.PiWait is { } pw) _sandbox.PiFutexes.Remove(pw);
        task.PiWait = null;
        if (task.Waitv is { } g)
        {
            g.Claim(-1);
            task.Waitv = null;
            EndWaitv(g, 0);
        }
    }
}
