namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Who may raise a thread's priority (kernel/sched/syscalls.c): CAP_SYS_NICE, or within RLIMIT_NICE (a nice value
/// down to 20 - limit) and RLIMIT_RTPRIO (real-time priorities up to the limit).
/// </summary>
public static partial class Process
{
    /// <summary>is_nice_reduction: <paramref name="nice"/> is within RLIMIT_NICE (nice -20..19 as rlimit 40..1).</summary>
    private static bool NiceWithinLimit(ISyscallContext c, int nice) => (ulong)(20 - nice) <= ((ILimits)c.Task).GetLimit(Limits.Nice).Cur;

    /// <summary>can_nice: lowering the nice value needs RLIMIT_NICE's room or CAP_SYS_NICE.</summary>
    private static bool CanNice(ISyscallContext c, int nice) => NiceWithinLimit(c, nice) || c.Task.Settings.Has(Capabilities.SysNice);

    /// <summary>
    /// user_check_sched_setscheduler: whether the caller may give <paramref name="target"/> (the thread's current
    /// settings) this policy, nice value and real-time priority.
    /// </summary>
    private static bool MaySchedule(ISyscallContext c, TaskSettings target, int policy, int nice, int prio, bool resetOnFork)
    {
        if (c.Task.Settings.Has(Capabilities.SysNice)) return true;
        var fair = policy is TaskSettings.SchedOther or TaskSettings.SchedBatch or TaskSettings.SchedIdle;
        if (fair && nice < target.Nice && !NiceWithinLimit(c, nice)) return false;
        if (policy is TaskSettings.SchedFifo or TaskSettings.SchedRr)
        {
            var rtprio = ((ILimits)c.Task).GetLimit(Limits.RtPrio).Cur;
            if (policy != target.Policy && rtprio == 0) return false; // no real-time policy without RLIMIT_RTPRIO
            if ((ulong)prio > (ulong)target.Priority && (ulong)prio > rtprio) return false;
        }
        if (policy == SchedDeadline) return false;
        // SCHED_IDLE counts as nice 20: leaving it needs the room to go back to the thread's nice value.
        if (target.Policy == TaskSettings.SchedIdle && policy != TaskSettings.SchedIdle && !NiceWithinLimit(c, target.Nice)) return false;
        // An unprivileged thread may not clear SCHED_RESET_ON_FORK.
        return !target.ResetOnFork || resetOnFork;
    }
}
