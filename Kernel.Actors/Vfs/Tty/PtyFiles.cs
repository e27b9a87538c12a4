using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>An open terminal: the VFS actor serves its ioctls, the job-control ones with the caller's process at hand.</summary>
public abstract class TerminalFile : OpenFile
{
    private int _released;

    protected TerminalFile(Location? location, int flags) : base(location, flags) { }

    /// <summary>The terminal this file is (what TIOCSCTTY makes the controlling terminal).</summary>
    public abstract Terminal Terminal { get; }

    /// <summary>The terminal that settings and job control act on: a pty master's is its slave (tty_pair_get_tty).</summary>
    public abstract Terminal RealTerminal { get; }

    /// <summary>A hung-up terminal reads end-of-file and fails writes and ioctls with EIO.</summary>
    public abstract bool HungUp { get; }

    public override bool IsTerminal => true;

    public override bool Pollable => true;

    /// <summary>An ioctl that needs no process context; <paramref name="arg"/> is the raw argument for requests that take a value.</summary>
    public abstract long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut, ulong arg);

    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut) => Ioctl(request, argIn, argOut, 0);

    public override void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) ReleaseSide();
    }

    protected abstract void ReleaseSide();
}

/// <summary>The master side of a pty, from /dev/ptmx.</summary>
public sealed class PtyMasterFile(Pty pty, Location? location, int flags) : TerminalFile(location, flags)
{
    public Pty Pty { get; } = pty;
    public override Terminal Terminal => Pty.Master;
    public override Terminal RealTerminal => Pty.Slave;
    public override bool HungUp => false;
    public override WaitQueue Readiness => Pty.MasterWaiters;
    public override int PollEvents() => Pty.MasterPoll();

    public override long Read(Span<byte> buffer) => CanRead ? Pty.MasterRead(buffer) : -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> data) => CanWrite ? Pty.MasterWrite(data) : -(long)Errno.EBADF;
    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut, ulong arg) => Pty.Ioctl(true, request, argIn, argOut, arg);
    protected override void ReleaseSide() => Pty.MasterReleased();
}

/// <summary>The slave side of a pty: /dev/pts/N, TIOCGPTPEER, or /dev/tty when it is the controlling terminal.</summary>
public sealed class PtySlaveFile(Pty pty, Location? location, int flags) : TerminalFile(location, flags)
{
    public Pty Pty { get; } = pty;
    public override Terminal Terminal => Pty.Slave;
    public override Terminal RealTerminal => Pty.Slave;
    public override bool HungUp => Pty.HungUp;
    public override WaitQueue Readiness => Pty.SlaveWaiters;
    public override int PollEvents() => Pty.SlavePoll();
    public override long? ReadDeadline(long waitStarted) => Pty.SlaveReadDeadline(waitStarted);

    public override long Read(Span<byte> buffer) => CanRead ? Pty.SlaveRead(buffer, NonBlocking) : -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> data) => CanWrite ? Pty.SlaveWrite(data) : -(long)Errno.EBADF;

    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut, ulong arg) =>
        HungUp ? -(long)Errno.EIO : Pty.Ioctl(false, request, argIn, argOut, arg);

    public override long Stat(out StatInfo st)
    {
        if (Location is not null) return Location.Inode.Stat(out st);
        return Pty.Node.Stat(out st);
    }

    protected override void ReleaseSide() => Pty.SlaveReleased();
}
