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

    /// <summary>What a hung-up terminal file polls as (hung_up_tty_poll).</summary>
    protected const int HungUpEvents = Poll.Readable | Poll.Writable | Poll.Err | Poll.Hup;

    public override bool Pollable => true;

    /// <summary>An ioctl that needs no process context; <paramref name="arg"/> is the raw argument for requests that take a value.</summary>
    public abstract long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut, ulong arg);

    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut) => Ioctl(request, argIn, argOut, 0);

    public override void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) ReleaseSide();
    }

    protected abstract void ReleaseSide();

    /// <summary>TIOCVHANGUP on this file's side of the terminal.</summary>
    public abstract void VHangup();
}

/// <summary>The master side of a pty, from /dev/ptmx.</summary>
public sealed class PtyMasterFile(Pty pty, Location? location, int flags) : TerminalFile(location, flags)
{
    public Pty Pty { get; } = pty;
    public override Terminal Terminal => Pty.Master;
    public override Terminal RealTerminal => Pty.Slave;
    public override bool HungUp => Pty.MasterVHungUp;
    public override WaitQueue Readiness => Pty.MasterWaiters;
    public override int PollEvents() => HungUp ? HungUpEvents : Pty.MasterPoll();

    public override long Read(Span<byte> buffer) => !CanRead ? -(long)Errno.EBADF : HungUp ? 0 : Pty.MasterRead(buffer);
    public override long Write(ReadOnlySpan<byte> data) => !CanWrite ? -(long)Errno.EBADF : HungUp ? -(long)Errno.EIO : Pty.MasterWrite(data);
    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut, ulong arg) =>
        HungUp ? -(long)Errno.EIO : Pty.Ioctl(true, request, argIn, argOut, arg);

    protected override void ReleaseSide()
    {
        if (!HungUp) Pty.MasterReleased();
    }

    public override void VHangup() => Pty.VHangup(master: true);
}

/// <summary>The slave side of a pty: /dev/pts/N, TIOCGPTPEER, or /dev/tty when it is the controlling terminal.</summary>
public sealed class PtySlaveFile(Pty pty, Location? location, int flags) : TerminalFile(location, flags)
{
    public Pty Pty { get; } = pty;
    public override Terminal Terminal => Pty.Slave;
    public override Terminal RealTerminal => Pty.Slave;
    private readonly int _generation = pty.SlaveGeneration;

    // Hung up by the master's close, or by a TIOCVHANGUP since this file was opened.
    public override bool HungUp => Pty.HungUp || _generation != Pty.SlaveGeneration;
    public override WaitQueue Readiness => Pty.SlaveWaiters;
    public override int PollEvents() => _generation != Pty.SlaveGeneration ? HungUpEvents : Pty.SlavePoll();
    public override long? ReadDeadline(long waitStarted) => Pty.SlaveReadDeadline(waitStarted);

    public override long Read(Span<byte> buffer) =>
        !CanRead ? -(long)Errno.EBADF : _generation != Pty.SlaveGeneration ? 0 : Pty.SlaveRead(buffer, NonBlocking);
    public override long Write(ReadOnlySpan<byte> data) =>
        !CanWrite ? -(long)Errno.EBADF : _generation != Pty.SlaveGeneration ? -(long)Errno.EIO : Pty.SlaveWrite(data);

    public override long Ioctl(uint request, Span<byte> argIn, Span<byte> argOut, ulong arg) =>
        HungUp ? -(long)Errno.EIO : Pty.Ioctl(false, request, argIn, argOut, arg);

    public override long Stat(out StatInfo st)
    {
        if (Location is not null) return Location.Inode.Stat(out st);
        return Pty.Node.Stat(out st);
    }

    protected override void ReleaseSide() => Pty.SlaveReleased();

    public override void VHangup() => Pty.VHangup(master: false);
}
