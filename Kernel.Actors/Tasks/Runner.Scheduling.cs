using System.Diagnostics;
using System.Runtime.InteropServices;
using Kernel.Syscalls;

namespace Kernel.Actors.Tasks;

// How the vCPU is shared. Among a process's threads, which share it, as Linux's scheduler classes do: real-time
// threads (SCHED_FIFO, SCHED_RR) by priority before all others, a FIFO thread until it blocks or a higher one comes,
// RR ones in turn at each slice (a thread owning a PI futex runs at its highest waiter's priority); then CFS: a fair thread's virtual runtime grows by the time it runs divided by the
// weight of its nice value (1024 at nice 0, about 1.25x per step, SCHED_IDLE 3), and when a slice ends the thread with
// the least runs next. A thread that slept comes back at most a little ahead of the others, not with all it missed.
// Across processes, each on its own host thread, the host's scheduler decides: the vCPU thread takes the running
// thread's nice value on the host (19 for SCHED_IDLE), but never below 0, so no guest gets more than the host's
// default share.
public sealed partial class Runner
{
    // kernel/sched/core.c's sched_prio_to_weight, nice -20..19.
    private static readonly int[] NiceWeights =
    [
        88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
        9548, 7620, 6100, 4904, 3906, 3121, 2501, 1991, 1586, 1277,
        1024, 820, 655, 526, 423, 335, 272, 215, 172, 137,
        110, 87, 70, 56, 45, 36, 29, 23, 18, 15,
    ];
    private const int IdleWeight = 3, NiceZeroWeight = 1024;
    /// <summary>How far ahead of the others a waking thread may come back (half of CFS's 6 ms latency).</summary>
    private static readonly long SleeperCredit = Stopwatch.Frequency * 3 / 1000;

    private int _hostTid, _hostNice;

    private static bool IsRealTime(KernelTask t) => t.Settings.Policy is TaskSettings.SchedFifo or TaskSettings.SchedRr;

    private static int Weight(TaskSettings s) => s.Policy == TaskSettings.SchedIdle ? IdleWeight : NiceWeights[Math.Clamp(s.Nice, -20, 19) + 20];

    /// <summary>
    /// The real-time priority a thread runs at (0: a fair thread): its own, or one it inherits from the waiters of
    /// PI futexes it owns (FUTEX_LOCK_PI), so that a middle-priority thread cannot keep the owner from releasing.
    /// </summary>
    private int RtRank(KernelTask t) => _sandbox.PiFutexes.EffectivePriority(t);

    /// <summary>A thread ran for <paramref name="ticks"/>: its virtual runtime grows by the time over its weight.</summary>
    private static void Charge(KernelTask task, long ticks)
    {
        if (!IsRealTime(task)) task.Vruntime += ticks * NiceZeroWeight / Weight(task.Settings);
    }

    /// <summary>A thread joins the queue (new, or woken): at most <see cref="SleeperCredit"/> behind the others.</summary>
    private void Place(KernelTask task)
    {
        long min = long.MaxValue;
        foreach (var t in _runQueue)
            if (!ReferenceEquals(t, task) && !IsRealTime(t) && t.Vruntime < min) min = t.Vruntime;
        if (min != long.MaxValue && task.Vruntime < min - SleeperCredit) task.Vruntime = min - SleeperCredit;
        // A real-time thread does not wait for a fair one's slice to end, nor does a woken fair one go before it:
        // the first of the highest rank goes first.
        var top = _runQueue.First!.Value;
        var topRank = RtRank(top);
        foreach (var t in _runQueue)
        {
            var rank = RtRank(t);
            if (rank > topRank) (top, topRank) = (t, rank);
        }
        if (!ReferenceEquals(top, _runQueue.First.Value))
        {
            _runQueue.Remove(top);
            _runQueue.AddFirst(top);
        }
    }

    /// <summary>
    /// A slice of <paramref name="current"/> (first in the queue) ended: the thread that should run next goes first.
    /// Returns whether that is another thread.
    /// </summary>
    private bool Reschedule(KernelTask current)
    {
        KernelTask? best = null;
        var bestRank = 0;
        foreach (var t in _runQueue)
        {
            var rank = RtRank(t);
            if (best is null || rank > bestRank) (best, bestRank) = (t, rank);
            else if (rank < bestRank) continue;
            else if (rank > 0)
            {
                // Equal real-time priority: FIFO keeps the current thread; RR passes to the next in line.
                if (ReferenceEquals(best, current) && current.Settings.Policy == TaskSettings.SchedRr) best = t;
            }
            else if (t.Vruntime < best.Vruntime) best = t;
        }
        if (best is null || ReferenceEquals(best, current)) return false;
        _runQueue.Remove(best);
        _runQueue.AddFirst(best);
        if (current.Settings.Policy == TaskSettings.SchedRr)
        {
            // Its slice is used up: behind the others of its priority.
            _runQueue.Remove(current);
            _runQueue.AddLast(current);
        }
        return true;
    }

    /// <summary>The vCPU's host thread takes the running thread's nice value (see above).</summary>
    private void FollowHostNice(KernelTask task)
    {
        var s = task.Settings;
        var nice = IsRealTime(task) ? 0 : s.Policy == TaskSettings.SchedIdle ? 19 : Math.Clamp(s.Nice, 0, 19);
        if (nice == _hostNice) return;
        _hostNice = nice;
        if (_hostTid == 0) _hostTid = HostGettid();
        if (HostSetPriority(0 /* PRIO_PROCESS: one host thread */, _hostTid, nice) != 0)
            _log.Debug("the host refused nice {Nice} for the vCPU thread: errno {Errno}", nice, Marshal.GetLastPInvokeError());
    }

    [DllImport("libc", EntryPoint = "gettid")]
    private static extern int HostGettid();

    [DllImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static extern int HostSetPriority(int which, int who, int prio);
}
