using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the address spaces: mmap, brk, protections, locking, NUMA policy, memfd.
// When you implement a call in Memory.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class Memory
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    [Syscall(234, "remap_file_pages", Support.Unimplemented, "Not implemented yet; returns ENOSYS.")]
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
