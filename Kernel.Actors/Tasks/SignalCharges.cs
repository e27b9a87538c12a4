using System.Collections.Concurrent;

namespace Kernel.Actors.Tasks;

/// <summary>
/// Queued signals per real uid of the sandbox (Linux's UCOUNT_RLIMIT_SIGPENDING): each queued siginfo and each POSIX
/// timer's preallocated one counts against its receiver's RLIMIT_SIGPENDING. Any thread may charge and release.
/// </summary>
public sealed class SignalCharges
{
    private readonly ConcurrentDictionary<uint, StrongBox> _counts = new();

    private sealed class StrongBox
    {
        public long Value;
    }

    private StrongBox Of(uint uid) => _counts.GetOrAdd(uid, _ => new StrongBox());

    /// <summary>One more for <paramref name="uid"/> if that keeps its count within <paramref name="limit"/>.</summary>
    public bool TryCharge(uint uid, ulong limit)
    {
        var box = Of(uid);
        if ((ulong)Interlocked.Increment(ref box.Value) <= limit) return true;
        Interlocked.Decrement(ref box.Value);
        return false;
    }

    /// <summary>One more whatever the limit (the kernel's own standard signals override it).</summary>
    public void Charge(uint uid) => Interlocked.Increment(ref Of(uid).Value);

    public void Release(uint uid) => Interlocked.Decrement(ref Of(uid).Value);

    /// <summary>The queued signals of <paramref name="uid"/> (/proc/[pid]/status SigQ).</summary>
    public long Count(uint uid) => _counts.TryGetValue(uid, out var box) ? Interlocked.Read(ref box.Value) : 0;
}
