using System.Buffers.Binary;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Seccomp;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>What seccomp needs of the calling task beyond <see cref="IKernelTask"/>: its sibling threads and listener descriptors.</summary>
public interface ISeccompTask
{
    /// <summary>The other live threads of the caller's process (SECCOMP_FILTER_FLAG_TSYNC).</summary>
    IEnumerable<(int Tid, TaskSettings Settings)> OtherThreads { get; }

    /// <summary>A new close-on-exec user-notification descriptor: its number or -errno (EMFILE), and its listener.</summary>
    long OpenSeccompListener(bool waitKillableRecv, out SeccompListener? listener);

    /// <summary>Takes back a descriptor <see cref="OpenSeccompListener"/> installed (the filter was not attached).</summary>
    void CloseSeccompListener(int fd);
}

/// <summary>
/// seccomp(2) and prctl's PR_SET_SECCOMP/PR_GET_SECCOMP: strict mode and classic-BPF filters per thread, with the
/// checks and errnos of Linux's kernel/seccomp.c. The vCPU applies them at syscall entry (Runner.Seccomp).
/// </summary>
public static class SeccompCalls
{
    private const uint SetModeStrict = 0, SetModeFilter = 1, GetActionAvail = 2, GetNotifSizes = 3;
    private const uint FlagTsync = 1, FlagLog = 2, FlagSpecAllow = 4, FlagNewListener = 8, FlagTsyncEsrch = 16,
        FlagWaitKillableRecv = 32;
    private const uint FlagMask = FlagTsync | FlagLog | FlagSpecAllow | FlagNewListener | FlagTsyncEsrch | FlagWaitKillableRecv;

    [Syscall(277, "seccomp", Support.Full,
        "SECCOMP_SET_MODE_STRICT, SECCOMP_SET_MODE_FILTER (classic BPF checked as Linux does; filters stack per thread, " +
        "inherited by fork and clone, kept across execve; flags TSYNC, TSYNC_ESRCH, LOG, SPEC_ALLOW, NEW_LISTENER, " +
        "WAIT_KILLABLE_RECV), SECCOMP_GET_ACTION_AVAIL and SECCOMP_GET_NOTIF_SIZES. Every action: KILL_PROCESS, " +
        "KILL_THREAD, TRAP (SIGSYS with SYS_SECCOMP), ERRNO, USER_NOTIF (listener ioctls RECV, SEND, ID_VALID, ADDFD, " +
        "SET_FLAGS), TRACE (a PTRACE_EVENT_SECCOMP stop for a tracer with PTRACE_O_TRACESECCOMP, ENOSYS otherwise), LOG, ALLOW.")]
    public static SyscallResult Call(ISyscallContext c) => Do(c, c.UInt(0), c.UInt(1), c.Arg(2));

    /// <summary>prctl(PR_SET_SECCOMP, mode, filter): seccomp without flags; strict mode ignores the filter argument.</summary>
    public static SyscallResult PrctlSet(ISyscallContext c, ulong mode, ulong filter) => mode switch
    {
        SeccompAbi.ModeStrict => Do(c, SetModeStrict, 0, 0),
        SeccompAbi.ModeFilter => Do(c, SetModeFilter, 0, filter),
        _ => Errno.EINVAL,
    };

    /// <summary>prctl(PR_GET_SECCOMP): the caller's mode (in strict mode prctl itself is fatal, before this runs).</summary>
    public static SyscallResult PrctlGet(ISyscallContext c) => c.Task.Settings.SeccompMode;

    /// <summary>
    /// An ioctl on a listener descriptor: the descriptor ioctls every file takes (FIOCLEX, FIONCLEX, FIONBIO, FIOASYNC)
    /// as usual, everything else is seccomp_notify_ioctl's (EINVAL when unknown).
    /// </summary>
    public static SyscallResult ListenerIoctl(ISyscallContext c, ISeccompListenerFile file)
    {
        const uint FioNbio = 0x5421, FioClex = 0x5451, FioNclex = 0x5450, FioAsync = 0x5452;
        var request = c.UInt(1);
        if (request is FioNbio or FioClex or FioNclex or FioAsync)
            return SyscallResult.Send(new Protocol.IoctlFile(c.Task, c.Int(0), request, c.Arg(2)));
        return SyscallResult.Send(new Protocol.SeccompListenerIoctl(c.Task, file.Listener, request, c.Arg(2)));
    }

    private static SyscallResult Do(ISyscallContext c, uint op, uint flags, ulong args)
    {
        switch (op)
        {
            case SetModeStrict:
                if (flags != 0 || args != 0) return Errno.EINVAL;
                return SetStrict(c.Task.Settings);
            case SetModeFilter:
                return SetFilter(c, flags, args);
            case GetActionAvail:
            {
                if (flags != 0) return Errno.EINVAL;
                Span<byte> action = stackalloc byte[4];
                if (c.Memory.Read(args, action) != Errno.None) return Errno.EFAULT;
                return SeccompAbi.KnownAction(BinaryPrimitives.ReadUInt32LittleEndian(action)) ? 0 : Errno.EOPNOTSUPP;
            }
            case GetNotifSizes:
            {
                if (flags != 0) return Errno.EINVAL;
                // struct seccomp_notif_sizes: the sizes of seccomp_notif, seccomp_notif_resp and seccomp_data.
                Span<byte> sizes = stackalloc byte[6];
                BinaryPrimitives.WriteUInt16LittleEndian(sizes, SeccompNotification.Size);
                BinaryPrimitives.WriteUInt16LittleEndian(sizes[2..], SeccompNotification.ResponseSize);
                BinaryPrimitives.WriteUInt16LittleEndian(sizes[4..], SeccompAbi.DataSize);
                return c.CopyOut(args, sizes);
            }
            default:
                return Errno.EINVAL;
        }
    }

    private static SyscallResult SetStrict(TaskSettings s)
    {
        if (s.SeccompMode is not (SeccompAbi.ModeDisabled or SeccompAbi.ModeStrict)) return Errno.EINVAL;
        s.SeccompMode = SeccompAbi.ModeStrict;
        return 0;
    }

    /// <summary>seccomp_set_mode_filter: the checks in Linux's order, then the filter goes on top of the caller's.</summary>
    private static SyscallResult SetFilter(ISyscallContext c, uint flags, ulong args)
    {
        if ((flags & ~FlagMask) != 0) return Errno.EINVAL;
        // A listener's fd and TSYNC's failing tid would be indistinguishable, unless TSYNC fails with ESRCH.
        if ((flags & FlagTsync) != 0 && (flags & FlagNewListener) != 0 && (flags & FlagTsyncEsrch) == 0) return Errno.EINVAL;
        if ((flags & FlagWaitKillableRecv) != 0 && (flags & FlagNewListener) == 0) return Errno.EINVAL;
        var program = Prepare(c, args, out var error);
        if (program is null) return error;

        var s = c.Task.Settings;
        var seccomp = (ISeccompTask)c.Task;
        var fd = -1L;
        SeccompListener? listener = null;
        if ((flags & FlagNewListener) != 0)
        {
            fd = seccomp.OpenSeccompListener((flags & FlagWaitKillableRecv) != 0, out listener);
            if (fd < 0) return fd;
        }
        var result = Attach(s, seccomp, program, flags, listener);
        if (result != 0)
        {
            if (fd >= 0) seccomp.CloseSeccompListener((int)fd);
            return result;
        }
        return fd >= 0 ? fd : 0;
    }

    /// <summary>seccomp_prepare_user_filter: copies struct sock_fprog and its program in and checks them.</summary>
    private static ClassicBpf? Prepare(ISyscallContext c, ulong args, out Errno error)
    {
        error = Errno.None;
        Span<byte> fprog = stackalloc byte[16]; // u16 len, padding, u64 filter
        if (c.Memory.Read(args, fprog) != Errno.None)
        {
            error = Errno.EFAULT;
            return null;
        }
        var length = BinaryPrimitives.ReadUInt16LittleEndian(fprog);
        var address = BinaryPrimitives.ReadUInt64LittleEndian(fprog[8..]);
        if (length is 0 or > ClassicBpf.MaxInstructions)
        {
            error = Errno.EINVAL;
            return null;
        }
        // Without no_new_privs an unprivileged task could change how a setuid child behaves.
        if (!c.Task.Settings.NoNewPrivs && !c.Task.Settings.Has(Capabilities.SysAdmin))
        {
            error = Errno.EACCES;
            return null;
        }
        if (address == 0)
        {
            error = Errno.EINVAL; // bpf_check_basics_ok
            return null;
        }
        var raw = new byte[length * BpfInstruction.Size];
        if (c.Memory.Read(address, raw) != Errno.None)
        {
            error = Errno.EFAULT;
            return null;
        }
        var instructions = new BpfInstruction[length];
        for (var i = 0; i < length; i++) instructions[i] = BpfInstruction.Read(raw.AsSpan(i * BpfInstruction.Size));
        var program = ClassicBpf.ForSeccomp(instructions, SeccompAbi.DataSize);
        if (program is null) error = Errno.EINVAL;
        return program;
    }

    /// <summary>seccomp_attach_filter and, with TSYNC, seccomp_sync_threads; 0, -errno, or the tid that cannot sync.</summary>
    private static long Attach(TaskSettings s, ISeccompTask seccomp, ClassicBpf program, uint flags, SeccompListener? listener)
    {
        if (s.SeccompMode is not (SeccompAbi.ModeDisabled or SeccompAbi.ModeFilter)) return -(long)Errno.EINVAL;
        if (listener is not null)
        {
            for (var f = s.SeccompFilter; f is not null; f = f.Prev)
            {
                if (f.Listener is { Detached: false }) return -(long)Errno.EBUSY; // one listener per path
            }
        }
        if (!SeccompFilter.Fits(s.SeccompFilter, program)) return -(long)Errno.ENOMEM;
        var tsync = (flags & FlagTsync) != 0;
        if (tsync)
        {
            // Each other thread must be unfiltered, or have a filter the caller's descends from.
            foreach (var (tid, other) in seccomp.OtherThreads)
            {
                if (other.SeccompMode == SeccompAbi.ModeDisabled) continue;
                if (other.SeccompMode == SeccompAbi.ModeFilter && (s.SeccompFilter?.Descends(other.SeccompFilter) ?? other.SeccompFilter is null)) continue;
                return (flags & FlagTsyncEsrch) != 0 ? -(long)Errno.ESRCH : tid;
            }
        }
        var filter = new SeccompFilter(program, (flags & FlagLog) != 0, s.SeccompFilter, listener);
        s.SeccompFilter = filter;
        s.SeccompMode = SeccompAbi.ModeFilter;
        if (tsync)
        {
            foreach (var (_, other) in seccomp.OtherThreads)
            {
                other.SeccompFilter = filter;
                other.SeccompMode = SeccompAbi.ModeFilter;
                if (s.NoNewPrivs) other.NoNewPrivs = true; // no escaping no_new_privs through a sibling
            }
        }
        return 0;
    }
}
