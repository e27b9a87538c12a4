using System.Runtime.InteropServices;

namespace Kernel.Actors.Tasks;

/// <summary>
/// Page faults and block I/O of the guest, as getrusage reports them: the host kernel counts them for the vCPU thread
/// (the first touch of a guest page faults in the host below the emulated CPU and below the kernel's copies, and host
/// file reads that miss the page cache and page-cache pages dirtied by writes are counted as Linux counts them), and
/// a process's threads all run on its runner's thread, so what that thread's counters gained while a task ran is that
/// task's. A thread's share is taken when another one is put on the CPU, when it ends, and when it asks.
/// </summary>
public sealed partial class Runner
{
    private KernelTask? _usageOwner;
    private HostUsage.Counters _usageBase;

    /// <summary>Charges what the host counted since the last charge to the task that ran meanwhile; <paramref name="next"/> runs now.</summary>
    private void ChargeHostUsage(KernelTask? next)
    {
        var now = HostUsage.ThreadCounters();
        if (_usageOwner is { } owner)
        {
            owner.MinorFaults += now.MinorFaults - _usageBase.MinorFaults;
            owner.MajorFaults += now.MajorFaults - _usageBase.MajorFaults;
            owner.InBlocks += now.InBlocks - _usageBase.InBlocks;
            owner.OutBlocks += now.OutBlocks - _usageBase.OutBlocks;
        }
        _usageOwner = next;
        _usageBase = now;
    }

    /// <summary>Before a task runs: a different one than before takes over the counters.</summary>
    private void SwitchUsage(KernelTask task)
    {
        if (!ReferenceEquals(task, _usageOwner)) ChargeHostUsage(task);
    }

    /// <summary>Brings the current task's counts up to date, when called on this runner's thread (getrusage, exit).</summary>
    internal void FlushUsage()
    {
        if (Thread.CurrentThread == _thread) ChargeHostUsage(_usageOwner);
    }

    /// <summary>An ended thread's counts stay the process's.</summary>
    private void EndUsage(KernelTask task)
    {
        FlushUsage();
        if (ReferenceEquals(task, _usageOwner)) _usageOwner = null;
        _process.EndedFaults = (_process.EndedFaults.Minor + task.MinorFaults, _process.EndedFaults.Major + task.MajorFaults);
        _process.EndedBlocks = (_process.EndedBlocks.In + task.InBlocks, _process.EndedBlocks.Out + task.OutBlocks);
        task.MinorFaults = task.MajorFaults = task.InBlocks = task.OutBlocks = 0; // counted once, as the process's
    }
}

/// <summary>The host's getrusage(RUSAGE_THREAD) counters of the calling thread.</summary>
internal static class HostUsage
{
    public readonly record struct Counters(long MinorFaults, long MajorFaults, long InBlocks, long OutBlocks);

    /// <summary>struct rusage of a 64-bit host: two timevals, then fourteen longs.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct Rusage
    {
        public long UtimeSec, UtimeUsec, StimeSec, StimeUsec, MaxRss, IxRss, IdRss, IsRss, MinFlt, MajFlt, NSwap, InBlock, OuBlock,
            MsgSnd, MsgRcv, NSignals, NvCsw, NivCsw;
    }

    public static Counters ThreadCounters() =>
        getrusage(1 /* RUSAGE_THREAD */, out var r) == 0 ? new Counters(r.MinFlt, r.MajFlt, r.InBlock, r.OuBlock) : default;

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int getrusage(int who, out Rusage usage);
}
