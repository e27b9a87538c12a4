using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// The architecture's prctl options on arm64 (arch/arm64: proton-pack.c, process.c, fpsimd.c, pointer_auth.c) for a CPU
/// without SVE, SME, pointer authentication, MTE or GCS that store bypass does not affect; every other option is EINVAL.
/// </summary>
public static partial class Process
{
    private const ulong PrSpecStoreBypass = 0, PrSpecNotAffected = 0;
    private const ulong PrSpecEnable = TaskSettings.SpecEnable, PrSpecDisable = TaskSettings.SpecDisable,
        PrSpecForceDisable = TaskSettings.SpecForceDisable, PrSpecDisableNoExec = TaskSettings.SpecDisableNoExec;

    private static SyscallResult PrctlArch(ISyscallContext c, int option, ulong arg2, ulong arg3, ulong arg4, ulong arg5)
    {
        var s = c.Task.Settings;
        switch (option)
        {
            case 52: // PR_GET_SPECULATION_CTRL: only store bypass is known, and this CPU is not affected
                if ((arg3 | arg4 | arg5) != 0) return Errno.EINVAL;
                return arg2 == PrSpecStoreBypass ? (long)PrSpecNotAffected : Errno.ENODEV;
            case 53: // PR_SET_SPECULATION_CTRL: the mitigation policy is dynamic, so each control is accepted (and kept)
                if ((arg4 | arg5) != 0) return Errno.EINVAL;
                if (arg2 != PrSpecStoreBypass) return Errno.ENODEV;
                return SetStoreBypass(s, arg3);
            case 55: // PR_SET_TAGGED_ADDR_CTRL: only PR_TAGGED_ADDR_ENABLE without MTE; the address space untags pointers
                if ((arg3 | arg4 | arg5) != 0 || (arg2 & ~1UL) != 0) return Errno.EINVAL;
                return SyscallResult.Send(new PrctlMm(c.Task, option, arg2, 0, 0, 0));
            case 56: // PR_GET_TAGGED_ADDR_CTRL
                if ((arg2 | arg3 | arg4 | arg5) != 0) return Errno.EINVAL;
                return s.TaggedAddr ? 1 : 0;
            default:
                // PR_GET/SET_UNALIGN, FPEMU, FPEXC, ENDIAN, TSC, FP_MODE, MPX, SVE_SET/GET_VL, SME_SET/GET_VL, PAC_RESET_KEYS,
                // PAC_SET/GET_ENABLED_KEYS (no SVE, SME or pointer authentication), SYSCALL_USER_DISPATCH (no generic entry),
                // SCHED_CORE (no CONFIG_SCHED_CORE), RISC-V, PowerPC DEXCR, shadow stacks (no GCS) and unknown options.
                return Errno.EINVAL;
        }
    }

    /// <summary>ssbd_prctl_set under the dynamic policy: a forced disable cannot be undone.</summary>
    private static SyscallResult SetStoreBypass(TaskSettings s, ulong ctrl)
    {
        var forced = s.SpecStoreBypass == TaskSettings.SpecForceDisable;
        switch (ctrl)
        {
            case PrSpecEnable:
                if (forced) return Errno.EPERM;
                s.SpecStoreBypass = TaskSettings.SpecEnable;
                return 0;
            case PrSpecForceDisable:
                s.SpecStoreBypass = TaskSettings.SpecForceDisable;
                return 0;
            case PrSpecDisable:
                if (!forced) s.SpecStoreBypass = TaskSettings.SpecDisable;
                return 0;
            case PrSpecDisableNoExec:
                if (forced) return Errno.EPERM;
                s.SpecStoreBypass = TaskSettings.SpecDisableNoExec;
                return 0;
            default:
                return Errno.ERANGE;
        }
    }
}
