using System.Text;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>prctl: the options Linux programs use; anything else is EINVAL, as for an unknown option.</summary>
public static partial class Process
{
    private const int CapLastCap = 40;

    [Syscall(167, "prctl", Support.Partial,
        "PR_SET/GET_NAME, PDEATHSIG (sent when the parent dies), DUMPABLE, KEEPCAPS, NO_NEW_PRIVS, CHILD_SUBREAPER (orphans go to the nearest one), " +
        "TIMERSLACK, TID_ADDRESS, THP_DISABLE, CAPBSET_READ/DROP, SET_SECCOMP and GET_SECCOMP; other options give EINVAL.")]
    public static SyscallResult Prctl(ISyscallContext c)
    {
        var s = c.Task.Settings;
        var p = c.Task.ProcessSettings;
        var arg2 = c.Arg(1);
        switch (c.Int(0))
        {
            case 1: // PR_SET_PDEATHSIG
                if (arg2 > 64) return Errno.EINVAL;
                s.PdeathSignal = (int)arg2;
                return 0;
            case 2: // PR_GET_PDEATHSIG
                return c.Memory.WriteStruct(arg2, s.PdeathSignal) == Errno.None ? 0 : Errno.EFAULT;
            case 3: // PR_GET_DUMPABLE
                return p.Dumpable ? 1 : 0;
            case 4: // PR_SET_DUMPABLE
                if (arg2 > 1) return Errno.EINVAL;
                p.Dumpable = arg2 == 1;
                return 0;
            case 7: // PR_GET_KEEPCAPS
                return s.KeepCaps ? 1 : 0;
            case 8: // PR_SET_KEEPCAPS
                if (arg2 > 1) return Errno.EINVAL;
                s.KeepCaps = arg2 == 1;
                return 0;
            case 15: // PR_SET_NAME: up to 15 bytes, silently truncated
            {
                var raw = new byte[16];
                var n = c.Memory.AccessibleLength(arg2, 16, write: false);
                if (n == 0 || c.Memory.Read(arg2, raw.AsSpan(0, n)) != Errno.None) return Errno.EFAULT;
                var end = Array.IndexOf(raw, (byte)0);
                if (end < 0 && n < 16) return Errno.EFAULT; // the string runs into unmapped memory
                s.Name = Encoding.UTF8.GetString(raw, 0, Math.Min(end < 0 ? 16 : end, 15));
                return 0;
            }
            case 16: // PR_GET_NAME
            {
                var raw = new byte[16];
                Encoding.UTF8.GetBytes(c.Task.Comm).CopyTo(raw, 0);
                return c.CopyOut(arg2, raw);
            }
            case 21: // PR_GET_SECCOMP
                return SeccompCalls.PrctlGet(c);
            case 22: // PR_SET_SECCOMP
                return SeccompCalls.PrctlSet(c, arg2, c.Arg(2));
            case 23: // PR_CAPBSET_READ
                if (arg2 > CapLastCap) return Errno.EINVAL;
                return (s.CapabilityBound >> (int)arg2 & 1) != 0 ? 1 : 0;
            case 24: // PR_CAPBSET_DROP: the calling thread's bounding set, with CAP_SETPCAP (cap_prctl_drop)
                if (arg2 > CapLastCap) return Errno.EINVAL;
                if (!s.Has(Capabilities.Setpcap)) return Errno.EPERM;
                s.CapabilityBound &= ~(1UL << (int)arg2);
                return 0;
            case 29: // PR_SET_TIMERSLACK
                s.TimerSlackNs = arg2 == 0 ? 50_000 : arg2;
                return 0;
            case 30: // PR_GET_TIMERSLACK
                return (long)s.TimerSlackNs;
            case 36: // PR_SET_CHILD_SUBREAPER
                p.ChildSubreaper = arg2 != 0;
                return 0;
            case 37: // PR_GET_CHILD_SUBREAPER
                return c.Memory.WriteStruct(arg2, p.ChildSubreaper ? 1 : 0) == Errno.None ? 0 : Errno.EFAULT;
            case 38: // PR_SET_NO_NEW_PRIVS: only ever set, and the unused arguments must be zero
                if (arg2 != 1 || c.Arg(2) != 0 || c.Arg(3) != 0 || c.Arg(4) != 0) return Errno.EINVAL;
                s.NoNewPrivs = true;
                return 0;
            case 39: // PR_GET_NO_NEW_PRIVS
                if (arg2 != 0 || c.Arg(2) != 0 || c.Arg(3) != 0 || c.Arg(4) != 0) return Errno.EINVAL;
                return s.NoNewPrivs ? 1 : 0;
            case 40: // PR_GET_TID_ADDRESS
                return c.Memory.WriteStruct(arg2, c.Task.ClearChildTid) == Errno.None ? 0 : Errno.EFAULT;
            case 41: // PR_SET_THP_DISABLE
                if (c.Arg(2) != 0 || c.Arg(3) != 0 || c.Arg(4) != 0) return Errno.EINVAL;
                p.ThpDisable = arg2 != 0;
                return 0;
            case 42: // PR_GET_THP_DISABLE
                return p.ThpDisable ? 1 : 0;
            default:
                return Errno.EINVAL;
        }
    }
}
