using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>Signal dispositions, masks and sending; delivery itself happens on the task's thread before it runs guest code.</summary>
public static partial class Signals
{
    private const ulong Unblockable = (1UL << (Sig.SIGKILL - 1)) | (1UL << (Sig.SIGSTOP - 1));

    [Syscall(134, "rt_sigaction", Support.Full, "Handlers run on an arm64 rt_sigframe (siginfo, ucontext with fpsimd state) with SA_SIGINFO, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND, SA_RESTORER (else a sigreturn trampoline page), SA_NOCLDWAIT; setting SIG_IGN discards pending instances.")]
    public static SyscallResult RtSigaction(ISyscallContext c)
    {
        var sig = c.Int(0);
        if (sig is < 1 or > Sig.SIGRTMAX || c.Arg(3) != 8) return Errno.EINVAL;
        SignalDisposition? next = null;
        if (c.Arg(1) != 0)
        {
            if (sig is Sig.SIGKILL or Sig.SIGSTOP) return Errno.EINVAL;
            var raw = new byte[32];
            if (c.Memory.Read(c.Arg(1), raw) != Errno.None) return Errno.EFAULT;
            next = new SignalDisposition(BitConverter.ToUInt64(raw), BitConverter.ToUInt64(raw, 8),
                BitConverter.ToUInt64(raw, 16), BitConverter.ToUInt64(raw, 24) & ~Unblockable);
        }
        var oldAddress = c.Arg(2);
        return SyscallResult.Send(new SetSignalAction(c.Task, sig, next), reply =>
        {
            if (reply is not OldDisposition old) return reply is Failed f ? f.Errno : Errno.EIO;
            if (oldAddress == 0) return 0;
            var raw = new byte[32];
            BitConverter.TryWriteBytes(raw, old.Value.Handler);
            BitConverter.TryWriteBytes(raw.AsSpan(8), old.Value.Flags);
            BitConverter.TryWriteBytes(raw.AsSpan(16), old.Value.Restorer);
            BitConverter.TryWriteBytes(raw.AsSpan(24), old.Value.Mask);
            return c.CopyOut(oldAddress, raw);
        });
    }

    [Syscall(135, "rt_sigprocmask", Support.Full, "Per-thread masks, kept on the task's thread.")]
    public static SyscallResult RtSigprocmask(ISyscallContext c)
    {
        const int Block = 0, Unblock = 1, SetMask = 2;
        if (c.Arg(3) != 8) return Errno.EINVAL;
        var old = c.Task.SignalMask;
        if (c.Arg(1) != 0)
        {
            var how = c.Int(0);
            if (how is not (Block or Unblock or SetMask)) return Errno.EINVAL;
            var raw = new byte[8];
            if (c.Memory.Read(c.Arg(1), raw) != Errno.None) return Errno.EFAULT;
            var set = BitConverter.ToUInt64(raw);
            var mask = how switch { Block => old | set, Unblock => old & ~set, _ => set };
            c.Task.SignalMask = mask & ~Unblockable;
        }
        return c.Arg(2) != 0 ? c.CopyOut(c.Arg(2), BitConverter.GetBytes(old)) : 0;
    }

    [Syscall(132, "sigaltstack", Support.Full, "Handlers with SA_ONSTACK run on it; EPERM while running on it; the frame saves and rt_sigreturn restores it.")]
    public static SyscallResult Sigaltstack(ISyscallContext c)
    {
        const int MinSigStkSz = 5120;
        var old = c.Task.AltStack;
        var onStack = AltStack.Contains(old, c.Task.Signals.StackPointer);
        if (onStack) old = (old.Sp, AltStack.OnStack, old.Size);
        if (c.Arg(0) != 0)
        {
            var raw = new byte[24];
            if (c.Memory.Read(c.Arg(0), raw) != Errno.None) return Errno.EFAULT;
            var sp = BitConverter.ToUInt64(raw);
            var flags = BitConverter.ToInt32(raw, 8);
            var size = BitConverter.ToUInt64(raw, 16);
            if ((flags & ~(AltStack.Disable | unchecked((int)0x80000000))) != 0) return Errno.EINVAL;
            if (onStack) return Errno.EPERM;
            if ((flags & AltStack.Disable) == 0 && size < MinSigStkSz) return Errno.ENOMEM;
            c.Task.AltStack = (flags & AltStack.Disable) != 0 ? (0, AltStack.Disable, 0) : (sp, 0, size);
        }
        if (c.Arg(1) != 0)
        {
            var raw = new byte[24];
            BitConverter.TryWriteBytes(raw, old.Sp);
            BitConverter.TryWriteBytes(raw.AsSpan(8), old.Flags);
            BitConverter.TryWriteBytes(raw.AsSpan(16), old.Size);
            return c.CopyOut(c.Arg(1), raw);
        }
        return 0;
    }

    [Syscall(129, "kill", Support.Full, "To a process, a process group (0, -pgid) or all (-1), with Linux's permission checks (EPERM) and SI_USER siginfo; stop signals stop the process until SIGCONT.")]
    public static SyscallResult Kill(ISyscallContext c) => Send(c, c.Int(0), 0, c.Int(1), null);

    /// <summary>A signal to the caller's own process is queued on its thread; any other goes through the Signal actor.</summary>
    private static SyscallResult Send(ISyscallContext c, int pid, int tid, int sig, SigInfo? info)
    {
        if (sig is < 0 or > Sig.SIGRTMAX) return Errno.EINVAL;
        if (c.Task.Signals.SendToSelf(pid, tid, sig, info) is { } sent) return sent == Errno.None ? 0 : sent;
        return SyscallResult.Send(new SendSignal(c.Task, pid, tid, sig) { Info = info });
    }

    [Syscall(131, "tgkill", Support.Full, "To one thread of a thread group (SI_TKILL).")]
    public static SyscallResult Tgkill(ISyscallContext c) =>
        c.Int(0) <= 0 || c.Int(1) <= 0 ? Errno.EINVAL : Send(c, c.Int(0), c.Int(1), c.Int(2), null);

    [Syscall(130, "tkill", Support.Full, "As tgkill, to a thread of any process.")]
    public static SyscallResult Tkill(ISyscallContext c) =>
        c.Int(0) <= 0 ? Errno.EINVAL : Send(c, 0, c.Int(0), c.Int(1), null);

    [Syscall(139, "rt_sigreturn", Support.Full, "Restores the registers, fpsimd state, mask and alternate stack from the frame; a bad frame gives SIGSEGV.")]
    public static SyscallResult RtSigreturn(ISyscallContext c) => c.Task.Signals.Return();

    [Syscall(136, "rt_sigpending", Support.Full, "Blocked signals pending for the thread or its process.")]
    public static SyscallResult RtSigpending(ISyscallContext c)
    {
        if (c.Arg(1) > 8) return Errno.EINVAL;
        var set = BitConverter.GetBytes(c.Task.Signals.Pending);
        return c.CopyOut(c.Arg(0), set.AsSpan(0, (int)c.Arg(1)).ToArray());
    }

    [Syscall(133, "rt_sigsuspend", Support.Full, "Waits with the given mask until a handler runs (EINTR); the old mask comes back when it returns.")]
    public static SyscallResult RtSigsuspend(ISyscallContext c)
    {
        if (c.Arg(1) != 8) return Errno.EINVAL;
        var e = ReadSet(c, c.Arg(0), out var mask);
        return e != Errno.None ? e : c.Task.Signals.Suspend(mask);
    }

    [Syscall(137, "rt_sigtimedwait", Support.Full, "Takes a pending signal of the set, waiting (with the set unblocked) up to the timeout: EAGAIN when it passes, EINTR for another handled signal.")]
    public static SyscallResult RtSigtimedwait(ISyscallContext c)
    {
        if (c.Arg(3) != 8) return Errno.EINVAL;
        var e = ReadSet(c, c.Arg(0), out var set);
        if (e != Errno.None) return e;
        TimeSpan? timeout = null;
        if (c.Arg(2) != 0)
        {
            e = Events.ReadTimeout(c, c.Arg(2), out var ns);
            if (e != Errno.None) return e;
            timeout = ns == 0 ? TimeSpan.Zero : Events.ToTimeout(ns);
        }
        return c.Task.Signals.Wait(set, timeout, c.Arg(1));
    }

    [Syscall(138, "rt_sigqueueinfo", Support.Full, "Queues the caller's siginfo to a process; EPERM for a non-negative si_code or SI_TKILL sent to another process.")]
    public static SyscallResult RtSigqueueinfo(ISyscallContext c)
    {
        var e = ReadQueuedInfo(c, c.Int(1), c.Arg(2), c.Int(0), out var info);
        return e != Errno.None ? e : Send(c, c.Int(0), 0, c.Int(1), info);
    }

    [Syscall(240, "rt_tgsigqueueinfo", Support.Full, "As rt_sigqueueinfo, to one thread of a thread group.")]
    public static SyscallResult RtTgsigqueueinfo(ISyscallContext c)
    {
        if (c.Int(0) <= 0 || c.Int(1) <= 0) return Errno.EINVAL;
        var e = ReadQueuedInfo(c, c.Int(2), c.Arg(3), c.Int(0), out var info);
        return e != Errno.None ? e : Send(c, c.Int(0), c.Int(1), c.Int(2), info);
    }

    [Syscall(424, "pidfd_send_signal", Support.Full, "To the process a pidfd names (ESRCH once reaped), its main thread (PIDFD_SIGNAL_THREAD) or its process group (PIDFD_SIGNAL_PROCESS_GROUP), with an optional siginfo checked as rt_sigqueueinfo checks it.")]
    public static SyscallResult PidfdSendSignal(ISyscallContext c)
    {
        const ulong Thread = 1, ThreadGroup = 2, ProcessGroup = 4;
        var sig = c.Int(1);
        var flags = c.Arg(3);
        if ((flags & ~(Thread | ThreadGroup | ProcessGroup)) != 0 || ulong.PopCount(flags) > 1 || sig is < 0 or > Sig.SIGRTMAX) return Errno.EINVAL;
        var pid = c.Task.PidOfPidFd(c.Int(0));
        if (pid < 0) return (Errno)(-pid);
        SigInfo? info = null;
        if (c.Arg(2) != 0)
        {
            var e = ReadQueuedInfo(c, sig, c.Arg(2), (int)pid, out info);
            if (e != Errno.None) return e;
            if (BitConverter.ToInt32(info!.Raw) != sig) return Errno.EINVAL;
        }
        var request = flags switch
        {
            Thread => new SendSignal(c.Task, (int)pid, (int)pid, sig),
            ProcessGroup => new SendSignal(c.Task, 0, 0, sig) { GroupOf = (int)pid },
            _ => new SendSignal(c.Task, (int)pid, 0, sig),
        };
        return SyscallResult.Send(request with { Info = info });
    }

    [Syscall(128, "restart_syscall", Support.Full, "Goes on with an interrupted sleep (nanosleep, relative clock_nanosleep) for the time it had left; EINTR when nothing is to be restarted.")]
    public static SyscallResult RestartSyscall(ISyscallContext c) => c.Task.Signals.RunRestartBlock(c);

    [Syscall(74, "signalfd4", Support.Full, "Reads take the reader's pending signals of the mask as signalfd_siginfo records; poll, select and epoll see them; SFD_NONBLOCK and SFD_CLOEXEC; an existing signalfd gets a new mask.")]
    public static SyscallResult Signalfd4(ISyscallContext c)
    {
        if ((c.Int(3) & ~(OpenFlags.O_NONBLOCK | OpenFlags.O_CLOEXEC)) != 0 || c.Arg(2) != 8) return Errno.EINVAL;
        var e = ReadSet(c, c.Arg(1), out var mask);
        return e != Errno.None ? e : c.Task.Signals.SignalFd(c.Int(0), mask, c.Int(3));
    }

    private static Errno ReadSet(ISyscallContext c, ulong address, out ulong set)
    {
        set = 0;
        Span<byte> raw = stackalloc byte[8];
        if (c.Memory.Read(address, raw) != Errno.None) return Errno.EFAULT;
        set = BitConverter.ToUInt64(raw);
        return Errno.None;
    }

    /// <summary>
    /// A caller-made siginfo (rt_sigqueueinfo and friends): only the kernel may claim SI_USER or a kernel code, or
    /// SI_TKILL, towards another process (EPERM); the receiver gets the bytes as written, with si_signo set.
    /// </summary>
    private static Errno ReadQueuedInfo(ISyscallContext c, int sig, ulong address, int targetPid, out SigInfo? info)
    {
        info = null;
        if (sig is < 0 or > Sig.SIGRTMAX) return Errno.EINVAL;
        var raw = new byte[SigInfo.Size];
        if (c.Memory.Read(address, raw) != Errno.None) return Errno.EFAULT;
        var code = BitConverter.ToInt32(raw, 8);
        if ((code >= 0 || code == SigInfo.SiTkill) && targetPid != c.Task.Pid) return Errno.EPERM;
        info = new SigInfo(sig, code) { Raw = raw };
        return Errno.None;
    }
}
