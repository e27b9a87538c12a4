using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>Signal dispositions, masks and sending. Handlers are recorded; delivery into handlers comes later.</summary>
public static partial class Signals
{
    private const ulong Unblockable = (1UL << (Sig.SIGKILL - 1)) | (1UL << (Sig.SIGSTOP - 1));

    [Syscall(134, "rt_sigaction", Support.Partial, "Dispositions are recorded and SIG_IGN/SIG_DFL honoured; handlers are not yet invoked.")]
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

    [Syscall(132, "sigaltstack", Support.Partial, "The alternate stack is recorded; it is used once handlers are delivered.")]
    public static SyscallResult Sigaltstack(ISyscallContext c)
    {
        const int SsDisable = 2, MinSigStkSz = 5120;
        var old = c.Task.AltStack;
        if (c.Arg(0) != 0)
        {
            var raw = new byte[24];
            if (c.Memory.Read(c.Arg(0), raw) != Errno.None) return Errno.EFAULT;
            var sp = BitConverter.ToUInt64(raw);
            var flags = BitConverter.ToInt32(raw, 8);
            var size = BitConverter.ToUInt64(raw, 16);
            if ((flags & ~(SsDisable | unchecked((int)0x80000000))) != 0) return Errno.EINVAL;
            if ((flags & SsDisable) == 0 && size < MinSigStkSz) return Errno.ENOMEM;
            c.Task.AltStack = (flags & SsDisable) != 0 ? (0, SsDisable, 0) : (sp, 0, size);
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

    [Syscall(129, "kill", Support.Partial, "To a pid in the sandbox; default actions terminate (exit status 128+N); handlers, stop/continue and process groups are not yet supported.")]
    public static SyscallResult Kill(ISyscallContext c) =>
        c.Int(1) is < 0 or > Sig.SIGRTMAX ? Errno.EINVAL : SyscallResult.Send(new SendSignal(c.Task, c.Int(0), 0, c.Int(1)));

    [Syscall(131, "tgkill", Support.Partial, "As kill, to the thread's process.")]
    public static SyscallResult Tgkill(ISyscallContext c) =>
        c.Int(2) is < 0 or > Sig.SIGRTMAX || c.Int(0) <= 0 || c.Int(1) <= 0 ? Errno.EINVAL : SyscallResult.Send(new SendSignal(c.Task, c.Int(0), c.Int(1), c.Int(2)));

    [Syscall(130, "tkill", Support.Partial, "As kill, to the thread's process.")]
    public static SyscallResult Tkill(ISyscallContext c) =>
        c.Int(1) is < 0 or > Sig.SIGRTMAX || c.Int(0) <= 0 ? Errno.EINVAL : SyscallResult.Send(new SendSignal(c.Task, 0, c.Int(0), c.Int(1)));
}
