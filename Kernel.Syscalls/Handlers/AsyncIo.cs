using System.Buffers.Binary;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>
/// Linux AIO (fs/aio.c): a context per address space whose completion ring is mapped at the context id, iocbs
/// run in the VFS actor, waits parked there. The arguments that need no kernel state are checked here.
/// </summary>
public static partial class AsyncIo
{
    private const int AioKeyOffset = 8; // struct iocb: aio_data (8), then aio_key (u32, little endian)

    [Syscall(0, "io_setup", Support.Full, "The ring is mapped at the context id as Linux maps it ([aio] pages, aio_ring header), sized as for one CPU.")]
    public static SyscallResult IoSetup(ISyscallContext c)
    {
        var nr = c.UInt(0);
        var ctxp = c.Arg(1);
        Span<byte> old = stackalloc byte[8];
        if (c.Memory.Read(ctxp, old) != Errno.None) return Errno.EFAULT;
        if (BinaryPrimitives.ReadUInt64LittleEndian(old) != 0 || nr == 0) return Errno.EINVAL;
        // The id is written after the context exists: check now that it can be, rather than undo it then.
        if (c.Memory.AccessibleLength(ctxp, 8, write: true) < 8) return Errno.EFAULT;
        return SyscallResult.Send(new SetUpAioContext(c.Task, nr), reply => reply switch
        {
            Done d => c.CopyOut(ctxp, BitConverter.GetBytes(d.Value)),
            Failed f => f.Errno,
            _ => Errno.EIO,
        });
    }

    [Syscall(1, "io_destroy", Support.Full, "Cancels what is in flight (polls, waits), waits for the rest, then unmaps the ring.")]
    public static SyscallResult IoDestroy(ISyscallContext c)
    {
        var ctx = c.Arg(0);
        // The VFS actor retires the context and replies the ring's length; unmapping it is the MM actor's job.
        return SyscallResult.Send(new DestroyAioContext(c.Task, ctx), reply => reply switch
        {
            Done d => SyscallResult.Send(new UnmapMemory(c.Task, ctx, (ulong)d.Value), _ => 0),
            Failed f => f.Errno,
            _ => Errno.EIO,
        });
    }

    [Syscall(2, "io_submit", Support.Partial, "PREAD, PWRITE, PREADV, PWRITEV, FSYNC, FDSYNC and POLL, IOCB_FLAG_RESFD (eventfd) and RWF_APPEND as Linux runs them (buffered I/O completes inside io_submit); a read or write of a blocking pipe that must wait completes later instead of blocking io_submit.")]
    public static SyscallResult IoSubmit(ISyscallContext c) =>
        c.Long(1) < 0 ? Errno.EINVAL : SyscallResult.Send(new SubmitAio(c.Task, c.Arg(0), c.Long(1), c.Arg(2)));

    [Syscall(3, "io_cancel", Support.Full, "Cancels pending polls (and pipe reads or writes that wait); the event goes to the ring and the call returns EINPROGRESS, as Linux does.")]
    public static SyscallResult IoCancel(ISyscallContext c)
    {
        var iocb = c.Arg(1);
        Span<byte> key = stackalloc byte[4];
        if (c.Memory.Read(iocb + AioKeyOffset, key) != Errno.None) return Errno.EFAULT;
        if (BinaryPrimitives.ReadUInt32LittleEndian(key) != 0) return Errno.EINVAL; // KIOCB_KEY
        return SyscallResult.Send(new CancelAio(c.Task, c.Arg(0), iocb));
    }

    [Syscall(4, "io_getevents", Support.Full, "min_nr/nr and timeouts parked in the VFS actor; a handled signal ends the wait with the events read so far, or EINTR.")]
    public static SyscallResult IoGetEvents(ISyscallContext c)
    {
        var e = ReadTimeout(c, c.Arg(4), out var timeout);
        return e != Errno.None ? e : SyscallResult.Send(new GetAioEvents(c.Task, c.Arg(0), c.Long(1), c.Long(2), c.Arg(3), timeout));
    }

    [Syscall(292, "io_pgetevents", Support.Full, "As io_getevents, with the signal mask applied while it waits.")]
    public static SyscallResult IoPGetEvents(ISyscallContext c)
    {
        var e = ReadTimeout(c, c.Arg(4), out var timeout);
        if (e != Errno.None) return e;
        var usig = c.Arg(5);
        if (usig != 0)
        {
            Span<byte> sig = stackalloc byte[16]; // struct __aio_sigset { const sigset_t *sigmask; size_t sigsetsize; }
            if (c.Memory.Read(usig, sig) != Errno.None) return Errno.EFAULT;
            e = Events.ApplySigmask(c, BinaryPrimitives.ReadUInt64LittleEndian(sig), BinaryPrimitives.ReadUInt64LittleEndian(sig[8..]));
            if (e != Errno.None) return e;
        }
        return SyscallResult.Send(new GetAioEvents(c.Task, c.Arg(0), c.Long(1), c.Long(2), c.Arg(3), timeout));
    }

    /// <summary>
    /// A struct timespec timeout as fs/aio.c converts it: unchecked for range; zero means "only what is there",
    /// and a negative one never expires (Linux then waits indefinitely). Null: no timeout.
    /// </summary>
    private static Errno ReadTimeout(ISyscallContext c, ulong address, out TimeSpan? timeout)
    {
        timeout = null;
        if (address == 0) return Errno.None;
        Span<byte> ts = stackalloc byte[16];
        if (c.Memory.Read(address, ts) != Errno.None) return Errno.EFAULT;
        var ns = (Int128)BinaryPrimitives.ReadInt64LittleEndian(ts) * 1_000_000_000 + BinaryPrimitives.ReadInt64LittleEndian(ts[8..]);
        if (ns >= 0) timeout = TimeSpan.FromTicks((long)Int128.Min(ns / 100, TimeSpan.MaxValue.Ticks));
        return Errno.None;
    }

    /// <summary>set_user_sigmask's checks: no mask is fine; a mask must be a readable 8-byte sigset_t.</summary>
    public static Errno CheckSigmask(IGuestMemory mem, ulong mask, ulong size)
    {
        if (mask == 0) return Errno.None;
        if (size != 8) return Errno.EINVAL;
        Span<byte> set = stackalloc byte[8];
        return mem.Read(mask, set) != Errno.None ? Errno.EFAULT : Errno.None;
    }
}
