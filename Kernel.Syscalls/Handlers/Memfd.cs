using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>memfd_create: an unnamed tmpfs file, with seals.</summary>
public static partial class Memfd
{
    private const uint MfdCloexec = 1, MfdAllowSealing = 2, MfdHugetlb = 4, MfdNoexecSeal = 8, MfdExec = 0x10;
    private const uint MfdAll = MfdCloexec | MfdAllowSealing | MfdHugetlb | MfdNoexecSeal | MfdExec;
    private const uint MfdHugeMask = 0x3fu << 26;
    /// <summary>NAME_MAX less "memfd:", plus the NUL.</summary>
    private const int NameMax = 249 + 1;

    [Syscall(279, "memfd_create", Support.Full, "MFD_CLOEXEC, MFD_ALLOW_SEALING, MFD_NOEXEC_SEAL/MFD_EXEC, seals enforced on write, truncate, " +
        "fallocate and mmap; MFD_HUGETLB with every arm64 MFD_HUGE_* size (ENODEV for others): hugetlbfs's rules (no write(2), sizes, " +
        "offsets, mappings, munmap and mprotect in whole huge pages, hugetlbfs statfs), backed by base pages from an unlimited pool.")]
    public static SyscallResult MemfdCreate(ISyscallContext c)
    {
        uint flags = c.UInt(1);
        if ((flags & ~(MfdAll | ((flags & MfdHugetlb) != 0 ? MfdHugeMask : 0))) != 0) return Errno.EINVAL;
        if ((flags & (MfdExec | MfdNoexecSeal)) == (MfdExec | MfdNoexecSeal)) return Errno.EINVAL;
        var e = c.Memory.ReadCString(c.Arg(0), NameMax, out var name);
        if (e == Errno.ENAMETOOLONG) return Errno.EINVAL;
        if (e != Errno.None) return e;
        // MFD_HUGE_*: the page size's log2 (0: the default, 2 MiB); arm64 with 4 KiB pages has 64 KiB, 2 MiB, 32 MiB and 1 GiB.
        if ((flags & MfdHugetlb) != 0 && !HugePages.IsSupported((int)(flags >> 26))) return Errno.ENODEV;
        return SyscallResult.Send(new CreateMemfd(c.Task, name, flags));
    }
}
