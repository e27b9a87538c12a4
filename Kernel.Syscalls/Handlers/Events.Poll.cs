using System.Diagnostics;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// poll and select (arm64 has only the ppoll and pselect6 forms).
public static partial class Events
{
    [Syscall(73, "ppoll", Support.Partial, "Every file kind reports its Linux readiness; waits are parked in the VFS actor and the time left is written back; " + NoSignalsNote + ".")]
    public static SyscallResult Ppoll(ISyscallContext c)
    {
        var tsp = c.Arg(2);
        long timeoutNs = -1;
        if (tsp != 0)
        {
            var e = ReadTimeout(c, tsp, out timeoutNs);
            if (e != Errno.None) return e;
        }
        var s = CheckSigmask(c, c.Arg(3), c.Arg(4));
        if (s != Errno.None) return s;
        var started = Stopwatch.GetTimestamp();
        var nfds = c.Arg(1);
        var limit = c.Task is ILimits l ? l.GetLimit(Limits.NoFile).Cur : 1024;
        if (nfds > limit)
        {
            WriteRemaining(c, tsp, timeoutNs, started);
            return Errno.EINVAL;
        }
        var timeout = timeoutNs < 0 ? null : ToTimeout(timeoutNs);
        return SyscallResult.Send(new PollFiles(c.Task, c.Arg(0), (int)nfds, timeout), reply =>
        {
            WriteRemaining(c, tsp, timeoutNs, started);
            return reply is Done d ? d.Value : reply is Failed f ? f.Errno : Errno.EIO;
        });
    }

    [Syscall(72, "pselect6", Support.Partial, "As ppoll, with Linux's read/write/exception sets (the descriptor count is clamped to the fd table, EBADF for closed ones); " + NoSignalsNote + ".")]
    public static SyscallResult Pselect6(ISyscallContext c)
    {
        // The sixth argument points to { const sigset_t *ss; size_t ss_len; }, read before anything else.
        ulong ss = 0, ssLen = 0;
        if (c.Arg(5) != 0)
        {
            Span<byte> pack = stackalloc byte[16];
            if (c.Memory.Read(c.Arg(5), pack) != Errno.None) return Errno.EFAULT;
            ss = BitConverter.ToUInt64(pack);
            ssLen = BitConverter.ToUInt64(pack[8..]);
        }
        var tsp = c.Arg(4);
        long timeoutNs = -1;
        if (tsp != 0)
        {
            var e = ReadTimeout(c, tsp, out timeoutNs);
            if (e != Errno.None) return e;
        }
        var s = CheckSigmask(c, ss, ssLen);
        if (s != Errno.None) return s;
        var started = Stopwatch.GetTimestamp();
        var n = c.Int(0);
        if (n < 0)
        {
            WriteRemaining(c, tsp, timeoutNs, started);
            return Errno.EINVAL;
        }
        var timeout = timeoutNs < 0 ? null : ToTimeout(timeoutNs);
        return SyscallResult.Send(new SelectFiles(c.Task, n, c.Arg(1), c.Arg(2), c.Arg(3), timeout), reply =>
        {
            WriteRemaining(c, tsp, timeoutNs, started);
            return reply is Done d ? d.Value : reply is Failed f ? f.Errno : Errno.EIO;
        });
    }
}
