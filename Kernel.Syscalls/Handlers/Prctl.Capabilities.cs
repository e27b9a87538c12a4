using Kernel.Syscalls.Abi;

namespace Kernel.Syscalls.Handlers;

/// <summary>The capability options of prctl, which security/commoncap.c (cap_task_prctl) answers before prctl itself.</summary>
public static partial class Process
{
    private const int PrCapAmbientIsSet = 1, PrCapAmbientRaise = 2, PrCapAmbientLower = 3, PrCapAmbientClearAll = 4;

    /// <summary>The answer for a capability option, or null for any other option.</summary>
    private static SyscallResult? PrctlCapabilities(ISyscallContext c, int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5)
    {
        var s = c.Task.Settings;
        switch (option)
        {
            case 23: // PR_CAPBSET_READ
                if (arg2 > CapLastCap) return Errno.EINVAL;
                return (s.CapabilityBound >> (int)arg2 & 1) != 0 ? 1 : 0;
            case 24: // PR_CAPBSET_DROP: the calling thread's bounding set, with CAP_SETPCAP (cap_prctl_drop)
                if (!s.Has(Capabilities.Setpcap)) return Errno.EPERM;
                if (arg2 > CapLastCap) return Errno.EINVAL;
                s.CapabilityBound &= ~(1UL << (int)arg2);
                return 0;
            case 27: // PR_GET_SECUREBITS
                return s.SecureBits;
            case 28: // PR_SET_SECUREBITS: no locked bit changed, no lock undone, no unknown bit, and CAP_SETPCAP
            {
                var old = s.SecureBits;
                if (((old & SecBits.AllLocks) >> 1 & (old ^ arg2)) != 0 || (old & SecBits.AllLocks & ~arg2) != 0
                    || (arg2 & ~(ulong)(SecBits.AllLocks | SecBits.AllBits)) != 0 || !s.Has(Capabilities.Setpcap))
                    return Errno.EPERM;
                s.SecureBits = (uint)arg2;
                return 0;
            }
            case 7: // PR_GET_KEEPCAPS
                return s.KeepCaps ? 1 : 0;
            case 8: // PR_SET_KEEPCAPS
                if (arg2 > 1) return Errno.EINVAL;
                if ((s.SecureBits & SecBits.KeepCapsLocked) != 0) return Errno.EPERM;
                s.KeepCaps = arg2 == 1;
                return 0;
            case 47: // PR_CAP_AMBIENT
                return CapAmbient(s, arg2, arg3, arg4, arg5);
            default:
                return null;
        }
    }

    /// <summary>PR_CAP_AMBIENT: a capability may join the ambient set only while permitted and inheritable, unless SECBIT_NO_CAP_AMBIENT_RAISE.</summary>
    private static SyscallResult CapAmbient(TaskSettings s, ulong arg2, ulong arg3, ulong arg4, ulong arg5)
    {
        if (arg2 == PrCapAmbientClearAll)
        {
            if ((arg3 | arg4 | arg5) != 0) return Errno.EINVAL;
            s.CapAmbient = 0;
            return 0;
        }
        if (arg3 > CapLastCap || (arg4 | arg5) != 0) return Errno.EINVAL;
        var bit = 1UL << (int)arg3;
        switch (arg2)
        {
            case PrCapAmbientIsSet:
                return (s.CapAmbient & bit) != 0 ? 1 : 0;
            case PrCapAmbientRaise:
                if ((s.CapPermitted & bit) == 0 || (s.CapInheritable & bit) == 0 || (s.SecureBits & SecBits.NoCapAmbientRaise) != 0)
                    return Errno.EPERM;
                s.CapAmbient |= bit;
                return 0;
            case PrCapAmbientLower:
                s.CapAmbient &= ~bit;
                return 0;
            default:
                return Errno.EINVAL;
        }
    }
}
