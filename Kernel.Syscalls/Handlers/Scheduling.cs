using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Scheduling parameters, priorities, CPU placement, resource usage, personality and prctl. A process's threads
/// share one virtual CPU, so the sandbox has exactly one CPU (CPU 0, node 0).
/// </summary>
public static partial class Process
{
    private const int PrioProcess = 0, PrioPgrp = 1, PrioUser = 2;
    private const long ClockTicks = 100; // USER_HZ

    /// <summary>find_task_by_vpid: 0 (the caller), or any thread of the sandbox (a process's id names its main thread).</summary>
    private static bool SelfOrExisting(ISyscallContext c, int pid) =>
        pid == 0 || pid == c.Task.Pid || pid == c.Task.Tid || c.Task.SettingsOf(pid) is not null || c.Task.GetProcessGroup(pid) >= 0;

    [Syscall(118, "sched_setparam", Support.Partial, "The real-time priority of the caller or any thread of the sandbox (EPERM unless the caller's effective uid owns it or it has CAP_SYS_NICE; RLIMIT_RTPRIO), which orders the threads of one process on its virtual CPU. Each process runs on its own host thread, which is not given real-time priority on the host: a real-time thread does not hold off other processes' threads.")]
    public static SyscallResult SchedSetParam(ISyscallContext c)
    {
        var pid = c.Int(0);
        if (pid < 0 || c.Arg(1) == 0) return Errno.EINVAL;
        if (c.Memory.ReadStruct<int>(c.Arg(1), out var prio) != Errno.None) return Errno.EFAULT;
        if (!SelfOrExisting(c, pid)) return Errno.ESRCH;
        var s = SchedTarget(c, pid);
        if (!ValidPriority(s.Policy, prio)) return Errno.EINVAL;
        if (!SameOwner(c, s) || !MaySchedule(c, s, s.Policy, s.Nice, prio, s.ResetOnFork)) return Errno.EPERM;
        s.Priority = prio;
        return 0;
    }

    [Syscall(121, "sched_getparam", Support.Full, "Fully supported.")]
    public static SyscallResult SchedGetParam(ISyscallContext c)
    {
        var pid = c.Int(0);
        if (pid < 0 || c.Arg(1) == 0) return Errno.EINVAL;
        if (!SelfOrExisting(c, pid)) return Errno.ESRCH;
        var prio = SchedTarget(c, pid).Priority;
        return c.Memory.WriteStruct(c.Arg(1), prio) == Errno.None ? 0 : Errno.EFAULT;
    }

    [Syscall(119, "sched_setscheduler", Support.Partial, "SCHED_OTHER, BATCH, IDLE, FIFO and RR for the caller or any thread of the sandbox (EPERM unless the caller owns it or has CAP_SYS_NICE). A process's virtual CPU follows them: FIFO and RR threads by priority before fair ones (RR in turn), fair ones by CFS weights (SCHED_IDLE 3). Across processes only nice values and SCHED_IDLE reach the host's scheduler (see sched_setparam). SCHED_DEADLINE gives EINVAL.")]
    public static SyscallResult SchedSetScheduler(ISyscallContext c)
    {
        const int ResetOnFork = 0x40000000;
        var pid = c.Int(0);
        var policy = c.Int(1) & ~ResetOnFork;
        var resetOnFork = (c.Int(1) & ResetOnFork) != 0;
        if (pid < 0 || c.Arg(2) == 0) return Errno.EINVAL;
        if (policy is not (TaskSettings.SchedOther or TaskSettings.SchedFifo or TaskSettings.SchedRr or TaskSettings.SchedBatch or TaskSettings.SchedIdle))
            return Errno.EINVAL;
        if (c.Memory.ReadStruct<int>(c.Arg(2), out var prio) != Errno.None) return Errno.EFAULT;
        if (!SelfOrExisting(c, pid)) return Errno.ESRCH;
        if (!ValidPriority(policy, prio)) return Errno.EINVAL;
        var s = SchedTarget(c, pid);
        if (!SameOwner(c, s) || !MaySchedule(c, s, policy, s.Nice, prio, resetOnFork)) return Errno.EPERM;
        s.Policy = policy;
        s.Priority = prio;
        s.ResetOnFork = resetOnFork;
        return 0;
    }

    [Syscall(120, "sched_getscheduler", Support.Full, "Fully supported.")]
    public static SyscallResult SchedGetScheduler(ISyscallContext c)
    {
        var pid = c.Int(0);
        if (pid < 0) return Errno.EINVAL;
        if (!SelfOrExisting(c, pid)) return Errno.ESRCH;
        var s = SchedTarget(c, pid);
        return s.Policy | (s.ResetOnFork ? 0x40000000 : 0);
    }

    /// <summary>The settings a scheduling call reads or changes: the caller's (pid 0) or thread <paramref name="pid"/>'s.</summary>
    private static TaskSettings SchedTarget(ISyscallContext c, int pid) =>
        pid == 0 || pid == c.Task.Tid ? c.Task.Settings : c.Task.SettingsOf(pid) ?? new TaskSettings();

    /// <summary>
    /// check_same_owner: changing another thread's scheduling needs the caller's effective uid to be the target's real
    /// or effective uid, or CAP_SYS_NICE (EPERM otherwise).
    /// </summary>
    private static bool SameOwner(ISyscallContext c, TaskSettings target) =>
        ReferenceEquals(target, c.Task.Settings) || c.Task.Settings.Has(Capabilities.SysNice)
        || c.Task.Ids.Euid == target.CapIds.Uid || c.Task.Ids.Euid == target.CapIds.Euid;

    private static bool ValidPriority(int policy, int prio) =>
        policy is TaskSettings.SchedFifo or TaskSettings.SchedRr ? prio is >= 1 and <= 99 : prio == 0;

    [Syscall(125, "sched_get_priority_max", Support.Full, "Fully supported.")]
    public static SyscallResult SchedGetPriorityMax(ISyscallContext c) => c.Int(0) switch
    {
        TaskSettings.SchedFifo or TaskSettings.SchedRr => 99,
        TaskSettings.SchedOther or TaskSettings.SchedBatch or TaskSettings.SchedIdle => 0,
        _ => Errno.EINVAL,
    };

    [Syscall(126, "sched_get_priority_min", Support.Full, "Fully supported.")]
    public static SyscallResult SchedGetPriorityMin(ISyscallContext c) => c.Int(0) switch
    {
        TaskSettings.SchedFifo or TaskSettings.SchedRr => 1,
        TaskSettings.SchedOther or TaskSettings.SchedBatch or TaskSettings.SchedIdle => 0,
        _ => Errno.EINVAL,
    };

    [Syscall(127, "sched_rr_get_interval", Support.Full, "Reports the virtual CPU's 10 ms time slice.")]
    public static SyscallResult SchedRrGetInterval(ISyscallContext c)
    {
        var pid = c.Int(0);
        if (pid < 0) return Errno.EINVAL;
        if (!SelfOrExisting(c, pid)) return Errno.ESRCH;
        Span<long> ts = [0, 10_000_000];
        return c.CopyOut(c.Arg(1), global::System.Runtime.InteropServices.MemoryMarshal.AsBytes(ts));
    }

    [Syscall(122, "sched_setaffinity", Support.Full, "The sandbox has one CPU: a mask must include CPU 0 (EINVAL otherwise).")]
    public static SyscallResult SchedSetAffinity(ISyscallContext c)
    {
        var pid = c.Int(0);
        var len = c.Arg(1);
        if (len == 0) return Errno.EINVAL;
        if (c.Memory.ReadStruct<byte>(c.Arg(2), out var first) != Errno.None) return Errno.EFAULT;
        if (!SelfOrExisting(c, pid)) return Errno.ESRCH;
        return (first & 1) == 0 ? Errno.EINVAL : 0;
    }

    [Syscall(140, "setpriority", Support.Full, "Nice values for PRIO_PROCESS (one thread), PRIO_PGRP and PRIO_USER (each live thread of the group's or real uid's processes), with set_one_prio's rules: EPERM unless the caller's effective uid owns the thread or it has CAP_SYS_NICE, EACCES below RLIMIT_NICE, ESRCH when nothing matches. They weight a process's virtual CPU among its threads as CFS does, and become the host nice value of the process's vCPU thread (a negative value counts as 0 there).")]
    public static SyscallResult SetPriority(ISyscallContext c)
    {
        int which = c.Int(0), who = c.Int(1), nice = Math.Clamp(c.Int(2), -20, 19);
        var e = PriorityTargets(c, which, who, out var targets);
        if (e != Errno.None) return e;
        // Each thread is tried; a refusal is the answer unless a later one also fails (Linux keeps the last error).
        Errno error = Errno.ESRCH;
        foreach (var s in targets)
        {
            if (!SameOwner(c, s)) error = Errno.EPERM;
            else if (nice < s.Nice && !CanNice(c, nice)) error = Errno.EACCES; // within RLIMIT_NICE, or CAP_SYS_NICE
            else
            {
                if (error == Errno.ESRCH) error = Errno.None;
                s.Nice = nice;
            }
        }
        return error;
    }

    [Syscall(141, "getpriority", Support.Full, "Returns 20 - nice of the thread, or the highest of a process group's or user's threads (the raw syscall's form).")]
    public static SyscallResult GetPriority(ISyscallContext c)
    {
        int which = c.Int(0), who = c.Int(1);
        var e = PriorityTargets(c, which, who, out var targets);
        if (e != Errno.None) return e;
        return targets.Count == 0 ? Errno.ESRCH : targets.Max(s => 20 - s.Nice);
    }

    private static Errno PriorityTargets(ISyscallContext c, int which, int who, out IReadOnlyList<TaskSettings> targets)
    {
        targets = [];
        switch (which)
        {
            case PrioProcess:
                if (!SelfOrExisting(c, who)) return Errno.ESRCH;
                targets = [SchedTarget(c, who)];
                return Errno.None;
            case PrioPgrp:
            case PrioUser:
                targets = c.Task.ThreadsOf(which, who);
                return targets.Count == 0 ? Errno.ESRCH : Errno.None;
            default:
                return Errno.EINVAL;
        }
    }

    [Syscall(168, "getcpu", Support.Full, "CPU 0 on node 0: the sandbox's one CPU.")]
    public static SyscallResult GetCpu(ISyscallContext c)
    {
        if (c.Arg(0) != 0 && c.Memory.WriteStruct(c.Arg(0), 0u) != Errno.None) return Errno.EFAULT;
        if (c.Arg(1) != 0 && c.Memory.WriteStruct(c.Arg(1), 0u) != Errno.None) return Errno.EFAULT;
        return 0;
    }

    [Syscall(153, "times", Support.Full, "User time is guest execution, system time the kernel's handling of the process's traps and calls, for all its threads (also ended ones and those exec ended); children count once wait reaps them (with the grandchildren they reaped; not children reaped because SIGCHLD is ignored); returns clock ticks (100 Hz) since the host booted.")]
    public static SyscallResult Times(ISyscallContext c)
    {
        var self = c.Task.GetUsage(0);
        var children = c.Task.GetUsage(-1);
        if (c.Arg(0) != 0)
        {
            Span<long> tms = [self.UserMicros / 10000, self.SystemMicros / 10000, children.UserMicros / 10000, children.SystemMicros / 10000];
            if (c.Memory.Write(c.Arg(0), global::System.Runtime.InteropServices.MemoryMarshal.AsBytes(tms)) != Errno.None) return Errno.EFAULT;
        }
        return Environment.TickCount64 / (1000 / ClockTicks);
    }

    [Syscall(165, "getrusage", Support.Full, "RUSAGE_SELF, RUSAGE_CHILDREN (reaped children, as wait4's rusage) and RUSAGE_THREAD with user and system time, maximum resident size (of guest memory), context switches, " +
        "minor and major page faults and 512-byte blocks read and written: the host kernel's counts for the process's vCPU thread while each task runs (first touches of guest pages, including those the kernel's copies make; " +
        "host file reads that miss the page cache and pages dirtied by writes; tmpfs I/O is none, as in Linux), so I/O the kernel's actors do on a task's behalf (splice, copy_file_range, AIO) is not counted. " +
        "ixrss, idrss, isrss, nswap, msgsnd, msgrcv and nsignals are 0, as in Linux.")]
    public static SyscallResult GetRusage(ISyscallContext c)
    {
        var who = c.Int(0);
        if (who is not (0 or -1 or 1)) return Errno.EINVAL;
        return c.CopyOut(c.Arg(1), c.Task.GetUsage(who).ToRusage());
    }

    [Syscall(92, "personality", Support.Full, "Recorded and reported; the sandbox never randomizes its layout, so ADDR_NO_RANDOMIZE always holds.")]
    public static SyscallResult Personality(ISyscallContext c)
    {
        var old = c.Task.ProcessSettings.Personality;
        var requested = c.UInt(0);
        if (requested != 0xffffffff) c.Task.ProcessSettings.Personality = requested;
        return old;
    }

    [Syscall(95, "waitid", Support.Full, "P_ALL, P_PID, P_PGID and P_PIDFD (EAGAIN through a PIDFD_NONBLOCK pidfd with nothing to report) with WEXITED, WSTOPPED, WCONTINUED, WNOHANG and WNOWAIT, siginfo and rusage; a handled signal interrupts it.")]
    public static SyscallResult Waitid(ISyscallContext c)
    {
        const int PPid = 1, PPidfd = 3, WNoHang = 1;
        int idType = c.Int(0), id = c.Int(1), options = c.Int(3);
        var eagain = false;
        if (idType == PPidfd)
        {
            // The process the pidfd names, waited for as P_PID would.
            var pid = c.Task.PidOfPidFd(id);
            if (pid < 0) return pid;
            if ((c.Task.File(id)!.StatusFlags & OpenFlags.O_NONBLOCK) != 0 && (options & WNoHang) == 0)
            {
                options |= WNoHang;
                eagain = true;
            }
            (idType, id) = (PPid, (int)pid);
        }
        return SyscallResult.Send(new WaitChildInfo(c.Task, idType, id, options, c.Arg(2), c.Arg(4)) { EagainIfNone = eagain });
    }

    [Syscall(434, "pidfd_open", Support.Full, "A close-on-exec descriptor naming a process: readable (poll, epoll) once it exits, hung up once reaped, usable with waitid(P_PIDFD) and pidfd_send_signal; PIDFD_NONBLOCK makes such a waitid give EAGAIN.")]
    public static SyscallResult PidfdOpen(ISyscallContext c) => c.Task.OpenPidFd(c.Int(0), c.Int(1));

    [Syscall(438, "pidfd_getfd", Support.Full, "A close-on-exec duplicate of another process's descriptor (the same open file description), with ptrace's attach check (EPERM); ESRCH once the process has exited.")]
    public static SyscallResult PidfdGetfd(ISyscallContext c) => c.Arg(2) != 0 ? Errno.EINVAL : c.Task.DupFromPidFd(c.Int(0), c.Int(1));
}
