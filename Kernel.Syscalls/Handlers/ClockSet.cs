using System.Buffers.Binary;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Setting and adjusting the clock: with CAP_SYS_TIME a guest moves its sandbox's CLOCK_REALTIME (an offset the
/// sandbox keeps), never the host's clock; without it, EPERM. Reading the adjustment state (adjtimex with no
/// modes) is open to everyone.
/// </summary>
public static class ClockSet
{
    private const uint AdjOffset = 0x0001, AdjFrequency = 0x0002, AdjMaxError = 0x0004, AdjEstError = 0x0008,
        AdjStatus = 0x0010, AdjTimeConst = 0x0020, AdjTai = 0x0080, AdjSetOffset = 0x0100, AdjMicro = 0x1000,
        AdjNano = 0x2000, AdjTick = 0x4000, AdjOffsetSingleshot = 0x8001, AdjOffsetSsRead = 0xa001;
    private const uint KnownModes = AdjOffset | AdjFrequency | AdjMaxError | AdjEstError | AdjStatus | AdjTimeConst | AdjTai
        | AdjSetOffset | AdjMicro | AdjNano | AdjTick | AdjOffsetSingleshot;
    private const int TimexSize = 208;
    private const int TimeOk = 0;

    private static bool MaySetTime(ISyscallContext c) => c.Task.Settings.Has(Capabilities.SysTime);

    private const string Note = "With CAP_SYS_TIME it moves the sandbox's CLOCK_REALTIME (clock_gettime, gettimeofday, TIMER_ABSTIME sleeps and timers), never the host's; file times and /proc keep the host's clock.";

    [Syscall(112, "clock_settime", Support.Full, "CLOCK_REALTIME only (EINVAL for the others). " + Note)]
    public static SyscallResult ClockSettime(ISyscallContext c)
    {
        var clock = c.Int(0);
        var raw = new byte[16];
        if (c.Memory.Read(c.Arg(1), raw) != Errno.None) return Errno.EFAULT;
        if (clock != Time.ClockRealtime) return Errno.EINVAL;
        var ns = SettableTime(raw, 1);
        if (ns < 0) return Errno.EINVAL;
        if (!MaySetTime(c)) return Errno.EPERM;
        SetRealtime(c, ns);
        return 0;
    }

    [Syscall(170, "settimeofday", Support.Full, "The time zone argument is checked and ignored, as Linux keeps it only for FAT. " + Note)]
    public static SyscallResult Settimeofday(ISyscallContext c)
    {
        long? ns = null;
        if (c.Arg(0) != 0)
        {
            var raw = new byte[16];
            if (c.Memory.Read(c.Arg(0), raw) != Errno.None) return Errno.EFAULT;
            ns = SettableTime(raw, 1000);
            if (ns < 0) return Errno.EINVAL;
        }
        if (c.Arg(1) != 0)
        {
            var tz = new byte[8];
            if (c.Memory.Read(c.Arg(1), tz) != Errno.None) return Errno.EFAULT;
            var minutes = BinaryPrimitives.ReadInt32LittleEndian(tz);
            if (minutes is < -15 * 60 or > 15 * 60) return Errno.EINVAL;
        }
        if (!MaySetTime(c)) return Errno.EPERM;
        if (ns is { } v) SetRealtime(c, v);
        return 0;
    }

    [Syscall(171, "adjtimex", Support.Partial, "Reading (no modes) reports a synchronised clock and the sandbox's time; with CAP_SYS_TIME, ADJ_SETOFFSET moves the sandbox's CLOCK_REALTIME and the other modes are checked and accepted but do not slew or tune the clock.")]
    public static SyscallResult Adjtimex(ISyscallContext c) => Adjust(c, c.Arg(0));

    [Syscall(266, "clock_adjtime", Support.Partial, "As adjtimex for CLOCK_REALTIME; EOPNOTSUPP for the clocks that cannot be adjusted, EINVAL for unknown ones.")]
    public static SyscallResult ClockAdjtime(ISyscallContext c)
    {
        var clock = c.Int(0);
        if (clock == Time.ClockRealtime) return Adjust(c, c.Arg(1));
        return Time.Now(clock) is null && clock >= 0 ? Errno.EINVAL : Errno.EOPNOTSUPP;
    }

    private static SyscallResult Adjust(ISyscallContext c, ulong address)
    {
        var tx = new byte[TimexSize];
        if (c.Memory.Read(address, tx) != Errno.None) return Errno.EFAULT;
        var modes = BinaryPrimitives.ReadUInt32LittleEndian(tx);
        if (modes != 0 && modes != AdjOffsetSsRead)
        {
            if ((modes & ~KnownModes) != 0) return Errno.EINVAL;
            if (!MaySetTime(c)) return Errno.EPERM;
            if ((modes & AdjSetOffset) != 0)
            {
                var sec = BinaryPrimitives.ReadInt64LittleEndian(tx.AsSpan(72));
                var frac = BinaryPrimitives.ReadInt64LittleEndian(tx.AsSpan(80));
                var nano = (modes & AdjNano) != 0;
                if (frac < 0 || frac >= (nano ? 1_000_000_000 : 1_000_000)) return Errno.EINVAL;
                c.Task.Timers.RealtimeOffsetNs += sec * 1_000_000_000 + (nano ? frac : frac * 1000);
            }
        }
        // The state as a synchronised kernel reports it: no offset, no frequency error, a 10 ms tick.
        var now = Time.Now(Time.ClockRealtime)!.Value + c.Task.Timers.RealtimeOffsetNs;
        var nanoOut = (modes & AdjNano) != 0;
        Array.Clear(tx, 8, TimexSize - 8);
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(24), 0);             // maxerror
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(32), 0);             // esterror
        BinaryPrimitives.WriteInt32LittleEndian(tx.AsSpan(40), nanoOut ? 0x2000 : 0); // status (STA_NANO)
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(48), 2);             // constant
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(56), 1);             // precision (us)
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(64), 32768000);      // tolerance (500 ppm << 16)
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(72), now / 1_000_000_000);
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(80), nanoOut ? now % 1_000_000_000 : now % 1_000_000_000 / 1000);
        BinaryPrimitives.WriteInt64LittleEndian(tx.AsSpan(88), 10000);         // tick (us)
        return c.Memory.Write(address, tx) != Errno.None ? Errno.EFAULT : TimeOk;
    }

    /// <summary>A time to set the clock to, in ns; -1 when invalid (timespec64_valid_settod: also beyond what ns can hold).</summary>
    private static long SettableTime(byte[] raw, long unitNs) =>
        BinaryPrimitives.ReadInt64LittleEndian(raw) > long.MaxValue / 1_000_000_000 - 1 ? -1 : Time.PairToNs(raw, unitNs);

    private static void SetRealtime(ISyscallContext c, long ns) => c.Task.Timers.RealtimeOffsetNs = ns - Time.Now(Time.ClockRealtime)!.Value;
}
