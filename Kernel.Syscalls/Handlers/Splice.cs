using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Moving data between descriptors inside the kernel: sendfile, splice, tee, vmsplice, copy_file_range. The VFS actor
/// does the work; a call that must wait for a pipe is parked there like a pipe read.
/// </summary>
public static partial class Splice
{
    [Syscall(71, "sendfile", Support.Full, "Regular files, /dev/zero and other devices to files, pipes and devices; a full pipe parks the call.")]
    public static SyscallResult SendFile(ISyscallContext c) =>
        SyscallResult.Send(new SendFile(c.Task, c.Int(0), c.Int(1), c.Arg(2), c.Arg(3)));

    [Syscall(76, "splice", Support.Full, "File to pipe, pipe to file or device, pipe to pipe; offsets, SPLICE_F_NONBLOCK; a call that must wait is parked. Data is copied, not moved (SPLICE_F_MOVE and SPLICE_F_GIFT are hints).")]
    public static SyscallResult SpliceData(ISyscallContext c) =>
        SyscallResult.Send(new SpliceData(c.Task, c.Int(0), c.Arg(1), c.Int(2), c.Arg(3), c.Arg(4), c.UInt(5)));

    [Syscall(77, "tee", Support.Full, "Copies pipe slots (keeping packet boundaries) without consuming them; a call that must wait is parked.")]
    public static SyscallResult Tee(ISyscallContext c) =>
        SyscallResult.Send(new TeePipe(c.Task, c.Int(0), c.Int(1), c.Arg(2), c.UInt(3)));

    [Syscall(75, "vmsplice", Support.Full, "Copies guest memory into a pipe's slots (or out of a read end); SPLICE_F_GIFT is a hint, O_NONBLOCK is ignored as in Linux.")]
    public static SyscallResult VmSplice(ISyscallContext c) =>
        SyscallResult.Send(new VmSplice(c.Task, c.Int(0), c.Arg(1), c.Arg(2), c.UInt(3)));

    [Syscall(285, "copy_file_range", Support.Full, "Regular files of one filesystem (EXDEV across filesystems, as Linux since 5.19); copies the bytes.")]
    public static SyscallResult CopyFileRange(ISyscallContext c) =>
        SyscallResult.Send(new CopyFileRange(c.Task, c.Int(0), c.Arg(1), c.Int(2), c.Arg(3), c.Arg(4), c.UInt(5)));
}
