using System.Buffers.Binary;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

// System V message queues, semaphores and shared memory: served by the Ipc actor (shmat and shmdt by the MM actor),
// which reads and writes the caller's buffers itself, after the namespace's limits are checked as Linux checks them.
public static partial class SysvIpc
{
    [Syscall(186, "msgget", Support.Full, "Keys, IPC_PRIVATE, IPC_CREAT and IPC_EXCL, permissions, msgmni; per IPC namespace.")]
    public static SyscallResult MsgGet(ISyscallContext c) => SyscallResult.Send(new MsgGet(c.Task, c.Int(0), c.Int(1)));

    [Syscall(187, "msgctl", Support.Full, "IPC_STAT, IPC_SET, IPC_RMID, IPC_INFO, MSG_INFO, MSG_STAT, MSG_STAT_ANY.")]
    public static SyscallResult MsgCtl(ISyscallContext c) => SyscallResult.Send(new MsgControl(c.Task, c.Int(0), c.Int(1), c.Arg(2)));

    [Syscall(188, "msgrcv", Support.Full, "msgtyp 0, >0, <0, MSG_EXCEPT, MSG_NOERROR, MSG_COPY, IPC_NOWAIT; a wait is parked in the Ipc actor (EINTR on a handled signal, EIDRM on removal).")]
    public static SyscallResult MsgRcv(ISyscallContext c)
    {
        var buffer = c.Arg(1);
        return SyscallResult.Send(new MsgReceive(c.Task, c.Int(0), c.Arg(2), (long)c.Arg(3), c.Int(4)), reply =>
        {
            if (reply is not MsgReceived m) return reply is Failed f ? f.Errno : Errno.EIO;
            // do_msg_fill: the type, then the text; a fault loses the message, as on Linux.
            Span<byte> type = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(type, m.Type);
            if (c.Memory.Write(buffer, type) != Errno.None || c.Memory.Write(buffer + 8, m.Text) != Errno.None) return Errno.EFAULT;
            return m.Text.Length;
        });
    }

    [Syscall(189, "msgsnd", Support.Full, "msgmax and msgmnb limits, IPC_NOWAIT; a wait for room is parked in the Ipc actor.")]
    public static SyscallResult MsgSnd(ISyscallContext c) => SyscallResult.Send(new MsgSend(c.Task, c.Int(0), c.Arg(1), c.Arg(2), c.Int(3)));

    [Syscall(190, "semget", Support.Full, "Keys, IPC_PRIVATE, IPC_CREAT and IPC_EXCL, permissions, the kernel.sem limits; per IPC namespace.")]
    public static SyscallResult SemGet(ISyscallContext c) => SyscallResult.Send(new SemGet(c.Task, c.Int(0), c.Int(1), c.Int(2)));

    [Syscall(191, "semctl", Support.Full, "GETVAL, SETVAL, GETALL, SETALL, GETPID, GETNCNT, GETZCNT, IPC_STAT, IPC_SET, IPC_RMID, IPC_INFO, SEM_INFO, SEM_STAT, SEM_STAT_ANY.")]
    public static SyscallResult SemCtl(ISyscallContext c) => SyscallResult.Send(new SemControl(c.Task, c.Int(0), c.Int(1), c.Int(2), c.Arg(3)));

    [Syscall(192, "semtimedop", Support.Full, "Atomic across the set, SEM_UNDO (applied at exit, shared by CLONE_SYSVSEM), IPC_NOWAIT, timeouts; waits are parked in the Ipc actor.")]
    public static SyscallResult SemTimedOp(ISyscallContext c)
    {
        TimeSpan? timeout = null;
        if (c.Arg(3) != 0)
        {
            var e = Time.ReadTimespec(c, c.Arg(3), out var sec, out var nsec);
            if (e == Errno.EFAULT) return e;
            // An invalid timespec is EINVAL after the operations are checked and copied: the actor says so.
            timeout = e == Errno.EINVAL ? TimeSpan.FromTicks(-1) : Events.ToTimeout(sec > (long.MaxValue - nsec) / 1_000_000_000 ? long.MaxValue : sec * 1_000_000_000 + nsec) ?? null;
        }
        return SyscallResult.Send(new SemOp(c.Task, c.Int(0), c.Arg(1), c.Arg(2), timeout));
    }

    [Syscall(193, "semop", Support.Full, "As semtimedop without a timeout.")]
    public static SyscallResult SemOp(ISyscallContext c) => SyscallResult.Send(new SemOp(c.Task, c.Int(0), c.Arg(1), c.Arg(2), null));

    [Syscall(194, "shmget", Support.Full, "Keys, IPC_PRIVATE, IPC_CREAT and IPC_EXCL, permissions, shmmax/shmall/shmmni; SHM_HUGETLB is backed by ordinary pages.")]
    public static SyscallResult ShmGet(ISyscallContext c) => SyscallResult.Send(new ShmGet(c.Task, c.Int(0), c.Arg(1), c.Int(2)));

    [Syscall(195, "shmctl", Support.Partial, "IPC_STAT, IPC_SET, IPC_RMID (destroyed at the last detach, shmdt, exit or exec, each setting shm_lpid and shm_dtime), SHM_LOCK, SHM_UNLOCK, IPC_INFO, SHM_INFO, SHM_STAT, SHM_STAT_ANY. Missing: shm_rss counts a segment whole once attached, and SHM_LOCK does not charge RLIMIT_MEMLOCK.")]
    public static SyscallResult ShmCtl(ISyscallContext c) => SyscallResult.Send(new ShmControl(c.Task, c.Int(0), c.Int(1), c.Arg(2)));

    [Syscall(196, "shmat", Support.Full, "SHM_RDONLY, SHM_RND, SHM_REMAP, SHM_EXEC; pages shared across processes (fork keeps attaches, exit and exec drop them).")]
    public static SyscallResult ShmAt(ISyscallContext c) => SyscallResult.Send(new ShmAttach(c.Task, c.Int(0), c.Arg(1), c.Int(2)));

    [Syscall(197, "shmdt", Support.Full, "Unmaps every piece of the attach at the address.")]
    public static SyscallResult ShmDt(ISyscallContext c) => SyscallResult.Send(new ShmDetach(c.Task, c.Arg(0)));
}
