using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// io_uring: the SQ/CQ rings and SQEs are kernel-owned pages the guest maps through the ring's descriptor; the
/// VFS actor consumes SQEs, runs them (parking what must wait) and posts CQEs.
/// </summary>
public static partial class IoUring
{
    public const int ParamsSize = 120; // struct io_uring_params

    /// <summary>IORING_ENTER_* flags Linux 6.18 knows.</summary>
    public const uint EnterGetEvents = 1, EnterSqWakeup = 2, EnterSqWait = 4, EnterExtArg = 8, EnterRegisteredRing = 16,
        EnterAbsTimer = 32, EnterExtArgReg = 64, EnterNoIoWait = 128;
    private const uint EnterFlags = EnterGetEvents | EnterSqWakeup | EnterSqWait | EnterExtArg | EnterRegisteredRing | EnterAbsTimer | EnterExtArgReg | EnterNoIoWait;

    [Syscall(425, "io_uring_setup", Support.Partial, "Rings in shared pages mapped through the fd (IORING_FEAT_SINGLE_MMAP, NODROP, SUBMIT_STABLE, RW_CUR_POS, CUR_PERSONALITY, FAST_POLL, POLL_32BITS, EXT_ARG); IORING_SETUP_CQSIZE, CLAMP, SUBMIT_ALL, NO_SQARRAY, SINGLE_ISSUER, COOP_TASKRUN, TASKRUN_FLAG, DEFER_TASKRUN; SQPOLL, IOPOLL, SQE128, CQE32, NO_MMAP, R_DISABLED, ATTACH_WQ and the mixed-size rings give EINVAL.")]
    public static SyscallResult Setup(ISyscallContext c)
    {
        var address = c.Arg(1);
        var p = new byte[ParamsSize];
        if (c.Memory.Read(address, p) != Errno.None) return Errno.EFAULT;
        for (var i = 24; i < 40; i++) // resv[4]
        {
            if (p[i] != 0) return Errno.EINVAL;
        }
        return SyscallResult.Send(new SetUpIoUring(c.Task, c.UInt(0), p, address));
    }

    [Syscall(426, "io_uring_enter", Support.Partial, "Submission and GETEVENTS (min_complete parked in the VFS actor, EXT_ARG timeouts); opcodes NOP, READ, WRITE, READV, WRITEV, READ_FIXED, WRITE_FIXED, FSYNC, POLL_ADD (one-shot), POLL_REMOVE, TIMEOUT, TIMEOUT_REMOVE, ASYNC_CANCEL with IOSQE_IO_LINK/HARDLINK/DRAIN/FIXED_FILE/CQE_SKIP_SUCCESS; other opcodes fail with EINVAL as on a kernel without them; signals do not interrupt a wait yet; registered rings (IORING_ENTER_REGISTERED_RING) are not supported.")]
    public static SyscallResult Enter(ISyscallContext c)
    {
        var flags = c.UInt(3);
        if ((flags & ~EnterFlags) != 0) return Errno.EINVAL;
        return SyscallResult.Send(new EnterIoUring(c.Task, c.Int(0), c.UInt(1), c.UInt(2), flags, c.Arg(4), c.Arg(5)));
    }

    [Syscall(427, "io_uring_register", Support.Partial, "BUFFERS, FILES (and their UNREGISTER), FILES_UPDATE, PROBE, EVENTFD (one signal per batch of CQEs, IORING_CQ_EVENTFD_DISABLED) and UNREGISTER_EVENTFD; EVENTFD_ASYNC signals only completions that did not happen inside io_uring_enter; registered buffers are checked at registration but not pinned (unmapping one later gives EFAULT); personalities, restrictions, registered rings and the other opcodes give EINVAL.")]
    public static SyscallResult Register(ISyscallContext c) =>
        SyscallResult.Send(new RegisterIoUring(c.Task, c.Int(0), c.UInt(1), c.Arg(2), c.UInt(3)));
}
