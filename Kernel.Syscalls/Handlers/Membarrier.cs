using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// membarrier: a process's threads run one at a time on its vCPU thread, so their accesses are already ordered; the
/// commands that reach other processes make the host order every thread of the kernel process (a process-wide barrier).
/// </summary>
public static class Membarrier
{
    private const int Query = 0, Global = 1, GlobalExpedited = 2, RegisterGlobalExpedited = 4, PrivateExpedited = 8,
        RegisterPrivateExpedited = 16, PrivateExpeditedSyncCore = 32, RegisterPrivateExpeditedSyncCore = 64,
        PrivateExpeditedRseq = 128, RegisterPrivateExpeditedRseq = 256, GetRegistrations = 512;
    private const int Supported = Global | GlobalExpedited | RegisterGlobalExpedited | PrivateExpedited | RegisterPrivateExpedited
        | PrivateExpeditedSyncCore | RegisterPrivateExpeditedSyncCore | GetRegistrations;
    private const int FlagCpu = 1;

    [Syscall(283, "membarrier", Support.Full, "QUERY, GLOBAL, GLOBAL_EXPEDITED, PRIVATE_EXPEDITED and SYNC_CORE with their registrations (EPERM before it) and GET_REGISTRATIONS; the RSEQ commands are not offered (EINVAL), as without CONFIG_RSEQ.")]
    public static SyscallResult Call(ISyscallContext c)
    {
        var cmd = c.Int(0);
        var flags = c.Int(1);
        if (flags != 0) return Errno.EINVAL;
        var settings = c.Task.ProcessSettings;
        switch (cmd)
        {
            case Query:
                return Supported;
            case Global or GlobalExpedited:
                Interlocked.MemoryBarrierProcessWide();
                return 0;
            case RegisterGlobalExpedited:
                settings.MembarrierRegistrations |= RegisterGlobalExpedited;
                return 0;
            case RegisterPrivateExpedited or RegisterPrivateExpeditedSyncCore:
                settings.MembarrierRegistrations |= cmd;
                return 0;
            case PrivateExpedited:
                if ((settings.MembarrierRegistrations & RegisterPrivateExpedited) == 0) return Errno.EPERM;
                Interlocked.MemoryBarrier();
                return 0;
            case PrivateExpeditedSyncCore:
                if ((settings.MembarrierRegistrations & RegisterPrivateExpeditedSyncCore) == 0) return Errno.EPERM;
                Interlocked.MemoryBarrier();
                return 0;
            case GetRegistrations:
                return settings.MembarrierRegistrations;
            default:
                return Errno.EINVAL;
        }
    }
}
