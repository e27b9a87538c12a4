using System.Globalization;
using System.Text;
using Kernel.Actors.Tasks;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;

namespace Kernel.Actors.Proc;

/// <summary>
/// /proc/[pid]/timens_offsets: the clock offsets of the process's time namespace for children, which a process with
/// CAP_SYS_TIME sets after unshare(CLONE_NEWTIME) and before any process enters the namespace (EACCES then).
/// </summary>
internal static class ProcTimens
{
    private const long NsPerSecond = 1_000_000_000;
    private const long KtimeSecMax = long.MaxValue / NsPerSecond;

    public static string Show(KernelProcess p)
    {
        var ns = p.Namespaces.TimeForChildren;
        return Line("monotonic", ns.MonotonicOffsetNs) + Line("boottime", ns.BoottimeOffsetNs);

        static string Line(string clock, long offset)
        {
            var sec = Math.DivRem(offset, NsPerSecond, out var nsec);
            if (nsec < 0) (sec, nsec) = (sec - 1, nsec + NsPerSecond); // a timespec: the fraction is never negative
            return string.Create(CultureInfo.InvariantCulture, $"{clock,-10} {sec,10} {nsec,9}\n");
        }
    }

    /// <summary>proc_timens_offsets_write: up to two "clock seconds nanoseconds" lines, all checked before any is applied.</summary>
    public static ProcWriter Writer(KernelProcess p)
    {
        var mayChange = CurrentTask.Task?.Settings.Has(Capabilities.SysTime) ?? false; // the opener's, as file_ns_capable
        return data =>
        {
            if (data.Length >= 4096) return -(long)Errno.EINVAL;
            var offsets = new List<(int Clock, long Sec, long Nsec)>();
            var text = Encoding.ASCII.GetString(data);
            var nul = text.IndexOf('\0');
            if (nul >= 0) text = text[..nul];
            var count = data.Length;
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (i == lines.Length - 1 && lines[i].Length == 0 && i > 0) break; // the text ended with a newline
                var fields = lines[i].Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (fields.Length < 3 || !long.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var sec)
                    || !ulong.TryParse(fields[2], NumberStyles.None, CultureInfo.InvariantCulture, out var nsec) || nsec >= NsPerSecond)
                    return -(long)Errno.EINVAL;
                int clock = fields[0] switch
                {
                    "monotonic" or "1" => Time.ClockMonotonic,
                    "boottime" or "7" => Time.ClockBoottime,
                    _ => -1,
                };
                if (clock < 0) return -(long)Errno.EINVAL;
                offsets.Add((clock, sec, (long)nsec));
                if (offsets.Count == 2)
                {
                    // Linux takes two and reports the bytes up to the next line as written.
                    var consumed = string.Join('\n', lines.Take(i + 1)).Length + (i + 1 < lines.Length ? 1 : 0);
                    count = Math.Min(count, consumed);
                    break;
                }
            }
            var ns = p.Namespaces.TimeForChildren;
            if (!mayChange) return -(long)Errno.EPERM;
            foreach (var (clock, sec, nsec) in offsets)
            {
                if (sec is > KtimeSecMax or < -KtimeSecMax) return -(long)Errno.ERANGE;
                // The clock seen through the namespace must stay in [0, KTIME_SEC_MAX / 2].
                var seen = Time.Now(clock)!.Value / NsPerSecond + sec;
                if (seen < 0 || seen > KtimeSecMax / 2) return -(long)Errno.ERANGE;
            }
            if (ns.Frozen) return -(long)Errno.EACCES;
            foreach (var (clock, sec, nsec) in offsets)
            {
                if (clock == Time.ClockMonotonic) ns.MonotonicOffsetNs = sec * NsPerSecond + nsec;
                else ns.BoottimeOffsetNs = sec * NsPerSecond + nsec;
            }
            return count;
        };
    }
}
