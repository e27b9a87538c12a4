using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Memory protection keys, as arm64 Linux gives them on a CPU without protection-key hardware (no POE, which is
/// every CPU the Debian kernels we model run on): no key can be allocated, none can be freed, and pkey_mprotect
/// takes only the default key 0 (or -1), where it is mprotect.
/// </summary>
public static class ProtectionKeys
{
    private const ulong PkeyAccessMask = 0x3; // PKEY_DISABLE_ACCESS | PKEY_DISABLE_WRITE
    private const int ProtGrowsDown = 0x01000000, ProtGrowsUp = 0x02000000;
    private const int ArchProt = 0x7 | 0x8 /* PROT_SEM */ | 0x10 /* PROT_BTI */ | 0x20 /* PROT_MTE */;

    [Syscall(289, "pkey_alloc", Support.Full, "As arm64 Linux without protection-key hardware: flags and init_val are checked (EINVAL), then ENOSPC (no key to give).")]
    public static SyscallResult PkeyAlloc(ISyscallContext c)
    {
        if (c.Arg(0) != 0 || (c.Arg(1) & ~PkeyAccessMask) != 0) return Errno.EINVAL;
        return Errno.ENOSPC;
    }

    [Syscall(290, "pkey_free", Support.Full, "As arm64 Linux without protection-key hardware: no key was allocated, so EINVAL.")]
    public static SyscallResult PkeyFree(ISyscallContext c) => Errno.EINVAL;

    [Syscall(288, "pkey_mprotect", Support.Full, "mprotect with key -1 or 0 (the default key); any other key was never allocated (EINVAL, after mprotect's own argument checks), as on arm64 Linux without protection-key hardware.")]
    public static SyscallResult PkeyMprotect(ISyscallContext c)
    {
        var pkey = c.Int(3);
        if (pkey is -1 or 0) return SyscallResult.Send(new ProtectMemory(c.Task, c.Arg(0), c.Arg(1), c.Int(2)));
        // do_mprotect_pkey's checks before the key's, in its order.
        var start = c.Arg(0);
        var prot = c.Int(2) & ~(ProtGrowsDown | ProtGrowsUp);
        if ((c.Int(2) & (ProtGrowsDown | ProtGrowsUp)) == (ProtGrowsDown | ProtGrowsUp) || (start & 0xfff) != 0) return Errno.EINVAL;
        var len = c.Arg(1);
        if (len == 0) return 0;
        var end = start + ((len + 0xfff) & ~0xfffUL);
        if (len > ulong.MaxValue - 0xfff || end <= start) return Errno.ENOMEM;
        if ((prot & ~ArchProt) != 0) return Errno.EINVAL;
        return Errno.EINVAL;
    }
}
