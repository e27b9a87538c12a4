using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;

namespace Kernel.Actors.AsyncIo;

// The operations: Prepare is io_init_req plus each opcode's prep (a failure ends the submission), Issue runs
// the operation (its failures are CQEs).
public sealed partial class IoUringContext
{
    /// <summary>The SQE's checks; a positive errno refuses it.</summary>
    private int Prepare(UringOp op)
    {
        if (!IsSupported(op.Opcode)) return (int)Errno.EINVAL;
        var flags = op.SqeFlags;
        if ((flags & ~SqeCommon) != 0)
        {
            if ((flags & ~SqeValid) != 0) return (int)Errno.EINVAL;
            if ((flags & SqeBufferSelect) != 0 && op.Opcode is not (OpRead or OpReadv)) return (int)Errno.EOPNOTSUPP;
            if ((flags & SqeCqeSkipSuccess) != 0) _drainDisabled = true;
            if ((flags & SqeIoDrain) != 0 && _drainDisabled) return (int)Errno.EOPNOTSUPP;
        }
        if (op.Ioprio != 0 && !IsReadWrite(op.Opcode)) return (int)Errno.EINVAL;
        if (op.Personality != 0) return (int)Errno.EINVAL; // no personalities are registered
        switch (op.Opcode)
        {
            case OpNop:
                return (op.OpFlags & ~NopInjectResult) != 0 ? (int)Errno.EINVAL : 0;
            case OpRead or OpWrite or OpReadv or OpWritev or OpReadFixed or OpWriteFixed:
                if (op.Ioprio != 0 && !ValidIoprio(op.Ioprio)) return (int)Errno.EINVAL;
                return op.Addr3 != 0 ? (int)Errno.EINVAL : 0; // attr_type_mask: no attributes are known
            case OpFsync:
                if (op.Addr != 0 || op.BufIndex != 0 || op.SpliceFdIn != 0) return (int)Errno.EINVAL;
                return (op.OpFlags & ~FsyncDatasync) != 0 ? (int)Errno.EINVAL : 0;
            case OpPollAdd:
                if (op.BufIndex != 0 || op.Off != 0 || op.Addr != 0) return (int)Errno.EINVAL;
                if ((op.Len & ~PollAddMulti) != 0) return (int)Errno.EINVAL;
                // Multishot polls are not implemented: refused as by a kernel without them.
                if ((op.Len & PollAddMulti) != 0) return (int)Errno.EINVAL;
                op.PollEvents = (int)(op.OpFlags & 0xffff) | PollUnmask;
                return 0;
            case OpPollRemove:
                if (op.BufIndex != 0 || op.SpliceFdIn != 0) return (int)Errno.EINVAL;
                if ((op.Len & ~(PollUpdateEvents | PollUpdateUserData | PollAddMulti)) != 0 || op.Len == PollAddMulti) return (int)Errno.EINVAL;
                return op.Len != 0 ? (int)Errno.EINVAL : 0; // updates are not implemented
            case OpTimeout:
                return PrepareTimeout(op);
            case OpTimeoutRemove:
                if ((op.SqeFlags & (SqeFixedFile | SqeBufferSelect)) != 0) return (int)Errno.EINVAL;
                if (op.BufIndex != 0 || op.Len != 0 || op.SpliceFdIn != 0) return (int)Errno.EINVAL;
                return op.OpFlags != 0 ? (int)Errno.EINVAL : 0; // IORING_TIMEOUT_UPDATE is not implemented
            case OpAsyncCancel:
                if ((op.SqeFlags & SqeBufferSelect) != 0 || op.Off != 0 || op.SpliceFdIn != 0) return (int)Errno.EINVAL;
                if ((op.OpFlags & ~(CancelAll | CancelFd | CancelAny | CancelFdFixed | CancelUserData | CancelOp)) != 0) return (int)Errno.EINVAL;
                if ((op.OpFlags & CancelAny) != 0 && (op.OpFlags & (CancelFd | CancelOp)) != 0) return (int)Errno.EINVAL;
                return 0;
            default:
                return (int)Errno.EINVAL;
        }
    }

    /// <summary>ioprio_check_cap: a known class, and a level only where the class has levels.</summary>
    private static bool ValidIoprio(ushort ioprio)
    {
        int cls = ioprio >> 13, level = ioprio & 7;
        return cls switch
        {
            0 => level == 0,
            1 or 2 => true,
            3 => true,
            _ => false,
        };
    }

    private int PrepareTimeout(UringOp op)
    {
        if (op.BufIndex != 0 || op.Len != 1 || op.SpliceFdIn != 0) return (int)Errno.EINVAL;
        var flags = op.OpFlags;
        if ((flags & ~(TimeoutAbs | TimeoutBoottime | TimeoutRealtime | TimeoutEtimeSuccess | TimeoutMultishot)) != 0) return (int)Errno.EINVAL;
        if ((flags & TimeoutBoottime) != 0 && (flags & TimeoutRealtime) != 0) return (int)Errno.EINVAL;
        if ((flags & TimeoutMultishot) != 0) return (int)Errno.EINVAL; // multishot timeouts are not implemented
        Span<byte> ts = stackalloc byte[16];
        if (op.Process.Mm.Read(op.Addr, ts) != Errno.None) return (int)Errno.EFAULT;
        var sec = BitConverter.ToInt64(ts);
        var nsec = BitConverter.ToInt64(ts[8..]);
        if (sec < 0 || nsec < 0) return (int)Errno.EINVAL;
        if ((flags & TimeoutAbs) != 0)
        {
            var clock = (flags & TimeoutBoottime) != 0 ? Time.ClockBoottime : (flags & TimeoutRealtime) != 0 ? Time.ClockRealtime : Time.ClockMonotonic;
            var delta = (Int128)sec * 1_000_000_000 + nsec - Time.Now(clock)!.Value;
            op.Delay = delta <= 0 ? TimeSpan.Zero : TimeSpan.FromTicks((long)Int128.Min(delta / 100, TimeSpan.MaxValue.Ticks / 2));
        }
        else
        {
            op.Delay = TimeSpan.FromTicks((long)Int128.Min(((Int128)sec * 1_000_000_000 + nsec) / 100, TimeSpan.MaxValue.Ticks / 2));
        }
        return 0;
    }

    private void Issue(UringOp op)
    {
        switch (op.Opcode)
        {
            case OpNop:
                Finish(op, (op.OpFlags & NopInjectResult) != 0 ? (int)op.Len : 0);
                break;
            case OpRead or OpWrite or OpReadv or OpWritev or OpReadFixed or OpWriteFixed:
                IssueReadWrite(op);
                break;
            case OpFsync:
                if (TakeFile(op) is { } e) Finish(op, e);
                // Every file with a fsync operation here (regular files, directories) keeps its data in memory or on
                // the host already; files without one (pipes, devices, terminals) say EINVAL as in Linux.
                else Finish(op, op.File!.Location?.Inode is { } node && (node.IsRegular || node.IsDirectory) ? 0 : -(long)Errno.EINVAL);
                break;
            case OpPollAdd:
                if (TakeFile(op) is { } pe) Finish(op, pe);
                else TryPoll(op);
                break;
            case OpPollRemove:
                Finish(op, CancelWhere(o => o.Opcode == OpPollAdd && o.UserData == op.Addr, all: false));
                break;
            case OpTimeout:
                if (op.Off != 0) op.Target = _sequence + (long)op.Off;
                op.Timer = _host.Schedule(op.Delay, () => Run(() =>
                    Finish(op, -(long)Errno.ETIME, countsInSequence: false, failed: (op.OpFlags & TimeoutEtimeSuccess) == 0)));
                break;
            case OpTimeoutRemove:
                Finish(op, CancelWhere(o => o.Opcode == OpTimeout && o.UserData == op.Addr, all: false));
                break;
            case OpAsyncCancel:
                Finish(op, AsyncCancel(op));
                break;
        }
    }

    /// <summary>Takes a reference on the operation's file (a registered one with IOSQE_FIXED_FILE); an errno when there is none.</summary>
    private long? TakeFile(UringOp op)
    {
        OpenFile? file;
        if ((op.SqeFlags & SqeFixedFile) != 0)
        {
            var files = _files;
            file = files is not null && (uint)op.Fd < (uint)files.Length ? files[op.Fd] : null;
        }
        else
        {
            file = op.Process.Files.GetFile(op.Fd);
        }
        if (file is null) return -(long)Errno.EBADF;
        file.AddReference();
        op.File = file;
        return null;
    }

    private void IssueReadWrite(UringOp op)
    {
        if (TakeFile(op) is { } e)
        {
            Finish(op, e);
            return;
        }
        var file = op.File!;
        if (op.Write ? !file.CanWrite : !file.CanRead)
        {
            Finish(op, -(long)Errno.EBADF);
            return;
        }
        if ((op.OpFlags & ~RwfSupported) != 0)
        {
            Finish(op, -(long)Errno.EOPNOTSUPP);
            return;
        }
        if ((op.SqeFlags & SqeBufferSelect) != 0)
        {
            Finish(op, -(long)Errno.ENOBUFS); // no buffer groups can be provided here
            return;
        }
        if ((long)op.Off < -1)
        {
            Finish(op, -(long)Errno.EINVAL);
            return;
        }
        switch (op.Opcode)
        {
            case OpReadv or OpWritev:
            {
                var r = GuestIo.ReadIovecs(op.Process.Mm, op.Addr, op.Len, out var vecs);
                if (r < 0)
                {
                    Finish(op, r);
                    return;
                }
                op.Vecs = vecs;
                break;
            }
            case OpReadFixed or OpWriteFixed:
            {
                var buffers = _buffers;
                if (buffers is null || op.BufIndex >= buffers.Length)
                {
                    Finish(op, -(long)Errno.EFAULT);
                    return;
                }
                var (b, l) = buffers[op.BufIndex];
                var end = op.Addr + op.Len;
                if (end < op.Addr || op.Addr < b || end > b + l)
                {
                    Finish(op, -(long)Errno.EFAULT);
                    return;
                }
                op.Vecs = [(op.Addr, op.Len)];
                break;
            }
            default:
                op.Vecs = [(op.Addr, op.Len)];
                break;
        }
        op.Expected = GuestIo.TotalLength(op.Vecs);
        TryReadWrite(op);
    }

    /// <summary>
    /// The transfer, as far as it goes now. A pollable file that is not ready is waited for (IORING_FEAT_FAST_POLL)
    /// unless RWF_NOWAIT; a write to one continues until all of it is written.
    /// </summary>
    private void TryReadWrite(UringOp op)
    {
        var file = op.File!;
        while (true)
        {
            var offset = (long)op.Off == -1 ? -1 : (long)op.Off + op.Progress;
            if (op.Write && (op.OpFlags & RwfAppend) != 0) offset = GuestIo.AppendOffset(file, offset);
            var r = GuestIo.Vectored(file, op.Process.Mm, op.Vecs, offset, op.Write, op.Progress);
            var nowait = (op.OpFlags & RwfNowait) != 0;
            if (r == -(long)Errno.EAGAIN && !nowait)
            {
                if (op.Watch is null && Arm(op)) continue; // look again now that a change cannot be missed
                if (op.Watch is not null) return;
            }
            if (r < 0)
            {
                Finish(op, op.Progress > 0 ? op.Progress : r);
                return;
            }
            op.Progress += r;
            if (op.Write && r > 0 && (ulong)op.Progress < op.Expected && !nowait && Arm(op)) continue;
            Finish(op, op.Progress);
            return;
        }
    }

    /// <summary>The poll: done when the file shows one of the events, else waits for a change (one-shot).</summary>
    private void TryPoll(UringOp op)
    {
        while (true)
        {
            var mask = op.File!.PollEvents() & op.PollEvents;
            if (mask != 0)
            {
                Finish(op, mask);
                return;
            }
            // A file that never changes keeps the poll pending until it is removed or cancelled.
            if (op.Watch is not null || !Arm(op)) return;
        }
    }

    /// <summary>Cancels in-flight operations that match: 0 (or how many with <paramref name="all"/>), or ENOENT.</summary>
    private long CancelWhere(Func<UringOp, bool> match, bool all)
    {
        var n = 0;
        foreach (var o in _inflight.ToArray())
        {
            if (o.Done || !match(o)) continue;
            Finish(o, -(long)Errno.ECANCELED);
            n++;
            if (!all) break;
        }
        return n == 0 ? -(long)Errno.ENOENT : all ? n : 0;
    }

    /// <summary>IORING_OP_ASYNC_CANCEL: by user_data (default), by file, by opcode, or any; one or all.</summary>
    private long AsyncCancel(UringOp op)
    {
        var flags = op.OpFlags;
        var any = (flags & CancelAny) != 0;
        var byFd = (flags & CancelFd) != 0;
        var byOp = (flags & CancelOp) != 0;
        var byData = (flags & CancelUserData) != 0 || (!byFd && !byOp && !any);
        var fixedFd = (flags & CancelFdFixed) != 0;
        return CancelWhere(o => o != op && (any || (
            (!byFd || (o.Fd == op.Fd && ((o.SqeFlags & SqeFixedFile) != 0) == fixedFd)) &&
            (!byOp || o.Opcode == op.Len) &&
            (!byData || o.UserData == op.Addr))), all: any || (flags & CancelAll) != 0);
    }
}
