using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;

namespace Kernel.Actors.Tasks;

/// <summary>How a signal is charged to its receiver's real uid for RLIMIT_SIGPENDING.</summary>
public readonly record struct SignalCharge(SignalCharge.Kind How, uint Uid)
{
    public enum Kind
    {
        /// <summary>Charged as it is queued, with __send_signal's rules: the kernel's standard signals override the limit.</summary>
        OnQueue,
        /// <summary>The sender already charged <see cref="Uid"/> (a signal to another process, whose EAGAIN the sender had to give).</summary>
        Charged,
        /// <summary>A POSIX timer's siginfo, charged while the timer exists.</summary>
        Preallocated,
    }

    public static SignalCharge OnQueue => default;
    public static SignalCharge Preallocated => new(Kind.Preallocated, 0);
    public static SignalCharge ChargedTo(uint uid) => new(Kind.Charged, uid);

    /// <summary>__send_signal's override_rlimit: a standard signal from the kernel or kill (si_code &gt;= 0) is always queued.</summary>
    public static bool Overrides(SigInfo info) => info.Signo < Sig.SIGRTMIN && info.Code >= 0;

    /// <summary>Without room, this signal fails with EAGAIN (a real-time one not from kill); any other loses its siginfo.</summary>
    public static bool FailsWithoutRoom(SigInfo info) => info.Signo >= Sig.SIGRTMIN && info.Code != SigInfo.SiUser;
}

/// <summary>
/// Signals queued for a thread or a whole process. A standard signal (1-31) is pending at most once (a second
/// one merges into it); real-time signals queue every instance, in order. Each queued siginfo is charged to the
/// receiver's real uid; past RLIMIT_SIGPENDING a signal is pending without one (taken with an empty SI_USER siginfo,
/// as collect_signal makes it) or refused. Changed on the owning process's vCPU thread, and by signalfd reads on other
/// threads: a lock guards the queue; <see cref="Bits"/> may be read without it.
/// </summary>
public sealed class PendingSignals(KernelProcess owner)
{
    private readonly record struct Entry(SigInfo Info, bool Charged, uint Uid);

    private readonly List<Entry> _queue = [];
    private readonly Lock _lock = new();
    private ulong _bits;

    private SignalCharges Charges => owner.Sandbox.SignalCharges;

    /// <summary>Bit (n-1) set when signal n is pending.</summary>
    public ulong Bits
    {
        get => Volatile.Read(ref _bits);
        private set => Volatile.Write(ref _bits, value);
    }

    public static ulong Bit(int sig) => 1UL << (sig - 1);

    /// <summary>Queues <paramref name="info"/>; false when a real-time signal finds no room under RLIMIT_SIGPENDING (EAGAIN).</summary>
    public bool Add(SigInfo info, SignalCharge charge = default)
    {
        lock (_lock) return AddLocked(info, charge);
    }

    private bool AddLocked(SigInfo info, SignalCharge charge)
    {
        var sig = info.Signo;
        if (sig < Sig.SIGRTMIN && (Bits & Bit(sig)) != 0)
        {
            // Merged into the pending one (legacy_queue): nothing is queued, so a sender's charge goes back.
            if (charge.How == SignalCharge.Kind.Charged) Charges.Release(charge.Uid);
            return true;
        }
        Entry entry;
        switch (charge.How)
        {
            case SignalCharge.Kind.Preallocated:
                entry = new Entry(info, false, 0);
                break;
            case SignalCharge.Kind.Charged:
                entry = new Entry(info, true, charge.Uid);
                break;
            default:
                var uid = owner.Creds.Uid;
                if (SignalCharge.Overrides(info)) Charges.Charge(uid);
                else if (!Charges.TryCharge(uid, owner.GetLimit(Limits.SigPending).Cur))
                {
                    if (SignalCharge.FailsWithoutRoom(info)) return false;
                    Bits |= Bit(sig); // pending without its siginfo
                    return true;
                }
                entry = new Entry(info, true, uid);
                break;
        }
        _queue.Add(entry);
        Bits |= Bit(sig);
        return true;
    }

    private void Release(Entry e)
    {
        if (e.Charged) Charges.Release(e.Uid);
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
        var i = _queue.FindIndex(s => s.Info.Signo == sig);
        if (i < 0)
        {
            // Pending without a siginfo (none could be charged): collect_signal's empty one.
            Bits &= ~Bit(sig);
            return new SigInfo(sig, SigInfo.SiUser);
        }
        var entry = _queue[i];
        _queue.RemoveAt(i);
        Release(entry);
        if (!_queue.Exists(s => s.Info.Signo == sig)) Bits &= ~Bit(sig);
        return entry.Info;
    }

    /// <summary>Drops every pending instance of the signals in <paramref name="set"/> (SIGCONT drops stops, a new SIG_IGN drops its signal).</summary>
    public void Remove(ulong set)
    {
        if ((Bits & set) == 0) return;
        lock (_lock)
        {
            RemoveWhere(e => (Bit(e.Info.Signo) & set) != 0);
            Bits &= ~set;
        }
    }

    private int RemoveWhere(Predicate<Entry> match)
    {
        foreach (var e in _queue) if (match(e)) Release(e);
        return _queue.RemoveAll(match);
    }

    /// <summary>Whether this very instance (a timer's signal) is still queued.</summary>
    public bool Contains(SigInfo info)
    {
        lock (_lock) return _queue.Exists(s => ReferenceEquals(s.Info, info));
    }

    /// <summary>Takes this very instance out (a deleted timer's signal).</summary>
    public void Remove(SigInfo info)
    {
        lock (_lock)
        {
            if (RemoveWhere(s => ReferenceEquals(s.Info, info)) == 0) return;
            if (!_queue.Exists(s => s.Info.Signo == info.Signo)) Bits &= ~Bit(info.Signo);
        }
    }

    /// <summary>The queued siginfos in the order they were queued (ptrace's PEEKSIGINFO).</summary>
    public List<SigInfo> Snapshot()
    {
        lock (_lock) return _queue.ConvertAll(e => e.Info);
    }

    public void Clear()
    {
        lock (_lock)
        {
            RemoveWhere(_ => true);
            Bits = 0;
        }
    }
}
