using System.Buffers.Binary;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A guest file backed by a host fd the object owns (a dup of the host's stdin, stdout or stderr):
/// I/O goes straight to the host fd, terminal ioctls are passed through. Readiness is the host fd's (poll(2) with
/// no timeout); a read finds out first whether data is there, so that a blocking read waits parked in the kernel
/// (woken by <see cref="HostPollWatcher"/>) rather than on a host thread.
/// </summary>
public sealed class HostStdioFile : OpenFile
{
    public const uint TCGETS = 0x5401;
    public const uint TCSETS = 0x5402;
    public const uint TCSETSW = 0x5403;
    public const uint TCSETSF = 0x5404;
    public const uint TIOCGPGRP = 0x540F;
    public const uint TIOCSPGRP = 0x5410;
    public const uint TIOCGWINSZ = 0x5413;
    public const uint TIOCSWINSZ = 0x5414;
    public const uint FIONREAD = 0x541B;
    /// <summary>Size of the kernel's struct termios (the same on x86_64 and arm64).</summary>
    public const int TermiosSize = 36;
    public const int WinsizeSize = 8;

    private static readonly ulong StdioDev = StatInfo.MakeDev(0, 15);
    private const int Watchable = Poll.In | Poll.Pri | Poll.Out | Poll.RdHup;
    private int _fd;

    /// <summary>Wraps <paramref name="hostFd"/>, which this object closes on <see cref="Release"/>.</summary>
    public HostStdioFile(int hostFd, int flags) : base(null, flags)
    {
        _fd = hostFd;
        IsTerminal = HostNative.IsATty(hostFd) == 1;
        HostReadiness = new HostQueue(this);
    }

    /// <summary>A wait queue whose first waiters start the host watcher on the fd.</summary>
    private sealed class HostQueue(HostStdioFile file) : WaitQueue
    {
        protected override void OnSubscribed(int interest) => HostPollWatcher.Instance.Arm(file, interest & Watchable);
    }

    internal WaitQueue HostReadiness { get; }
    public override WaitQueue Readiness => HostReadiness;
    public override bool Pollable => true;

    public override int PollEvents()
    {
        int fd = _fd;
        if (fd < 0) return Poll.Nval;
        int ready = HostPoll.Now(fd, Watchable);
        // What is not ready now is worth a notification when it becomes ready.
        if (HostReadiness.HasWaiters) HostPollWatcher.Instance.Arm(this, Watchable & ~ready);
        return ready;
    }

    /// <summary>A HostStdioFile over a dup of one of the host's own fds (0, 1, 2).</summary>
    public static long FromHostFd(int hostFd, int flags, out HostStdioFile? file)
    {
        file = null;
        int fd = HostNative.Dup(hostFd);
        if (fd < 0) return -(long)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        file = new HostStdioFile(fd, flags);
        return 0;
    }

    public int HostFd => _fd;
    public override bool IsTerminal { get; }
    /// <summary>The sandbox's view of the host terminal behind this file (its session and foreground group), if it is one.</summary>
    public HostTerminal? Terminal { get; set; }

    public override long Read(Span<byte> buffer)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        // Never wait on the host: with nothing to read, a blocking read parks (and is woken by the host watcher).
        // A terminal in non-canonical mode with VMIN 0 does not wait for data: its read is passed on.
        if (buffer.Length > 0 && (HostPoll.Now(_fd, Poll.In) & (Poll.In | Poll.Hup | Poll.Err | Poll.Nval)) == 0 && !ReadsWithoutWaiting())
        {
            if (HostReadiness.HasWaiters) HostPollWatcher.Instance.Arm(this, Poll.In);
            return -(long)Errno.EAGAIN;
        }
        return HostNative.Read(_fd, buffer);
    }
    private bool ReadsWithoutWaiting()
    {
        const int IcanonFlag = 0x2, LflagOffset = 12, VminOffset = 17 + 6;
        if (!IsTerminal) return false;
        Span<byte> t = stackalloc byte[64];
        if (HostNative.Ioctl(_fd, TCGETS, t) < 0) return false;
        return (BinaryPrimitives.ReadUInt32LittleEndian(t[LflagOffset..]) & IcanonFlag) == 0 && t[VminOffset] == 0;
    }

    public override long Write(ReadOnlySpan<byte> data) => CanWrite ? HostNative.Write(_fd, data) : -(long)Errno.EBADF;

    public override long PRead(Span<byte> buffer, long offset)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        if (IsTerminal) return -(long)Errno.ESPIPE;
        return offset < 0 ? -(long)Errno.EINVAL : HostNative.PRead(_fd, buffer, offset);
    }

    public override long PWrite(ReadOnlySpan<byte> data, long offset)
    {
        if (!CanWrite) return -(long)Errno.EBADF;
        if (IsTerminal) return -(long)Errno.ESPIPE;
        return offset < 0 ? -(long)Errno.EINVAL : HostNative.PWrite(_fd, data, offset);
    }

    // Pipes and sockets give ESPIPE from the host itself; a redirected regular file seeks for real.
    public override long Seek(long offset, int whence) => IsTerminal ? -(long)Errno.ESPIPE : HostNative.LSeek(_fd, offset, whence);

    public override long Stat(out StatInfo st) => HostNative.FStat(_fd, StdioDev, out st);

    /// <summary>A terminal, pipe or socket by its kind; never a host path (a redirected host file shows as anonymous).</summary>
    public override string AnonymousName
    {
        get
        {
            if (Stat(out var st) < 0) return "anon_inode:[stdio]";
            return (st.Mode & OpenFlags.S_IFMT) switch
            {
                OpenFlags.S_IFIFO => $"pipe:[{st.Ino}]",
                OpenFlags.S_IFSOCK => $"socket:[{st.Ino}]",
                OpenFlags.S_IFCHR when StatInfo.Major(st.Rdev) == 136 => $"/dev/pts/{StatInfo.Minor(st.Rdev)}",
                OpenFlags.S_IFCHR when st.Rdev == StatInfo.MakeDev(1, 3) => "/dev/null",
                OpenFlags.S_IFCHR => "/dev/tty",
                _ => "anon_inode:[stdio]",
            };
        }
    }

    /// <summary>Opening /proc/[pid]/fd/N: a new description over another dup of the same host fd.</summary>
    public override long Reopen(int flags, out OpenFile? file)
    {
        file = null;
        int fd = HostNative.Dup(_fd);
        if (fd < 0) return -(long)System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
        file = new HostStdioFile(fd, flags);
        return 0;
    }

    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut)
    {
        switch (request)
        {
            case FIONREAD:
            {
                Span<byte> n = stackalloc byte[8];
                long r = HostNative.Ioctl(_fd, FIONREAD, n);
                if (r < 0) return r;
                if (argOut.Length < 4) return -(long)Errno.EFAULT;
                n[..4].CopyTo(argOut);
                return 0;
            }
        }
        if (!IsTerminal) return -(long)Errno.ENOTTY;
        switch (request)
        {
            case TCGETS:
            {
                if (argOut.Length < TermiosSize) return -(long)Errno.EFAULT;
                Span<byte> t = stackalloc byte[64];
                long r = HostNative.Ioctl(_fd, TCGETS, t);
                if (r < 0) return r;
                t[..TermiosSize].CopyTo(argOut);
                return 0;
            }
            case TCSETS or TCSETSW or TCSETSF:
            {
                if (argIn.Length < TermiosSize) return -(long)Errno.EFAULT;
                Span<byte> t = stackalloc byte[64];
                t.Clear();
                argIn[..TermiosSize].CopyTo(t);
                return HostNative.Ioctl(_fd, request, t);
            }
            case TIOCGWINSZ:
            {
                if (argOut.Length < WinsizeSize) return -(long)Errno.EFAULT;
                Span<byte> w = stackalloc byte[WinsizeSize];
                long r = HostNative.Ioctl(_fd, TIOCGWINSZ, w);
                if (r < 0) return r;
                w.CopyTo(argOut);
                return 0;
            }
            case TIOCSWINSZ:
            {
                if (argIn.Length < WinsizeSize) return -(long)Errno.EFAULT;
                Span<byte> w = stackalloc byte[WinsizeSize];
                argIn[..WinsizeSize].CopyTo(w);
                return HostNative.Ioctl(_fd, TIOCSWINSZ, w);
            }
            case TIOCGPGRP:
                // The foreground process group: the kernel's own pid numbering comes later; 1 for now.
                if (argOut.Length < 4) return -(long)Errno.EFAULT;
                BinaryPrimitives.WriteInt32LittleEndian(argOut, 1);
                return 0;
            case TIOCSPGRP:
                return 0;
            default:
                return -(long)Errno.ENOTTY;
        }
    }

    public override void Release()
    {
        HostPollWatcher.Instance.Forget(this);
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) HostNative.Close(fd);
    }
}
