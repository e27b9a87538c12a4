using System.Buffers.Binary;
using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors;

// fcntl's record locks (POSIX and OFD), F_GETOWN/F_SETOWN(_EX), F_GETSIG/F_SETSIG and seals; flock.
public sealed partial class VfsActor
{
    private const int FGetLk = 5, FSetLk = 6, FSetLkW = 7, FSetOwn = 8, FGetOwn = 9, FSetSig = 10, FGetSig = 11,
        FSetOwnEx = 15, FGetOwnEx = 16, FOfdGetLk = 36, FOfdSetLk = 37, FOfdSetLkW = 38, FAddSeals = 1033, FGetSeals = 1034,
        FDupFdQuery = 1027, FCreatedQuery = 1028, FGetRwHint = 1035, FSetRwHint = 1036;
    private const int FOwnerTid = 0, FOwnerPid = 1, FOwnerPgrp = 2;
    private const int LockSh = 1, LockEx = 2, LockNb = 4, LockUn = 8, LockMand = 32;
    /// <summary>struct flock on arm64: l_type, l_whence (shorts), l_start at 8, l_len at 16, l_pid at 24.</summary>
    private const int FlockSize = 32;

    private static bool IsLockCommand(int command) => command is FGetLk or FSetLk or FSetLkW or FOfdGetLk or FOfdSetLk or FOfdSetLkW;

    /// <summary>The process closed a descriptor of <paramref name="file"/>: its POSIX locks on the file go (Linux's locks_remove_posix).</summary>
    private void ClosedByProcess(IKernelTask task, OpenFile file)
    {
        State.Locks.ReleasePosix(file.LockKey, P(task).Files);
        sandbox.Vfs.Notify.FlushDnotify(file, P(task).Files);
    }

    /// <summary>F_GETLK, F_SETLK, F_SETLKW and the OFD variants, in Linux's order of checks.</summary>
    private KernelReply? FcntlLock(FcntlFile r, IActorRef sender)
    {
        var process = P(r.Task);
        var file = process.Files.GetFile(r.Fd);
        if (file is null || file.IsPathOnly) return new Failed(Errno.EBADF);
        var raw = new byte[FlockSize];
        if (process.Mm.Read(r.Argument, raw) != Errno.None) return new Failed(Errno.EFAULT);
        short type = BinaryPrimitives.ReadInt16LittleEndian(raw);
        short whence = BinaryPrimitives.ReadInt16LittleEndian(raw.AsSpan(2));
        long start = BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(8));
        long length = BinaryPrimitives.ReadInt64LittleEndian(raw.AsSpan(16));
        int pid = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(24));
        bool ofd = r.Command >= FOfdGetLk;
        bool test = r.Command is FGetLk or FOfdGetLk;

        // F_GETLK asks about a lock it could take: F_UNLCK makes no sense there (F_OFD_GETLK uses it to list its own).
        if (test && !ofd && type is not (RecordLock.Read or RecordLock.Write)) return new Failed(Errno.EINVAL);
        long e = LockRange(file, whence, start, length, out long first, out long last);
        if (e < 0) return Result(e);
        if (type is not (RecordLock.Read or RecordLock.Write or RecordLock.Unlock)) return new Failed(Errno.EINVAL);
        if (!test && ((type == RecordLock.Read && !file.CanRead) || (type == RecordLock.Write && !file.CanWrite)))
            return new Failed(Errno.EBADF);
        if (ofd && pid != 0) return new Failed(Errno.EINVAL);

        var request = new RecordLock(ofd ? file : process.Files, ofd, process.Pid, type, first, last);
        if (!test)
        {
            var wait = r.Command is FSetLkW or FOfdSetLkW ? new FileLocks.Waiting(sender, process.Files) : null;
            long result = State.Locks.SetRecord(file.LockKey, request, wait);
            return result == FileLocks.Parked ? null : Result(result);
        }
        var held = State.Locks.TestRecord(file.LockKey, request);
        if (held is null) BinaryPrimitives.WriteInt16LittleEndian(raw, RecordLock.Unlock);
        else
        {
            BinaryPrimitives.WriteInt16LittleEndian(raw, held.Type);
            BinaryPrimitives.WriteInt16LittleEndian(raw.AsSpan(2), SEEK_SET);
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(8), held.Start);
            BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(16), held.End == long.MaxValue ? 0 : held.End - held.Start + 1);
            BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(24), held.Ofd ? -1 : held.Pid);
        }
        return process.Mm.Write(r.Argument, raw) == Errno.None ? new Done(0) : new Failed(Errno.EFAULT);
    }

    /// <summary>l_whence/l_start/l_len to an inclusive byte range, with Linux's EINVAL and EOVERFLOW cases.</summary>
    private static long LockRange(OpenFile file, short whence, long start, long length, out long first, out long last)
    {
        first = last = 0;
        long origin;
        switch (whence)
        {
            case SEEK_SET: origin = 0; break;
            case SEEK_CUR: origin = Math.Max(file.Seek(0, SEEK_CUR), 0); break;
            case SEEK_END:
                origin = file.Stat(out var st) == 0 ? st.Size : 0;
                break;
            default: return -(long)Errno.EINVAL;
        }
        if (start > long.MaxValue - origin) return -(long)Errno.EOVERFLOW;
        first = origin + start;
        if (first < 0) return -(long)Errno.EINVAL;
        if (length > 0)
        {
            if (length - 1 > long.MaxValue - first) return -(long)Errno.EOVERFLOW;
            last = first + length - 1;
        }
        else if (length < 0)
        {
            // POSIX-2001: a negative length locks the bytes before l_start.
            if (first + length < 0) return -(long)Errno.EINVAL;
            last = first - 1;
            first += length;
        }
        else last = long.MaxValue;
        return 0;
    }

    /// <summary>The fcntl commands beyond VfsActor.Fcntl's own: owners, signals, seals.</summary>
    private KernelReply FcntlMore(FcntlFile r, OpenFile file)
    {
        if (file.IsPathOnly) return new Failed(Errno.EBADF);
        var process = P(r.Task);
        switch (r.Command)
        {
            case FGetOwn:
            {
                var (type, id) = file.SignalOwner;
                return new Done(type == FOwnerPgrp ? -id : id);
            }
            case FSetOwn:
            {
                int who = (int)r.Argument;
                var owner = who < 0 ? (FOwnerPgrp, -who) : (FOwnerPid, who);
                if (who != 0 && !OwnerExists(owner.Item1, owner.Item2)) return new Failed(Errno.ESRCH);
                file.SignalOwner = owner;
                return new Done(0);
            }
            case FGetOwnEx:
            {
                var raw = new byte[8];
                BinaryPrimitives.WriteInt32LittleEndian(raw, file.SignalOwner.Type);
                BinaryPrimitives.WriteInt32LittleEndian(raw.AsSpan(4), file.SignalOwner.Id);
                return process.Mm.Write(r.Argument, raw) == Errno.None ? new Done(0) : new Failed(Errno.EFAULT);
            }
            case FSetOwnEx:
            {
                var raw = new byte[8];
                if (process.Mm.Read(r.Argument, raw) != Errno.None) return new Failed(Errno.EFAULT);
                int type = BinaryPrimitives.ReadInt32LittleEndian(raw), id = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4));
                if (type is not (FOwnerTid or FOwnerPid or FOwnerPgrp)) return new Failed(Errno.EINVAL);
                if (id != 0 && !OwnerExists(type, id)) return new Failed(Errno.ESRCH);
                file.SignalOwner = (type, id);
                return new Done(0);
            }
            case FGetSig:
                return new Done(file.IoSignal);
            case FSetSig:
                if (r.Argument > Sig.SIGRTMAX) return new Failed(Errno.EINVAL);
                file.IoSignal = (int)r.Argument;
                return new Done(0);
            case FAddSeals:
                return Result(AddSeals(file, (long)r.Argument));
            case FGetSeals:
                return file is TmpRegularFile t ? new Done(t.Node.SealMask) : new Failed(Errno.EINVAL);
            case FSetLease or FGetLease:
                return FcntlLease(r, file);
            case FNotify:
                return Dnotify(r, file);
            case FDupFdQuery:
                return process.Files.GetFile((int)r.Argument) is { } other ? new Done(ReferenceEquals(other, file) ? 1 : 0) : new Failed(Errno.EBADF);
            case FCreatedQuery:
                return new Done(file.CreatedByOpen ? 1 : 0);
            case FGetRwHint or FSetRwHint:
                return RwHint(r, file);
            default:
                return new Failed(Errno.EINVAL);
        }
    }

    /// <summary>F_GET_RW_HINT/F_SET_RW_HINT: the inode's write-lifetime hint (0..5), set by its owner.</summary>
    private KernelReply RwHint(FcntlFile r, OpenFile file)
    {
        const ulong lifeExtreme = 5;
        var mem = P(r.Task).Mm;
        var inode = file.Location?.Inode;
        var raw = new byte[8];
        if (r.Command == FGetRwHint)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(raw, inode?.WriteHint ?? 0);
            return mem.Write(r.Argument, raw) == Errno.None ? new Done(0) : new Failed(Errno.EFAULT);
        }
        var creds = P(r.Task).Fs.Creds;
        if (inode is not null && creds.Fsuid != inode.Uid && !creds.IsRoot) return new Failed(Errno.EPERM);
        if (mem.Read(r.Argument, raw) != Errno.None) return new Failed(Errno.EFAULT);
        ulong hint = BinaryPrimitives.ReadUInt64LittleEndian(raw);
        if (hint > lifeExtreme) return new Failed(Errno.EINVAL);
        if (inode is not null) inode.WriteHint = hint;
        return new Done(0);
    }

    private bool OwnerExists(int type, int id) => type switch
    {
        FOwnerTid => sandbox.FindThread(id) is not null,
        FOwnerPid => sandbox.FindProcess(id) is not null,
        _ => sandbox.AllProcesses().Any(p => p.Pgid == id),
    };

    /// <summary>F_ADD_SEALS, in Linux's order: a writable descriptor, known seals, a tmpfs file, sealing not sealed.</summary>
    private long AddSeals(OpenFile file, long seals)
    {
        if (!file.CanWrite) return -(long)Errno.EPERM;
        if ((seals & ~(long)Seals.All) != 0) return -(long)Errno.EINVAL;
        if (file is not TmpRegularFile t) return -(long)Errno.EINVAL;
        var node = t.Node;
        if ((node.SealMask & Seals.Seal) != 0) return -(long)Errno.EPERM;
        if ((seals & Seals.Write) != 0 && (node.SealMask & Seals.Write) == 0 && HasWritableSharedMapping(node))
            return -(long)Errno.EBUSY;
        // F_SEAL_EXEC on an executable file implies the write seals: W^X from then on.
        if ((seals & Seals.Exec) != 0 && (node.Mode & 0x49 /* 0111 */) != 0)
            seals |= Seals.Shrink | Seals.Grow | Seals.Write | Seals.FutureWrite;
        node.SealMask |= (int)seals;
        return 0;
    }

    /// <summary>flock(2): LOCK_MAND is ignored (as Linux does since 5.15); the command is checked before the descriptor.</summary>
    private KernelReply? Flock(FlockFile r, IActorRef sender)
    {
        if ((r.Operation & LockMand) != 0) return new Done(0);
        short type = (r.Operation & ~LockNb) switch
        {
            LockSh => RecordLock.Read,
            LockEx => RecordLock.Write,
            LockUn => RecordLock.Unlock,
            _ => -1,
        };
        if (type < 0) return new Failed(Errno.EINVAL);
        var process = P(r.Task);
        var file = process.Files.GetFile(r.Fd);
        if (file is null || file.IsPathOnly) return new Failed(Errno.EBADF);
        if (type != RecordLock.Unlock && !file.CanRead && !file.CanWrite) return new Failed(Errno.EBADF);
        var wait = (r.Operation & LockNb) == 0 ? new FileLocks.Waiting(sender, process.Files) : null;
        long result = State.Locks.Flock(file.LockKey, file, type, wait);
        return result == FileLocks.Parked ? null : Result(result);
    }
}
