using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// Stubs for the file I/O: open, close, read, write, seek, stat, dup, fcntl, ioctl, pipes, splice, sync.
// When you implement a call in FileIo.cs, delete its attribute line here (the table rejects a number declared twice).
public static partial class FileIo
{
    /// <summary>Calls not implemented yet (or absent from the Linux we model): ENOSYS, so callers take their fallback.</summary>
    public static SyscallResult NotImplemented(ISyscallContext ctx) => Errno.ENOSYS;
}
