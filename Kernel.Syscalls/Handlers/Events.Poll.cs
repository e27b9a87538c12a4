using System.Diagnostics;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// poll and select (arm64 has only the ppoll and pselect6 forms). A call that finds a descriptor ready, or is not to
// wait, is answered on the task's thread; one that must wait is parked in the VFS actor.
public static partial class Events
{
    [Syscall(73, "ppoll", Support.Full, "Every file kind reports its Linux readiness; waits are parked in the VFS actor and the time left is written back; " + SignalsNote + ".")]
    public static SyscallResult Ppoll(ISyscallContext c)
    {
        var tsp = c.Arg(2);
        long timeoutNs = -1;
        if (tsp != 0)
        {
            var t = ReadTimeout(c, tsp, out timeoutNs);
            if (t != Errno.None) return t;
        }
        var s = ApplySigmask(c, c.Arg(3), c.Arg(4));
        if (s != Errno.None) return s;
        var started = Stopwatch.GetTimestamp();
        var nfds = c.Arg(1);
        var limit = c.Task is ILimits l ? l.GetLimit(Limits.NoFile).Cur : 1024;
        PollSet? set = null;
        var e = nfds > limit ? Errno.EINVAL : PollSet.Read(c.Memory, c.Arg(0), (int)nfds, out set);
        if (e == Errno.None)
        {
            var revents = new int[set!.Count];
            var count = set.Pass(c.Task.File, revents);
            if (count == 0 && timeoutNs != 0)
                return Park(c, new PollFiles(c.Task, c.Arg(0), (int)nfds, Timeout(timeoutNs)), tsp, timeoutNs, started);
            e = PollSet.WriteBack(c.Memory, c.Arg(0), revents);
            if (e == Errno.None)
            {
                WriteRemaining(c, tsp, timeoutNs, started);
                return count;
            }
        }
        WriteRemaining(c, tsp, timeoutNs, started);
        return e;
    }

    [Syscall(72, "pselect6", Support.Full, "As ppoll, with Linux's read/write/exception sets (the descriptor count is clamped to the fd table, EBADF for closed ones); " + SignalsNote + ".")]
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
            var t = ReadTimeout(c, tsp, out timeoutNs);
            if (t != Errno.None) return t;
        }
        var s = ApplySigmask(c, ss, ssLen);
        if (s != Errno.None) return s;
        var started = Stopwatch.GetTimestamp();
        var n = c.Int(0);
        // Every fd table has room for 64 descriptors, so up to there the sets need no clamping to it here.
        if (n < 0 || n <= 64)
        {
            SelectSets? sets = null;
            var e = n < 0 ? Errno.EINVAL : SelectSets.Read(c.Memory, n, c.Arg(1), c.Arg(2), c.Arg(3), out sets);
            if (e == Errno.None) e = sets!.CheckOpen(c.Task.File);
            if (e == Errno.None)
            {
                var count = sets!.Pass(c.Task.File, out var result);
                if (count == 0 && timeoutNs != 0) return ParkSelect(c, n, tsp, timeoutNs, started);
                e = result.WriteBack(c.Memory, c.Arg(1), c.Arg(2), c.Arg(3));
                if (e == Errno.None)
                {
                    WriteRemaining(c, tsp, timeoutNs, started);
                    return count;
                }
            }
            WriteRemaining(c, tsp, timeoutNs, started);
            return e;
        }
        return ParkSelect(c, n, tsp, timeoutNs, started);
    }

    private static SyscallResult ParkSelect(ISyscallContext c, int n, ulong tsp, long timeoutNs, long started) =>
        Park(c, new SelectFiles(c.Task, n, c.Arg(1), c.Arg(2), c.Arg(3), Timeout(timeoutNs)), tsp, timeoutNs, started);

    private static TimeSpan? Timeout(long ns) => ns < 0 ? null : ToTimeout(ns);

    /// <summary>Parks the call in the VFS actor; the time left is written back when it completes.</summary>
    private static SyscallResult Park(ISyscallContext c, EventsRequest request, ulong tsp, long timeoutNs, long started) =>
        SyscallResult.Send(request, reply =>
        {
            WriteRemaining(c, tsp, timeoutNs, started);
            return reply is Done d ? d.Value : reply is Failed f ? f.Errno : Errno.EIO;
        });
}
