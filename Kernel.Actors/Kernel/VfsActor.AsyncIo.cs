using Akka.Actor;
using Kernel.Actors.AsyncIo;
using Kernel.Actors.Tasks;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>Work that a ring or an AIO context posts to the VFS actor from a readiness callback or a timer.</summary>
internal sealed record AsyncIoWork(IKernelTask Task, Action Work) : AsyncIoRequest(Task);

// Linux AIO and io_uring: their state runs on this actor (see AsyncIo/), waits park here.
public sealed partial class VfsActor
{
    /// <summary>IORING_REGISTER_LAST of Linux 6.18: opcodes at or past it are unknown.</summary>
    private const uint RegisterLast = 36;
    private const uint RegisterUseRegisteredRing = 1u << 31;
    private const int RegisteredRingsMax = 16; // IO_RINGFD_REG_MAX

    private sealed class AsyncIoHost(IActorRef self, IScheduler scheduler, IKernelTask task) : IAsyncIoHost
    {
        public void Post(Action work) => self.Tell(new AsyncIoWork(task, work));

        public ICancelable Schedule(TimeSpan delay, Action work) =>
            scheduler.ScheduleTellOnceCancelable(delay, self, new AsyncIoWork(task, work), ActorRefs.NoSender);
    }

    private IAsyncIoHost HostFor(IKernelTask task) => new AsyncIoHost(Self, Scheduler, task);

    private KernelReply? HandleAsyncIo(AsyncIoRequest request, IActorRef sender)
    {
        switch (request)
        {
            case AsyncIoWork w:
                w.Work();
                return null;
            case SetUpIoUring r:
                return SetUpIoUring(r);
            case EnterIoUring r:
                return EnterIoUring(r, sender);
            case RegisterIoUring r:
                return RegisterIoUring(r);
            case SubmitAio r:
                return SubmitAio(r);
            case GetAioEvents r:
            {
                if (FindAio(r.Task, r.Context) is not { } ctx) return new Failed(Errno.EINVAL);
                if (r.MinNr < 0 || r.MinNr > r.Nr) return new Failed(Errno.EINVAL);
                return ctx.GetEvents(sender, P(r.Task).Mm, r.MinNr, r.Nr, r.Events, r.Timeout, r);
            }
            case CancelAio r:
            {
                if (FindAio(r.Task, r.Context) is not { } ctx) return new Failed(Errno.EINVAL);
                // A cancelled request's event goes to the ring; the call says "in progress".
                return ctx.Cancel(r.Iocb) == 0 ? new Failed(Errno.EINPROGRESS) : new Failed(Errno.EINVAL);
            }
            case DestroyAioContext r:
            {
                if (AioTable.Find(P(r.Task).Mm) is not { } table) return new Failed(Errno.EINVAL);
                var e = table.Destroy(r.Context, out var length);
                return e < 0 ? Result(e) : new Done((long)length);
            }
            default:
                return new Failed(Errno.ENOSYS);
        }
    }

    private AioContext? FindAio(IKernelTask task, ulong id)
    {
        var ctx = AioTable.Find(P(task).Mm)?.Get(id);
        if (ctx is not null) ctx.Host ??= HostFor(task);
        return ctx;
    }

    /// <summary>io_submit: the iocbs in turn until one fails; how many were accepted, or the first one's errno.</summary>
    private KernelReply SubmitAio(SubmitAio r)
    {
        if (FindAio(r.Task, r.Context) is not { } ctx) return new Failed(Errno.EINVAL);
        var process = P(r.Task);
        var nr = Math.Min(r.Nr, ctx.Nr);
        long i = 0, result = 0;
        Span<byte> pointer = stackalloc byte[8];
        for (; i < nr; i++)
        {
            if (process.Mm.Read(r.List + 8 * (ulong)i, pointer) != Errno.None)
            {
                result = -(long)Errno.EFAULT;
                break;
            }
            result = ctx.Submit(process, BitConverter.ToUInt64(pointer));
            if (result != 0) break;
        }
        return Result(i > 0 ? i : result);
    }

    private KernelReply SetUpIoUring(SetUpIoUring r)
    {
        var p = (byte[])r.Params.Clone();
        var e = IoUringContext.Create(HostFor(r.Task), r.Entries, p, out var ring);
        if (e < 0) return Result(e);
        var process = P(r.Task);
        if (process.Mm.Write(r.ParamsAddress, p) != Errno.None)
        {
            ring!.Close();
            return new Failed(Errno.EFAULT);
        }
        var file = new IoUringFile(ring!);
        var fd = process.Files.Install(file, closeOnExec: true);
        if (fd < 0) file.DropReference();
        return Result(fd);
    }

    private KernelReply? EnterIoUring(EnterIoUring r, IActorRef sender)
    {
        if ((r.Flags & IoUring.EnterRegisteredRing) != 0)
        {
            // No ring is ever registered (IORING_REGISTER_RING_FDS is not supported): every index is empty.
            return new Failed((uint)r.Fd >= RegisteredRingsMax ? Errno.EINVAL : Errno.EBADF);
        }
        var file = P(r.Task).Files.GetFile(r.Fd);
        if (file is null) return new Failed(Errno.EBADF);
        if (file is not IoUringFile uring) return new Failed(Errno.EOPNOTSUPP);
        var ring = uring.Ring;
        long submitted = 0;
        if (r.ToSubmit > 0)
        {
            submitted = ring.Submit(P(r.Task), r.ToSubmit);
            if (submitted != r.ToSubmit) return Result(submitted);
        }
        if ((r.Flags & IoUring.EnterGetEvents) == 0) return new Done(submitted);
        var e = ReadWaitArgument(r, out var timeout);
        if (e != Errno.None) return submitted > 0 ? new Done(submitted) : new Failed(e);
        var result = ring.Wait(sender, file, r.MinComplete, submitted, timeout);
        return result is { } v ? Result(v) : null;
    }

    /// <summary>
    /// io_uring_enter's argument when it waits: a signal mask, or with IORING_ENTER_EXT_ARG a struct
    /// io_uring_getevents_arg (sigmask, sigmask_sz, min_wait_usec, ts). Signals do not interrupt waits here yet,
    /// so the mask is only checked.
    /// </summary>
    private static Errno ReadWaitArgument(EnterIoUring r, out TimeSpan? timeout)
    {
        timeout = null;
        var mem = P(r.Task).Mm;
        if ((r.Flags & IoUring.EnterExtArgReg) != 0) return Errno.EINVAL;
        if ((r.Flags & IoUring.EnterExtArg) == 0) return Kernel.Syscalls.Handlers.AsyncIo.CheckSigmask(mem, r.Arg, r.ArgSize);
        if (r.ArgSize != 24) return Errno.EINVAL;
        Span<byte> arg = stackalloc byte[24];
        if (mem.Read(r.Arg, arg) != Errno.None) return Errno.EFAULT;
        var tsAddress = BitConverter.ToUInt64(arg[16..]);
        if (tsAddress != 0)
        {
            Span<byte> ts = stackalloc byte[16];
            if (mem.Read(tsAddress, ts) != Errno.None) return Errno.EFAULT;
            var ns = (Int128)BitConverter.ToInt64(ts) * 1_000_000_000 + BitConverter.ToInt64(ts[8..]);
            if ((r.Flags & IoUring.EnterAbsTimer) != 0) ns -= Time.Now(Time.ClockMonotonic)!.Value;
            timeout = TimeSpan.FromTicks((long)Int128.Clamp(ns / 100, 0, TimeSpan.MaxValue.Ticks / 2));
        }
        return Kernel.Syscalls.Handlers.AsyncIo.CheckSigmask(mem, BitConverter.ToUInt64(arg), BitConverter.ToUInt32(arg[8..]));
    }

    private KernelReply RegisterIoUring(RegisterIoUring r)
    {
        var opcode = r.Opcode & ~RegisterUseRegisteredRing;
        if (opcode >= RegisterLast) return new Failed(Errno.EINVAL);
        if ((r.Opcode & RegisterUseRegisteredRing) != 0) return new Failed((uint)r.Fd >= RegisteredRingsMax ? Errno.EINVAL : Errno.EBADF);
        if (r.Fd == -1) return new Failed(Errno.EINVAL); // the "blind" opcodes (IORING_REGISTER_SEND_MSG_RING) are not supported
        var file = P(r.Task).Files.GetFile(r.Fd);
        if (file is null) return new Failed(Errno.EBADF);
        if (file is not IoUringFile uring) return new Failed(Errno.EOPNOTSUPP);
        return Result(uring.Ring.Register(P(r.Task), opcode, r.Arg, r.NrArgs));
    }
}
