using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// Signals queued for a thread or a whole process. A standard signal (1-31) is pending at most once (a second
/// one merges into it); real-time signals queue every instance, in order. Changed on the owning
/// process's vCPU thread, and by signalfd reads on other threads: a lock guards the queue; <see cref="Bits"/> may be
/// read without it.
/// </summary>
public sealed class PendingSignals
{
    /// <summary>Queued real-time signals beyond which sigqueue fails with EAGAIN (RLIMIT_SIGPENDING's usual size).</summary>
    public const int MaxQueued = 4096;

    private readonly List<SigInfo> _queue = [];
    private readonly Lock _lock = new();
    private ulong _bits;

    /// <summary>Bit (n-1) set when signal n is pending.</summary>
    public ulong Bits
    {
        get => Volatile.Read(ref _bits);
        private set => Volatile.Write(ref _bits, value);
    }

    public static ulong Bit(int sig) => 1UL << (sig - 1);

    /// <summary>Queues <paramref name="info"/>; false when a real-time signal finds the queue full.</summary>
    public bool Add(SigInfo info)
    {
        lock (_lock) return AddLocked(info);
    }

    private bool AddLocked(SigInfo info)
    {
        var sig = info.Signo;
        if (sig < Sig.SIGRTMIN && (Bits & Bit(sig)) != 0) return true; // merged into the pending one
        if (sig >= Sig.SIGRTMIN && _queue.Count >= MaxQueued) return false;
        _queue.Add(info);
        Bits |= Bit(sig);
        return true;
    }

    /// <summary>Takes the first queued instance of the lowest-numbered signal in <paramref name="among"/>.</summary>
    public SigInfo? Take(ulong among)
    {
        if ((Bits & among) == 0) return null;
        lock (_lock) return TakeLocked(among);
    }

    private SigInfo? TakeLocked(ulong among)
    {
        var ready = Bits & among;
        if (ready == 0) return null;
        var sig = System.Numerics.BitOperations.TrailingZeroCount(ready) + 1;
        var i = _queue.FindIndex(s => s.Signo == sig);
        var info = _queue[i];
        _queue.RemoveAt(i);
        if (!_queue.Exists(s => s.Signo == sig)) Bits &= ~Bit(sig);
        return info;
    }

    /// <summary>Drops every pending instance of the signals in <paramref name="set"/> (SIGCONT drops stops, a new SIG_IGN drops its signal).</summary>
    public void Remove(ulong set)
    {
        if ((Bits & set) == 0) return;
        lock (_lock)
        {
            _queue.RemoveAll(s => (Bit(s.Signo) & set) != 0);
            Bits &= ~set;
        }
    }

    /// <summary>Whether this very instance (a timer's signal) is still queued.</summary>
    public bool Contains(SigInfo info)
    {
        lock (_lock) return _queue.Exists(s => ReferenceEquals(s, info));
    }

    /// <summary>Takes this very instance out (a deleted timer's signal).</summary>
    public void Remove(SigInfo info)
    {
        lock (_lock)
        {
            if (_queue.RemoveAll(s => ReferenceEquals(s, info)) == 0) return;
            if (!_queue.Exists(s => s.Signo == info.Signo)) Bits &= ~Bit(info.Signo);
        }
    }

    /// <summary>The queued siginfos in the order they were queued (ptrace's PEEKSIGINFO).</summary>
    public List<SigInfo> Snapshot()
    {
        lock (_lock) return [.. _queue];
    }

    public void Clear()
    {
        lock (_lock)
        {
            _queue.Clear();
            Bits = 0;
        }
    }
}
