using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Tests.Table;

// Deliberately broken declarations: they exist only so the registry's rejections can be tested.
// Scanning this test assembly must therefore fail.

public static class DuplicateNumber
{
    [Syscall(63, "read", Support.Full, "first")]
    public static SyscallResult First(ISyscallContext ctx) => 0L;

    [Syscall(63, "read_again", Support.Full, "second")]
    public static SyscallResult Second(ISyscallContext ctx) => 0L;
}

public static class DuplicateName
{
    [Syscall(63, "read", Support.Full, "first")]
    [Syscall(64, "read", Support.Partial, "second")]
    public static SyscallResult Handler(ISyscallContext ctx) => Errno.ENOSYS;
}

public static class WrongSignature
{
    [Syscall(172, "getpid", Support.Full, "takes no context")]
    public static SyscallResult NoContext() => 0L;
}

public static class NotStatic
{
    public sealed class Holder
    {
        [Syscall(172, "getpid", Support.Full, "instance method")]
        public SyscallResult Instance(ISyscallContext ctx) => 0L;
    }
}

public static class OutOfRange
{
    [Syscall(512, "beyond", Support.Full, "number too large")]
    public static SyscallResult Handler(ISyscallContext ctx) => 0L;
}

public static class Good
{
    [Syscall(172, "getpid", Support.Full, "ok")]
    [Syscall(173, "getppid", Support.Partial, "")]
    public static SyscallResult Handler(ISyscallContext ctx) => 42L;

    [Syscall(0, "io_setup", Support.Unimplemented, "returns ENOSYS")]
    public static SyscallResult Stub(ISyscallContext ctx) => Errno.ENOSYS;
}

// A valid handler that repeats Good's getpid, as when an implementer forgets to delete the stub's attribute.
public static class GoodCopy
{
    [Syscall(172, "getpid", Support.Full, "implemented elsewhere")]
    public static SyscallResult Handler(ISyscallContext ctx) => 1L;
}
