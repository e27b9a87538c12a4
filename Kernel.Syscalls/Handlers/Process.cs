using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>Process and thread identity, lifetime and limits.</summary>
public static partial class Process
{
    [Syscall(93, "exit", Support.Full, "Fully supported.")]
    public static SyscallResult Exit(ISyscallContext c)
    {
        c.Task.ExitThread(c.Int(0));
        return SyscallResult.Unchanged;
    }

    [Syscall(94, "exit_group", Support.Full, "Fully supported.")]
    public static SyscallResult ExitGroup(ISyscallContext c)
    {
        c.Task.ExitGroup(c.Int(0));
        return SyscallResult.Unchanged;
    }

    [Syscall(96, "set_tid_address", Support.Full, "Fully supported.")]
    public static SyscallResult SetTidAddress(ISyscallContext c)
    {
        c.Task.ClearChildTid = c.Arg(0);
        return c.Task.Tid;
    }

    [Syscall(99, "set_robust_list", Support.Full, "Robust futexes are released when a thread exits, execs or is killed: FUTEX_OWNER_DIED set and one waiter woken (a PI futex handed to its first waiter), shared memory included.")]
    public static SyscallResult SetRobustList(ISyscallContext c)
    {
        if (c.Arg(1) != 24) return Errno.EINVAL; // sizeof(struct robust_list_head)
        c.Task.RobustList = c.Arg(0);
        c.Task.RobustListLength = c.Arg(1);
        return 0;
    }

    [Syscall(100, "get_robust_list", Support.Full, "Any thread of the sandbox the caller may inspect (same real ids, or root; EPERM otherwise).")]
    public static SyscallResult GetRobustList(ISyscallContext c)
    {
        var head = c.Task.RobustListOf(c.Int(0));
        if (head < 0) return head;
        var e = c.Memory.WriteStruct(c.Arg(1), (ulong)head);
        if (e != Errno.None) return e;
        e = c.Memory.WriteStruct(c.Arg(2), c.Task.RobustListLength);
        return e != Errno.None ? e : 0;
    }

    [Syscall(172, "getpid", Support.Full, "Fully supported.")]
    public static SyscallResult GetPid(ISyscallContext c) => c.Task.Pid;

    [Syscall(173, "getppid", Support.Full, "Fully supported.")]
    public static SyscallResult GetPpid(ISyscallContext c) => c.Task.Ppid;

    [Syscall(178, "gettid", Support.Full, "Fully supported.")]
    public static SyscallResult GetTid(ISyscallContext c) => c.Task.Tid;

    [Syscall(174, "getuid", Support.Full, "Fully supported.")]
    public static SyscallResult GetUid(ISyscallContext c) => c.Task.Uid;

    [Syscall(175, "geteuid", Support.Full, "Fully supported.")]
    public static SyscallResult GetEuid(ISyscallContext c) => c.Task.Euid;

    [Syscall(176, "getgid", Support.Full, "Fully supported.")]
    public static SyscallResult GetGid(ISyscallContext c) => c.Task.Gid;

    [Syscall(177, "getegid", Support.Full, "Fully supported.")]
    public static SyscallResult GetEgid(ISyscallContext c) => c.Task.Egid;

    private static SyscallResult WriteTriple(ISyscallContext c, uint a, uint b, uint d)
    {
        foreach (var (arg, v) in new[] { (0, a), (1, b), (2, d) })
        {
            var e = c.Memory.WriteStruct(c.Arg(arg), v);
            if (e != Errno.None) return e;
        }
        return 0;
    }

    [Syscall(166, "umask", Support.Full, "Fully supported.")]
    public static SyscallResult Umask(ISyscallContext c)
    {
        var old = c.Task.Umask;
        c.Task.Umask = c.Int(0) & 0x1ff;
        return old;
    }

    [Syscall(260, "wait4", Support.Full, "Waits for exited, stopped (WUNTRACED) and continued (WCONTINUED) children, with status and rusage; a handled signal interrupts it (SA_RESTART restarts it).")]
    public static SyscallResult Wait4(ISyscallContext c) => SyscallResult.Send(new WaitChild(c.Task, c.Int(0), c.Int(2), c.Arg(1), c.Arg(3)));

    [Syscall(124, "sched_yield", Support.Full, "Fully supported.")]
    public static SyscallResult SchedYield(ISyscallContext c) => 0;

    [Syscall(123, "sched_getaffinity", Support.Partial, "Reports one CPU: a process's threads share one virtual CPU.")]
    public static SyscallResult SchedGetAffinity(ISyscallContext c)
    {
        var size = c.Arg(1);
        if (size < 8 || (size & 7) != 0) return Errno.EINVAL;
        var mask = new byte[Math.Min(size, 128)];
        mask[0] = 1;
        return c.CopyOut(c.Arg(2), mask, mask.Length);
    }

    [Syscall(261, "prlimit64", Support.Full, "Any process of the sandbox (same real, effective and saved ids, or CAP_SYS_RESOURCE: EPERM otherwise); " +
        "raising a hard limit needs CAP_SYS_RESOURCE. Enforced: NOFILE, NPROC, FSIZE (EFBIG and SIGXFSZ), MEMLOCK, CORE, MSGQUEUE, CPU (SIGXCPU at the soft " +
        "limit and each second after, SIGKILL at the hard one), SIGPENDING (per real uid: EAGAIN for real-time sigqueue/tgkill signals and timer_create, " +
        "lost siginfo otherwise), RTPRIO and NICE (without CAP_SYS_NICE), RTTIME (SIGXCPU, then SIGKILL, for SCHED_FIFO/RR threads that run that " +
        "long without blocking), AS and DATA (mmap, mremap and brk), STACK (exec moves the mmap area down to leave the limit's room, at most 5/6 " +
        "of the address window, also when unlimited; a deeper stack faults; raising the limit extends it down to the mapping below, lowering it " +
        "stops growth past it).")]
    public static SyscallResult Prlimit64(ISyscallContext c)
    {
        var resource = c.Int(1);
        var found = ((ILimitsLookup)c.Task).LimitsOf(c.Int(0), out var limits);
        if (found < 0) return (Errno)(-found);
        if (resource is < 0 or >= Limits.Count) return Errno.EINVAL;
        // Read the old value first: the new one may be set through the same buffer.
        var (cur, max) = limits!.GetLimit(resource);
        if (c.Arg(2) != 0)
        {
            var e = SetLimit(c, limits, resource, c.Arg(2));
            if (e.Value != 0) return e;
        }
        return c.Arg(3) != 0 ? c.CopyOut(c.Arg(3), Pair(cur, max)) : 0;
    }

    [Syscall(164, "setrlimit", Support.Full, "Fully supported (which limits are enforced: see prlimit64).")]
    public static SyscallResult SetRlimit(ISyscallContext c)
    {
        var resource = c.Int(0);
        if (resource is < 0 or >= Limits.Count) return Errno.EINVAL;
        return SetLimit(c, (ILimits)c.Task, resource, c.Arg(1));
    }

    /// <summary>Sets a limit from the struct rlimit at <paramref name="address"/>, with do_prlimit's checks.</summary>
    private static SyscallResult SetLimit(ISyscallContext c, ILimits limits, int resource, ulong address)
    {
        var buf = new byte[16];
        if (c.Memory.Read(address, buf) != Errno.None) return Errno.EFAULT;
        var cur = BitConverter.ToUInt64(buf);
        var max = BitConverter.ToUInt64(buf, 8);
        if (cur > max) return Errno.EINVAL;
        var old = limits.GetLimit(resource);
        if (max > old.Max && !c.Task.Settings.Has(Capabilities.SysResource)) return Errno.EPERM;
        if (resource == Limits.NoFile && max > Limits.NrOpen) return Errno.EPERM; // sysctl fs.nr_open
        limits.SetLimit(resource, cur, max);
        return 0;
    }

    [Syscall(163, "getrlimit", Support.Full, "Fully supported.")]
    public static SyscallResult GetRlimit(ISyscallContext c)
    {
        var resource = c.Int(0);
        if (resource is < 0 or >= Limits.Count) return Errno.EINVAL;
        var (cur, max) = ((ILimits)c.Task).GetLimit(resource);
        return c.CopyOut(c.Arg(1), Pair(cur, max));
    }

    private static byte[] Pair(ulong a, ulong b)
    {
        var bytes = new byte[16];
        BitConverter.TryWriteBytes(bytes, a);
        BitConverter.TryWriteBytes(bytes.AsSpan(8), b);
        return bytes;
    }
}

/// <summary>Resource limits (RLIMIT_*), kept per process.</summary>
public interface ILimits
{
    (ulong Cur, ulong Max) GetLimit(int resource);
    void SetLimit(int resource, ulong cur, ulong max);
    /// <summary>RLIMIT_FSIZE's soft limit, read without a lock on the write fast path.</summary>
    ulong FileSizeLimit { get; }
}

/// <summary>prlimit's view of other processes.</summary>
public interface ILimitsLookup
{
    /// <summary>The limits of process <paramref name="pid"/> (0: the caller's): 0, -ESRCH, or -EPERM without the right to them (check_prlimit_permission).</summary>
    long LimitsOf(int pid, out ILimits? limits);
}

public static class Limits
{
    public const int Count = 16;
    public const int Cpu = 0;
    public const int FSize = 1;
    public const int Stack = 3;
    public const int NProc = 6;
    public const int NoFile = 7;
    public const int MemLock = 8;
    public const int SigPending = 11;
    public const int MsgQueue = 12;
    public const int Nice = 13;
    public const int RtPrio = 14;
    public const int RtTime = 15;
    public const ulong NrOpen = 1 << 20; // /proc/sys/fs/nr_open
    public const ulong Infinity = ulong.MaxValue;
}
