namespace Kernel.Actors.Tasks;

/// <summary>
/// The task a kernel actor is serving on this thread right now, as Linux's <c>current</c>: what /proc/self and
/// /proc/thread-self resolve to, and whose credentials guard the other processes' magic links. An actor handles
/// one request at a time on one thread, so the value is set around each request and cleared after it.
/// </summary>
public static class CurrentTask
{
    [ThreadStatic] private static KernelTask? _task;

    public static KernelTask? Task => _task;

    /// <summary>Makes <paramref name="task"/> current until the returned scope is disposed (scopes nest).</summary>
    public static Scope Enter(KernelTask? task)
    {
        var previous = _task;
        _task = task;
        return new Scope(previous);
    }

    public readonly struct Scope(KernelTask? previous) : IDisposable
    {
        public void Dispose() => _task = previous;
    }
}
