using Kernel.Syscalls.Abi;

namespace Kernel.Syscalls;

/// <summary>The view a handler has of the calling task: its arguments, its memory and its kernel state.</summary>
public interface ISyscallContext
{
    /// <summary>The arm64 syscall number (x8).</summary>
    int Number { get; }

    /// <summary>The raw argument registers x0..x5.</summary>
    ulong Arg(int index);

    /// <summary>The calling task's address space: every copy in or out checks the mapping (EFAULT).</summary>
    IGuestMemory Memory { get; }

    /// <summary>The calling task's kernel state, for fast paths that stay on the task's thread.</summary>
    IKernelTask Task { get; }
}

/// <summary>Copies between the kernel and a guest address space. Unmapped or protected addresses give EFAULT.</summary>
public interface IGuestMemory
{
    Errno Read(ulong address, Span<byte> destination);
    Errno Write(ulong address, ReadOnlySpan<byte> source);

    /// <summary>Reads a NUL-terminated string of fewer than <paramref name="maxLength"/> bytes (ENAMETOOLONG otherwise).</summary>
    Errno ReadCString(ulong address, int maxLength, out string value);

    /// <summary>Direct access to guest memory for zero-copy I/O, after checking [address, address+length) allows it.</summary>
    Errno GetSpan(ulong address, int length, bool write, out Span<byte> span);

    /// <summary>How many bytes from <paramref name="address"/> (at most <paramref name="length"/>) are accessible.</summary>
    int AccessibleLength(ulong address, int length, bool write);
}

/// <summary>An open file's operations that may run on the task's thread (they never wait: -EAGAIN instead).</summary>
public interface IFastFile
{
    int StatusFlags { get; }
    long Read(Span<byte> buffer);
    long Write(ReadOnlySpan<byte> data);
    long PRead(Span<byte> buffer, long offset);
    long PWrite(ReadOnlySpan<byte> data, long offset);
    /// <summary>The readiness now (poll bits), so that poll/select/epoll_wait that need not wait stay on the task's thread.</summary>
    int PollEvents() => Abi.Poll.DefaultMask;
    /// <summary>Where a write at <paramref name="offset"/> (-1: the file position) would start, for files RLIMIT_FSIZE limits (regular ones); else -1.</summary>
    long WriteStart(long offset) => -1;
}

public static class FastFileExtensions
{
    /// <summary>One read or write, at the file offset (<paramref name="offset"/> &lt; 0) or at an explicit one.</summary>
    public static long Transfer(this IFastFile file, Span<byte> span, long offset, bool write) => write
        ? (offset < 0 ? file.Write(span) : file.PWrite(span, offset))
        : (offset < 0 ? file.Read(span) : file.PRead(span, offset));
}

/// <summary>What handlers may touch of the calling task without a round trip to an actor.</summary>
public interface IKernelTask
{
    /// <summary>The sandbox's kernel log (syslog).</summary>
    KernelLog KernelLog { get; }
    /// <summary>The sandbox's keyrings (keyctl).</summary>
    Keyrings Keyrings { get; }
    int Tid { get; }
    int Pid { get; }
    int Ppid { get; }
    int Pgid { get; }
    int Sid { get; }
    uint Uid { get; }
    uint Euid { get; }
    uint Gid { get; }
    uint Egid { get; }

    /// <summary>The open file at <paramref name="fd"/>, or null (EBADF).</summary>
    IFastFile? File(int fd);

    int Umask { get; set; }
    ulong ClearChildTid { get; set; }
    ulong RobustList { get; set; }
    ulong RobustListLength { get; set; }
    ulong SignalMask { get; set; }
    /// <summary>rseq: the registered struct rseq (0: none), its length and the abort signature.</summary>
    ulong Rseq { get; set; }
    uint RseqLength { get; set; }
    uint RseqSignature { get; set; }
    (ulong Sp, int Flags, ulong Size) AltStack { get; set; }
    /// <summary>Pending signals, frames and signal waits: state kept on the task's thread.</summary>
    ITaskSignals Signals { get; }
    /// <summary>CPU clocks, interval timers and POSIX timers of the task and its process.</summary>
    ITaskTimers Timers { get; }

    /// <summary>Ends this thread (exit).</summary>
    void ExitThread(int code);

    /// <summary>Ends the whole thread group (exit_group).</summary>
    void ExitGroup(int code);

    /// <summary>The task's user and group ids; setting them replaces the credentials (the handler checks permission).</summary>
    IdSet Ids { get; set; }
    IReadOnlyList<uint> Groups { get; set; }

    TaskSettings Settings { get; }

    /// <summary>The thread's name as /proc and PR_GET_NAME show it (at most 15 bytes).</summary>
    string Comm { get; }
    ProcessSettings ProcessSettings { get; }
    /// <summary>The settings of thread <paramref name="tid"/> in the sandbox (its capability sets), or null (ESRCH).</summary>
    TaskSettings? SettingsOf(int tid);

    /// <summary>getrusage: 0 self, -1 children (reaped), 1 this thread.</summary>
    Usage GetUsage(int who);

    /// <summary>Process groups and sessions: each returns the value or -errno, with Linux's rules.</summary>
    long GetProcessGroup(int pid);
    long SetProcessGroup(int pid, int pgid);
    long GetSession(int pid);
    long NewSession();

    /// <summary>clone/clone3 after argument checks: creates the thread or process; its tid, or -errno.</summary>
    long Clone(in CloneArgs args);
    /// <summary>kcmp: 0 when the two tasks' resources of <paramref name="type"/> are one, 1 or 2 to order them, 3 when not comparable; or -errno.</summary>
    long CompareKernelObjects(int pid1, int pid2, int type, ulong idx1, ulong idx2);
    /// <summary>get_robust_list: the robust list head of thread <paramref name="tid"/> (0: the caller), or -ESRCH/-EPERM.</summary>
    long RobustListOf(int tid);
    /// <summary>process_vm_readv/writev after argument checks: the bytes copied or -errno.</summary>
    long ProcessVmCopy(int pid, IReadOnlyList<(ulong Base, ulong Length)> local, IReadOnlyList<(ulong Base, ulong Length)> remote, bool write);
    /// <summary>pidfd_open: a new close-on-exec descriptor naming process <paramref name="pid"/>, or -errno.</summary>
    long OpenPidFd(int pid, int flags);
    /// <summary>pidfd_getfd: a close-on-exec duplicate of descriptor <paramref name="targetFd"/> of the process a pidfd names, or -errno.</summary>
    long DupFromPidFd(int pidfd, int targetFd);
    /// <summary>0 when the caller may inspect process <paramref name="pid"/> (0: itself; ptrace_may_access), else -ESRCH or -EPERM.</summary>
    long CheckProcessAccess(int pid);
    /// <summary>The pid a pidfd names, or -EBADF when <paramref name="fd"/> is not a pidfd.</summary>
    long PidOfPidFd(int fd);

    /// <summary>
    /// execve: replaces the calling process's image. On success the task's registers are the new program's
    /// (return <see cref="SyscallResult.Unchanged"/>); on failure the old image is untouched and -errno comes back.
    /// </summary>
    /// <param name="dirFd">Where a relative <paramref name="path"/> starts (execveat; <see cref="Args.AtFdCwd"/> for execve).</param>
    /// <param name="atFlags">execveat's AT_EMPTY_PATH (run the file <paramref name="dirFd"/> is) and AT_SYMLINK_NOFOLLOW.</param>
    long Exec(int dirFd, string path, IReadOnlyList<string> argv, IReadOnlyList<string> envp, int atFlags);

    /// <summary>
    /// Parks the task on a futex word if it still holds <paramref name="expected"/> (else EAGAIN); a later
    /// <see cref="FutexWake"/> or the timeout wakes it. A <paramref name="shared"/> futex in shared memory meets
    /// the other processes that map the same memory.
    /// </summary>
    SyscallResult FutexWait(ulong address, uint expected, uint bitset, TimeSpan? timeout, bool shared);
    int FutexWake(ulong address, int count, uint bitset, bool shared);
    /// <summary>Wakes up to <paramref name="wake"/> waiters on <paramref name="from"/> and moves up to <paramref name="requeue"/> others to <paramref name="to"/>.</summary>
    (int Woken, int Moved) FutexRequeue(ulong from, ulong to, int wake, int requeue, bool shared);
    /// <summary>Priority-inheritance futexes and futex_waitv.</summary>
    IFutexes Futexes { get; }
}

/// <summary>The signal calls that run on the calling task's thread.</summary>
public interface ITaskSignals
{
    /// <summary>rt_sigreturn: restores the registers and mask saved in the frame at the stack pointer.</summary>
    SyscallResult Return();

    /// <summary>rt_sigpending: signals pending for the thread or its process.</summary>
    ulong Pending { get; }

    /// <summary>rt_sigsuspend: runs with <paramref name="mask"/> until a signal is delivered (EINTR).</summary>
    SyscallResult Suspend(ulong mask);

    /// <summary>
    /// rt_sigtimedwait: takes a pending signal of <paramref name="set"/> (its number; its siginfo to
    /// <paramref name="infoAddress"/> when not 0), waiting up to <paramref name="timeout"/> (null: for ever) for one.
    /// </summary>
    SyscallResult Wait(ulong set, TimeSpan? timeout, ulong infoAddress);

    /// <summary>
    /// kill/tgkill/tkill/sigqueue aimed at the caller's own process: queued at once on this thread (no permission to
    /// check, no actor to ask): the call's result (EAGAIN when a real-time signal finds no room under
    /// RLIMIT_SIGPENDING). Null when the target is another process; the Signal actor then handles it.
    /// </summary>
    Errno? SendToSelf(int pid, int tid, int sig, Abi.SigInfo? info);

    /// <summary>
    /// An interrupted call that returns ERESTART_RESTARTBLOCK leaves how to go on here: if no handler runs, the thread
    /// re-enters the kernel through restart_syscall, which runs it (a sleep then waits only for the time left).
    /// </summary>
    void SetRestartBlock(Func<ISyscallContext, SyscallResult> resume);

    /// <summary>restart_syscall: runs the restart block left by the interrupted call (EINTR when there is none).</summary>
    SyscallResult RunRestartBlock(ISyscallContext c);

    /// <summary>signalfd4: a new signalfd (fd -1) or a new mask for signalfd <paramref name="fd"/>; the fd or -errno.</summary>
    long SignalFd(int fd, ulong mask, int flags);

    /// <summary>The thread's stack pointer now (sigaltstack's on-stack test).</summary>
    ulong StackPointer { get; }

    /// <summary>ppoll/pselect6/epoll_pwait: <paramref name="mask"/> applies until the call returns (restored then, or after a handler).</summary>
    void MaskForCall(ulong mask);
}

/// <summary>A timer's setting in nanoseconds: the time to the next expiry (0: disarmed) and the period (0: once).</summary>
public readonly record struct TimerSpec(long ValueNs, long IntervalNs);

/// <summary>What a POSIX timer does when it expires (struct sigevent): SIGEV_SIGNAL, SIGEV_NONE or SIGEV_THREAD_ID.</summary>
public readonly record struct TimerEvent(int Notify, int Signo, ulong Value, int Tid)
{
    public const int Signal = 0, None = 1, Thread = 2, ThreadId = 4;

    /// <summary>No sigevent was given: the signal carries the timer's id as its value.</summary>
    public bool ValueIsId { get; init; }
}

/// <summary>The timer calls, run on the calling task's thread; each returns a value or -errno.</summary>
public interface ITaskTimers
{
    /// <summary>A CPU-time clock (PROCESS_CPUTIME_ID, THREAD_CPUTIME_ID, or one glibc encodes for a pid or tid) in ns; -EINVAL for an unknown clock.</summary>
    long CpuClock(int clock);
    long Create(int clock, TimerEvent ev);
    long Set(int id, bool absolute, TimerSpec spec, out TimerSpec old);
    long Get(int id, out TimerSpec current);
    long Overrun(int id);
    long Delete(int id);
    /// <summary>setitimer/getitimer: ITIMER_REAL (0), ITIMER_VIRTUAL (1), ITIMER_PROF (2).</summary>
    long SetInterval(int which, TimerSpec spec, out TimerSpec old);
    long GetInterval(int which, out TimerSpec current);

    /// <summary>How far the sandbox's CLOCK_REALTIME is from the host's, in ns (clock_settime moves it).</summary>
    long RealtimeOffsetNs { get; set; }

    /// <summary>The offset the task's time namespace gives <paramref name="clock"/> (MONOTONIC and BOOTTIME forms; 0 for others).</summary>
    long NamespaceOffsetNs(int clock);
}

/// <summary>clone/clone3's arguments, decoded. <see cref="Stack"/> is the new stack pointer (0: the caller's).</summary>
public readonly record struct CloneArgs(ulong Flags, int ExitSignal, ulong Stack, ulong ParentTid, ulong ChildTid, ulong Tls)
{
    /// <summary>clone3's set_tid: the pid the child must get (0: any).</summary>
    public int SetTid { get; init; }

    /// <summary>CLONE_NEWNS: the child's filesystem context, already moved into its copy of the mount table.</summary>
    public object? NewMountFs { get; init; }
}

/// <summary>clone flags (include/uapi/linux/sched.h).</summary>
public static class CloneFlags
{
    public const ulong Vm = 0x100, Fs = 0x200, Files = 0x400, Sighand = 0x800, Pidfd = 0x1000, Ptrace = 0x2000,
        Vfork = 0x4000, Parent = 0x8000, Thread = 0x10000, NewNs = 0x20000, SysvSem = 0x40000, SetTls = 0x80000,
        ParentSetTid = 0x100000, ChildClearTid = 0x200000, Detached = 0x400000, Untraced = 0x800000,
        ChildSetTid = 0x1000000, NewCgroup = 0x2000000, NewUts = 0x4000000, NewIpc = 0x8000000, NewUser = 0x10000000,
        NewPid = 0x20000000, NewNet = 0x40000000, Io = 0x80000000, ClearSighand = 0x100000000, IntoCgroup = 0x200000000,
        NewTime = 0x80;
}

/// <summary>A task's real, effective, saved and filesystem ids.</summary>
public readonly record struct IdSet(uint Uid, uint Euid, uint Suid, uint Fsuid, uint Gid, uint Egid, uint Sgid, uint Fsgid);
