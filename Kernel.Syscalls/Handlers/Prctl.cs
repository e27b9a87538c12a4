using System.Text;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// prctl as arm64 Linux 6.x answers it (kernel/sys.c, security/commoncap.c, Yama, arch/arm64): options of other
/// architectures or of hardware this CPU lacks (SVE, SME, pointer authentication, MTE, GCS) give EINVAL, as does an
/// unknown option.
/// </summary>
public static partial class Process
{
    private const int CapLastCap = 40;

    [Syscall(167, "prctl", Support.Full,
        "Every option arm64 Linux 6.4 accepts: PDEATHSIG, DUMPABLE, NAME, SECCOMP, the capability options (CAPBSET_READ/DROP, KEEPCAPS, " +
        "SECUREBITS with their locks, CAP_AMBIENT with the ambient set kept across execve), TIMERSLACK, TIMING, MCE_KILL, PERF_EVENTS, " +
        "SET_MM (each field, AUXV, EXE_FILE, MAP, MAP_SIZE; /proc/[pid]/cmdline, environ, auxv and stat follow), GET_AUXV, TID_ADDRESS, " +
        "CHILD_SUBREAPER, NO_NEW_PRIVS, THP_DISABLE, IO_FLUSHER, SPECULATION_CTRL (a CPU not affected by store bypass), " +
        "TAGGED_ADDR_CTRL (the syscall ABI: kernel copies accept pointers with a top-byte tag; the emulated CPU's own loads and stores do not ignore the top byte, which is TBI, not prctl), SET_VMA (anonymous area names in " +
        "/proc/[pid]/maps), MDWE (enforced by mmap and mprotect), MEMORY_MERGE (kept; nothing merges), SET_PTRACER (Yama's exception, " +
        "recorded). EINVAL as on that CPU: UNALIGN, FPEMU, FPEXC, ENDIAN, TSC, FP_MODE, MPX, SVE/SME vector lengths, PAC keys, " +
        "SYSCALL_USER_DISPATCH, SCHED_CORE (no CONFIG_SCHED_CORE), RISC-V, PowerPC and shadow-stack options, and the 6.16+ FUTEX_HASH and " +
        "6.17+ TIMER_CREATE_RESTORE_IDS.")]
    public static SyscallResult Prctl(ISyscallContext c)
    {
        var s = c.Task.Settings;
        var p = c.Task.ProcessSettings;
        int option = c.Int(0);
        ulong arg2 = c.Arg(1), arg3 = c.Arg(2), arg4 = c.Arg(3), arg5 = c.Arg(4);
        // The security modules see the option first: commoncap's capability options, then Yama's PR_SET_PTRACER.
        if (PrctlCapabilities(c, option, arg2, arg3, arg4, arg5) is { } capability) return capability;
        switch (option)
        {
            case 0x59616d61: // PR_SET_PTRACER: 0 clears, -1 (PR_SET_PTRACER_ANY) allows any process, else a live task's id
            {
                var pid = (int)arg2;
                if (arg2 != 0 && pid != -1 && (pid <= 0 || c.Task.SettingsOf(pid) is null)) return Errno.EINVAL;
                p.Ptracer = arg2 == 0 ? 0 : pid;
                return 0;
            }
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
            case 13: // PR_GET_TIMING: only statistical timing exists
                return 0;
            case 14: // PR_SET_TIMING
                return arg2 == 0 ? 0 : Errno.EINVAL;
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
                return SeccompCalls.PrctlSet(c, arg2, arg3);
            case 29: // PR_SET_TIMERSLACK: 0 restores the default
                s.TimerSlackNs = arg2 == 0 ? 50_000 : arg2;
                return 0;
            case 30: // PR_GET_TIMERSLACK
                return (long)s.TimerSlackNs;
            case 31 or 32: // PR_TASK_PERF_EVENTS_DISABLE/ENABLE: the task has no perf events to switch
                return 0;
            case 33: // PR_MCE_KILL
                return MceKill(s, arg2, arg3, arg4, arg5);
            case 34: // PR_MCE_KILL_GET
                if ((arg2 | arg3 | arg4 | arg5) != 0) return Errno.EINVAL;
                return s.MceProcess ? s.MceEarly ? 1 : 0 : 2; // PR_MCE_KILL_EARLY, _LATE, _DEFAULT
            case 36: // PR_SET_CHILD_SUBREAPER
                p.ChildSubreaper = arg2 != 0;
                return 0;
            case 37: // PR_GET_CHILD_SUBREAPER
                return c.Memory.WriteStruct(arg2, p.ChildSubreaper ? 1 : 0) == Errno.None ? 0 : Errno.EFAULT;
            case 38: // PR_SET_NO_NEW_PRIVS: only ever set, and the unused arguments must be zero
                if (arg2 != 1 || (arg3 | arg4 | arg5) != 0) return Errno.EINVAL;
                s.NoNewPrivs = true;
                return 0;
            case 39: // PR_GET_NO_NEW_PRIVS
                if ((arg2 | arg3 | arg4 | arg5) != 0) return Errno.EINVAL;
                return s.NoNewPrivs ? 1 : 0;
            case 40: // PR_GET_TID_ADDRESS
                return c.Memory.WriteStruct(arg2, c.Task.ClearChildTid) == Errno.None ? 0 : Errno.EFAULT;
            case 41: // PR_SET_THP_DISABLE
                if ((arg3 | arg4 | arg5) != 0) return Errno.EINVAL;
                p.ThpDisable = arg2 != 0;
                return 0;
            case 42: // PR_GET_THP_DISABLE
                if ((arg2 | arg3 | arg4 | arg5) != 0) return Errno.EINVAL;
                return p.ThpDisable ? 1 : 0;
            case 57: // PR_SET_IO_FLUSHER
                if (!s.Has(Capabilities.SysResource)) return Errno.EPERM;
                if ((arg3 | arg4 | arg5) != 0 || arg2 > 1) return Errno.EINVAL;
                s.IoFlusher = arg2 == 1;
                return 0;
            case 58: // PR_GET_IO_FLUSHER
                if (!s.Has(Capabilities.SysResource)) return Errno.EPERM;
                if ((arg2 | arg3 | arg4 | arg5) != 0) return Errno.EINVAL;
                return s.IoFlusher ? 1 : 0;
            case 35 or 65 or 66 or 67 or 68 or 0x53564d41 or 0x41555856:
                // PR_SET_MM, PR_SET/GET_MDWE, PR_SET/GET_MEMORY_MERGE, PR_SET_VMA, PR_GET_AUXV: the address space's.
                return SyscallResult.Send(new PrctlMm(c.Task, option, arg2, arg3, arg4, arg5));
            default:
                return PrctlArch(c, option, arg2, arg3, arg4, arg5);
        }
    }

    /// <summary>PR_MCE_KILL: CLEAR (with a zero argument), or SET to EARLY, LATE or DEFAULT.</summary>
    private static SyscallResult MceKill(TaskSettings s, ulong arg2, ulong arg3, ulong arg4, ulong arg5)
    {
        if ((arg4 | arg5) != 0) return Errno.EINVAL;
        switch (arg2)
        {
            case 0: // PR_MCE_KILL_CLEAR
                if (arg3 != 0) return Errno.EINVAL;
                s.MceProcess = false;
                return 0;
            case 1: // PR_MCE_KILL_SET
                switch (arg3)
                {
                    case 0: // PR_MCE_KILL_LATE
                        s.MceProcess = true;
                        s.MceEarly = false;
                        return 0;
                    case 1: // PR_MCE_KILL_EARLY
                        s.MceProcess = s.MceEarly = true;
                        return 0;
                    case 2: // PR_MCE_KILL_DEFAULT
                        s.MceProcess = s.MceEarly = false;
                        return 0;
                    default:
                        s.MceProcess = true; // Linux sets PF_MCE_PROCESS before it looks at the policy
                        return Errno.EINVAL;
                }
            default:
                return Errno.EINVAL;
        }
    }
}
