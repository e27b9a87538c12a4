using System.Buffers.Binary;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Tasks;

/// <summary>
/// signalfd: reading takes the reader's pending signals of the mask as signalfd_siginfo records (they are then
/// not delivered); it polls readable while one is pending. A blocking read with none parks like any read, woken
/// by the process's signal queue.
/// </summary>
public sealed class SignalFdFile(KernelTask owner, ulong mask, int flags) : AnonymousFile(O_RDWR | (flags & O_NONBLOCK))
{
    private const int RecordSize = 128;

    private ulong _mask = mask;

    public override string AnonymousName => "anon_inode:[signalfd]";

    /// <summary>Notified whenever a signal is queued for the owner's process.</summary>
    public override WaitQueue Readiness => owner.Process.SignalQueued;

    /// <summary>The reading thread: the task the kernel serves now, else the one that made the descriptor.</summary>
    private KernelTask Reader => CurrentTask.Task is { } t && t.Process == owner.Process ? t : owner;

    private ulong Mask => Volatile.Read(ref _mask);

    public override int PollEvents()
    {
        var r = Reader;
        return ((r.SignalState.Pending.Bits | r.Process.SharedPending.Bits) & Mask) != 0 ? Poll.In | Poll.RdNorm : 0;
    }

    public override long Read(Span<byte> buffer)
    {
        if (buffer.Length < RecordSize) return Err(Errno.EINVAL);
        var r = Reader;
        var n = 0;
        while (buffer.Length - n >= RecordSize)
        {
            var info = r.Process.Runner?.TakeForSignalFd(r, Mask);
            if (info is null) break;
            Record(info).CopyTo(buffer[n..]);
            n += RecordSize;
        }
        return n > 0 ? n : Err(Errno.EAGAIN);
    }

    public override long Write(ReadOnlySpan<byte> data) => Err(Errno.EINVAL);

    /// <summary>struct signalfd_siginfo, from the queued siginfo.</summary>
    private static byte[] Record(SigInfo info)
    {
        var raw = info.ToBytes();
        var b = new byte[RecordSize];
        var s = b.AsSpan();
        BinaryPrimitives.WriteInt32LittleEndian(s, info.Signo);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4)));
        BinaryPrimitives.WriteInt32LittleEndian(s[8..], info.Code);
        var u = raw.AsSpan(16);
        switch (info.Signo)
        {
            case Sig.SIGSEGV or Sig.SIGBUS or Sig.SIGILL or Sig.SIGFPE or Sig.SIGTRAP when info.Code > 0:
                BinaryPrimitives.WriteUInt64LittleEndian(s[72..], info.Addr);
                break;
            case Sig.SIGCHLD when info.Code > 0:
                u[..8].CopyTo(s[12..]);                                    // pid, uid
                BinaryPrimitives.WriteInt32LittleEndian(s[40..], info.Status);
                BinaryPrimitives.WriteInt64LittleEndian(s[56..], info.Utime);
                BinaryPrimitives.WriteInt64LittleEndian(s[64..], info.Stime);
                break;
            case not Sig.SIGCHLD when info.Code > 0 && (info.Band != 0 || info.Fd != 0):
                BinaryPrimitives.WriteInt32LittleEndian(s[20..], info.Fd);
                BinaryPrimitives.WriteUInt32LittleEndian(s[28..], (uint)info.Band);
                break;
            default:
                if (info.Code == SigInfo.SiTimer)
                {
                    BinaryPrimitives.WriteInt32LittleEndian(s[24..], info.TimerId);
                    BinaryPrimitives.WriteInt32LittleEndian(s[32..], info.Overrun);
                }
                else
                {
                    u[..8].CopyTo(s[12..]);                                // pid, uid
                }
                BinaryPrimitives.WriteInt32LittleEndian(s[44..], BinaryPrimitives.ReadInt32LittleEndian(u[8..]));   // ssi_int
                BinaryPrimitives.WriteUInt64LittleEndian(s[48..], BinaryPrimitives.ReadUInt64LittleEndian(u[8..])); // ssi_ptr
                break;
        }
        return b;
    }

    /// <summary>signalfd4: a new descriptor (fd -1) or a new mask for an existing one; the handler checked the arguments.</summary>
    public static long Open(KernelTask caller, int fd, ulong mask, int flags)
    {
        mask &= ~Runner.Unblockable;
        if (fd != -1)
        {
            var existing = caller.Process.Files.GetFile(fd);
            if (existing is null) return -(long)Errno.EBADF;
            if (existing is not SignalFdFile sfd) return -(long)Errno.EINVAL;
            Volatile.Write(ref sfd._mask, mask);
            caller.Process.SignalQueued.Notify(Poll.In);
            return fd;
        }
        var file = new SignalFdFile(caller, mask, flags);
        var newFd = caller.Process.Files.Install(file, closeOnExec: (flags & O_CLOEXEC) != 0);
        if (newFd < 0) file.DropReference();
        return newFd;
    }
}
