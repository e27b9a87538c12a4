using System.Diagnostics;
using Kernel.Syscalls.Abi;
using static Kernel.Actors.Vfs.Termios;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A pseudo-terminal pair. Bytes the master writes go through the slave's line discipline (input processing,
/// echo, line editing) to the slave's readers; bytes the slave writes go through its output processing to the
/// master's readers. Nothing here blocks: an operation that would wait returns -EAGAIN and the caller parks on the
/// side's wait queue (<see cref="MasterWaiters"/>, <see cref="SlaveWaiters"/>), which is notified when its readiness
/// may have changed. Thread-safe: the fast path calls in from task threads, the VFS actor from its own.
/// </summary>
public sealed class Pty
{
    /// <summary>Room for bytes going to the master (the slave's output and echoes), as the tty flip buffers hold about 64 KiB.</summary>
    public const int OutputCapacity = 65536;
    /// <summary>Room for input the slave's line discipline has not taken yet.</summary>
    public const int InputCapacity = 65536;

    // TIOCPKT control bytes.
    private const byte PktData = 0, PktFlushRead = 1, PktFlushWrite = 2, PktStop = 4, PktStart = 8;

    private readonly object _lock = new();
    private readonly Devpts _devpts;
    private Termios _termios = Termios.PtyDefault();
    private readonly ByteQueue _toMaster = new(OutputCapacity);
    private readonly ByteQueue _pendingInput = new(InputCapacity);
    private readonly LineDiscipline _ldisc;
    private Winsize _winsize;
    private int _slaveFiles;
    private bool _slaveClosed;   // every slave file closed since one was opened: master reads give EIO when drained
    private bool _hungUp;        // the master closed
    private bool _slaveStopped;  // TCOOFF on the slave
    private bool _masterStopped; // TCOOFF on the master
    private bool _packet;
    private byte _packetStatus;
    private long _lastInput; // Stopwatch timestamp of the last byte the master wrote (VTIME between bytes)
    private int _slaveGeneration;  // bumped by TIOCVHANGUP: slave files opened before it are hung up
    private bool _masterVHungUp;   // TIOCVHANGUP on the master, which closes it as its last close would

    internal Pty(Devpts devpts, int index, uint uid, uint gid)
    {
        _devpts = devpts;
        Index = index;
        _ldisc = new LineDiscipline(() => _termios, _toMaster);
        Slave = new PtyTerminal(this, master: false);
        Master = new PtyTerminal(this, master: true);
        Node = new PtySlaveNode(devpts, this, uid, gid);
    }

    public int Index { get; }
    /// <summary>The slave's terminal identity (what termios, window size and job control ioctls act on).</summary>
    public PtyTerminal Slave { get; }
    /// <summary>The master's own identity, for the rare session that makes the master its controlling terminal.</summary>
    public PtyTerminal Master { get; }
    /// <summary>The /dev/pts/N node.</summary>
    public PtySlaveNode Node { get; }
    /// <summary>Set at creation; unlockpt (TIOCSPTLCK 0) clears it before the slave can be opened.</summary>
    public bool Locked { get; private set; } = true;
    public bool Exclusive { get; private set; }
    public bool HungUp { get { lock (_lock) return _hungUp; } }
    public int SlaveGeneration => Volatile.Read(ref _slaveGeneration);
    public bool MasterVHungUp { get { lock (_lock) return _masterVHungUp; } }

    /// <summary>The master's readiness (Linux's read_wait and write_wait of the master tty, as one queue).</summary>
    public WaitQueue MasterWaiters { get; } = new();
    /// <summary>The slave's readiness.</summary>
    public WaitQueue SlaveWaiters { get; } = new();

    // Called outside the lock: the events that may have become ready on each side (0: any).
    private void Notify(int master, int slave)
    {
        MasterWaiters.Notify(master);
        SlaveWaiters.Notify(slave);
    }

    /// <summary>A change either side may care about (an open, a close, new settings).</summary>
    private void RaiseChanged() => Notify(0, 0);

    // ---- opening and closing ----

    /// <summary>Opens the slave side (pty_open): EIO while locked or once the master has closed.</summary>
    internal long OpenSlave(Location? location, int flags, out OpenFile? file)
    {
        file = null;
        var opener = DeviceOpen.Current;
        lock (_lock)
        {
            if (_hungUp || Locked) return -(long)Errno.EIO;
            if (Exclusive && opener is not null && !opener.Creds.IsRoot) return -(long)Errno.EBUSY;
            _slaveFiles++;
            _slaveClosed = false;
        }
        file = new PtySlaveFile(this, location, flags);
        Slave.AttachOnOpen(flags, opener);
        RaiseChanged();
        return 0;
    }

    internal void SlaveReleased()
    {
        bool last;
        lock (_lock)
        {
            last = --_slaveFiles == 0;
            if (last) _slaveClosed = true;
        }
        RaiseChanged();
        if (last && Slave.Session != 0) _devpts.Host?.LastClose(Slave);
    }

    /// <summary>The master's last descriptor closed: the slave hangs up and /dev/pts/N goes away.</summary>
    internal void MasterReleased()
    {
        lock (_lock) _hungUp = true;
        _devpts.Remove(this);
        // Signals first, as Linux's hang-up does, so a reader woken with end-of-file already has its SIGHUP.
        if (_devpts.Host is { } host)
        {
            if (Slave.Session != 0) host.HangUp(Slave);
            if (Master.Session != 0) host.LastClose(Master);
        }
        RaiseChanged();
    }

    /// <summary>
    /// TIOCVHANGUP (tty_vhangup): the side's open files hang up (end-of-file reads, EIO writes and ioctls) and its
    /// session loses the terminal, the leader getting SIGHUP. The slave may be opened again; hanging up the master
    /// acts as its last close.
    /// </summary>
    public void VHangup(bool master)
    {
        if (master)
        {
            lock (_lock)
            {
                if (_masterVHungUp) return;
                _masterVHungUp = true;
            }
            MasterReleased();
            return;
        }
        Interlocked.Increment(ref _slaveGeneration);
        if (Slave.Session != 0) _devpts.Host?.HangUp(Slave);
        RaiseChanged();
    }

    // ---- master I/O ----

    internal long MasterRead(Span<byte> dest)
    {
        long n;
        lock (_lock)
        {
            if (dest.Length == 0) return 0;
            if (_packet && _packetStatus != 0)
            {
                dest[0] = _packetStatus;
                _packetStatus = 0;
                return 1;
            }
            if (_toMaster.Count == 0) return _slaveClosed ? -(long)Errno.EIO : -(long)Errno.EAGAIN;
            if (_packet)
            {
                dest[0] = PktData;
                n = 1 + _toMaster.Dequeue(dest[1..]);
            }
            else
            {
                n = _toMaster.Dequeue(dest);
            }
        }
        SlaveWaiters.Notify(Poll.Writable);
        return n;
    }

    internal long MasterWrite(ReadOnlySpan<byte> data)
    {
        if (data.Length == 0) return 0;
        var signals = new List<int>();
        int taken = 0;
        lock (_lock)
        {
            if (_masterStopped) return -(long)Errno.EAGAIN;
            while (taken < data.Length)
            {
                if (_pendingInput.Count == 0 && _ldisc.CanAccept) _ldisc.Receive(data[taken], signals);
                else if (_pendingInput.Free > 0) _pendingInput.Enqueue(data[taken]);
                else break;
                taken++;
            }
            _ldisc.CommitEchoes();
            if (taken > 0) _lastInput = Stopwatch.GetTimestamp();
        }
        RaiseSignals(signals);
        if (taken == 0) return -(long)Errno.EAGAIN;
        Notify(Poll.Readable, 0); // echoes for the master; input (or a START character) for the slave
        return taken;
    }

    /// <summary>Moves input held back for lack of room into the line discipline, once a read has made room.</summary>
    private void DrainPendingInput(List<int> signals)
    {
        while (_pendingInput.Count > 0 && _ldisc.CanAccept) _ldisc.Receive(_pendingInput.Dequeue(), signals);
        _ldisc.CommitEchoes();
    }

    private void RaiseSignals(List<int> signals)
    {
        if (signals.Count == 0 || _devpts.Host is not { } host) return;
        foreach (var sig in signals)
        {
            if (Slave.ForegroundGroup > 0) host.SignalGroup(Slave.ForegroundGroup, sig);
        }
    }

    // ---- slave I/O ----

    /// <summary>
    /// A read of the slave: a line in canonical mode, otherwise as VMIN and VTIME say. -EAGAIN means wait (or, for a
    /// non-blocking file, the caller gets EAGAIN); a hung-up slave reads end-of-file.
    /// </summary>
    internal long SlaveRead(Span<byte> dest, bool nonBlocking)
    {
        if (dest.Length == 0) return 0;
        long n;
        var signals = new List<int>();
        lock (_lock)
        {
            if (_hungUp) return 0;
            var t = _termios;
            if (t.L(ICANON))
            {
                n = _ldisc.Read(dest);
                if (n == -(long)Errno.EAGAIN) return n;
            }
            else
            {
                int min = t.Cc[VMIN], time = t.Cc[VTIME];
                int available = _ldisc.Available;
                bool enough = min == 0 ? available > 0 || time == 0 : available >= Math.Min(min, dest.Length);
                if (!enough && !(nonBlocking && available > 0) && !InterByteTimeUp(min, time, available)) return -(long)Errno.EAGAIN;
                n = _ldisc.Read(dest);
            }
            DrainPendingInput(signals);
        }
        RaiseSignals(signals);
        Notify(Poll.Readable | Poll.Writable, Poll.Readable); // room for the master's input (and its echoes); more lines
        return n;
    }

    // With VMIN and VTIME both set, a read returns what arrived once VTIME tenths passed since the last byte.
    private bool InterByteTimeUp(int min, int time, int available) =>
        min > 0 && time > 0 && available > 0 && Stopwatch.GetTimestamp() >= _lastInput + Tenths(time);

    private static long Tenths(int tenths) => tenths * Stopwatch.Frequency / 10;

    /// <summary>
    /// When a blocked slave read stops waiting (VTIME), as a Stopwatch timestamp, given when it began to wait: VTIME
    /// after that without VMIN, VTIME after the last byte once one arrived with it; null: no limit.
    /// </summary>
    internal long? SlaveReadDeadline(long waitStarted)
    {
        lock (_lock)
        {
            var t = _termios;
            if (_hungUp || t.L(ICANON) || t.Cc[VTIME] == 0) return null;
            if (t.Cc[VMIN] == 0) return waitStarted + Tenths(t.Cc[VTIME]);
            return _ldisc.Available == 0 ? null : _lastInput + Tenths(t.Cc[VTIME]);
        }
    }

    internal long SlaveWrite(ReadOnlySpan<byte> data)
    {
        int n;
        lock (_lock)
        {
            if (_hungUp) return -(long)Errno.EIO;
            if (data.Length == 0) return 0;
            if (_ldisc.Stopped || _slaveStopped) return -(long)Errno.EAGAIN;
            n = _ldisc.Write(data);
        }
        if (n == 0) return -(long)Errno.EAGAIN;
        MasterWaiters.Notify(Poll.Readable);
        return n;
    }

    // ---- readiness (poll), as n_tty_poll reports it ----

    /// <summary>The master's poll mask.</summary>
    public int MasterPoll()
    {
        lock (_lock)
        {
            int mask = 0;
            if (_toMaster.Count > 0) mask |= Poll.Readable;
            if (_packet && _packetStatus != 0) mask |= Poll.Pri | Poll.Readable;
            if (_slaveClosed) mask |= Poll.Hup;
            if (!_masterStopped && _pendingInput.Free > 0) mask |= Poll.Writable;
            return mask;
        }
    }

    /// <summary>The slave's poll mask; a hung-up slave is ready for everything (hung_up_tty_poll).</summary>
    public int SlavePoll()
    {
        lock (_lock)
        {
            if (_hungUp) return Poll.Readable | Poll.Writable | Poll.Err | Poll.Hup;
            int mask = 0;
            var t = _termios;
            int min = t.L(ICANON) || t.Cc[VTIME] != 0 ? 1 : t.Cc[VMIN];
            if (_ldisc.Readable(min)) mask |= Poll.Readable;
            if (!_ldisc.Stopped && !_slaveStopped && _toMaster.Free > 0) mask |= Poll.Writable;
            return mask;
        }
    }

    // ---- ioctls that need no process context ----

    /// <summary>The ioctls of either side that act on the pair alone; -ENOTTY for the rest.</summary>
    internal long Ioctl(bool master, uint request, Span<byte> argIn, Span<byte> argOut, ulong arg)
    {
        var signals = new List<int>();
        long result;
        lock (_lock)
        {
            result = IoctlLocked(master, request, argIn, argOut, arg, signals);
        }
        RaiseSignals(signals);
        // Queries change nothing a waiting read or write could care about.
        if (request is not (TtyIoctl.TCGETS or TtyIoctl.TCGETS2 or TtyIoctl.TCGETA or TtyIoctl.TIOCGWINSZ or TtyIoctl.FIONREAD or TtyIoctl.TIOCOUTQ
            or TtyIoctl.TIOCGPTN or TtyIoctl.TIOCGPTLCK or TtyIoctl.TIOCGPKT or TtyIoctl.TIOCGEXCL or TtyIoctl.TIOCGETD or TtyIoctl.TIOCGDEV))
            RaiseChanged();
        return result;
    }

    private long IoctlLocked(bool master, uint request, Span<byte> argIn, Span<byte> argOut, ulong arg, List<int> signals)
    {
        switch (request)
        {
            case TtyIoctl.TCGETS:
                _termios.WriteTo(argOut);
                return 0;
            case TtyIoctl.TCGETS2:
                _termios.WriteTo(argOut, withSpeeds: true);
                return 0;
            case TtyIoctl.TCGETA:
                _termios.WriteTermio(argOut);
                return 0;
            case TtyIoctl.TCSETA or TtyIoctl.TCSETAW or TtyIoctl.TCSETAF:
                SetTermios(_termios.WithTermio(argIn), request == TtyIoctl.TCSETAF);
                return 0;
            case TtyIoctl.TCSETS or TtyIoctl.TCSETSW or TtyIoctl.TCSETSF:
                SetTermios(Termios.ReadFrom(argIn), request == TtyIoctl.TCSETSF);
                return 0;
            case TtyIoctl.TCSETS2 or TtyIoctl.TCSETSW2 or TtyIoctl.TCSETSF2:
                SetTermios(Termios.ReadFrom(argIn, withSpeeds: true), request == TtyIoctl.TCSETSF2);
                return 0;
            case TtyIoctl.TIOCGWINSZ:
                _winsize.WriteTo(argOut);
                return 0;
            case TtyIoctl.TIOCSWINSZ:
            {
                var ws = Winsize.ReadFrom(argIn);
                if (ws != _winsize)
                {
                    _winsize = ws;
                    signals.Add(Sig.SIGWINCH);
                }
                return 0;
            }
            case TtyIoctl.FIONREAD:
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(argOut, master ? _toMaster.Count : _ldisc.Available);
                return 0;
            case TtyIoctl.TIOCOUTQ:
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(argOut, 0); // ptys keep no driver output queue
                return 0;
            case TtyIoctl.TCFLSH:
                return Flush(master, (long)arg);
            case TtyIoctl.TCXONC:
                return FlowControl(master, (long)arg, signals);
            case TtyIoctl.TCSBRK or TtyIoctl.TCSBRKP or TtyIoctl.TIOCSBRK or TtyIoctl.TIOCCBRK:
                return 0; // nothing to drain, no break to send on a pty
            case TtyIoctl.TIOCEXCL or TtyIoctl.TIOCNXCL:
                Exclusive = request == TtyIoctl.TIOCEXCL;
                return 0;
            case TtyIoctl.TIOCGEXCL:
                WriteInt(argOut, Exclusive ? 1 : 0);
                return 0;
            case TtyIoctl.TIOCGETD:
                WriteInt(argOut, 0); // N_TTY
                return 0;
            case TtyIoctl.TIOCSETD:
                return ReadInt(argIn) == 0 ? 0 : -(long)Errno.EINVAL;
            case TtyIoctl.TIOCGDEV:
                WriteInt(argOut, (int)StatInfo.MakeDev(Devpts.SlaveMajor, (uint)Index));
                return 0;
            case TtyIoctl.TIOCSTI:
                // As if typed at this side: a master's pushed byte is input to the master's own reader.
                if (master)
                {
                    if (_toMaster.Free > 0) _toMaster.Enqueue(argIn[0]);
                    return 0;
                }
                _ldisc.Receive(argIn[0], signals);
                _ldisc.CommitEchoes();
                return 0;
        }
        if (!master) return -(long)Errno.ENOTTY;
        switch (request)
        {
            case TtyIoctl.TIOCGPTN:
                WriteInt(argOut, Index);
                return 0;
            case TtyIoctl.TIOCSPTLCK:
                Locked = ReadInt(argIn) != 0;
                return 0;
            case TtyIoctl.TIOCGPTLCK:
                WriteInt(argOut, Locked ? 1 : 0);
                return 0;
            case TtyIoctl.TIOCPKT:
                _packet = ReadInt(argIn) != 0;
                _packetStatus = 0;
                return 0;
            case TtyIoctl.TIOCGPKT:
                WriteInt(argOut, _packet ? 1 : 0);
                return 0;
            case TtyIoctl.TIOCSIG:
            {
                int sig = (int)arg;
                if (sig is not (Sig.SIGINT or Sig.SIGQUIT or Sig.SIGTSTP)) return -(long)Errno.EINVAL;
                signals.Add(sig);
                return 0;
            }
            default:
                return -(long)Errno.ENOTTY;
        }
    }

    private static int ReadInt(ReadOnlySpan<byte> s) => System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(s);
    private static void WriteInt(Span<byte> d, int v) => System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(d, v);

    private void SetTermios(Termios next, bool flush)
    {
        if (flush) FlushSlaveInput();
        var old = _termios;
        // The pts driver keeps its character size and receiver (pty_set_termios).
        next.CFlag = (next.CFlag & ~(CSIZE | PARENB)) | CS8 | CREAD;
        _termios = next;
        _ldisc.SettingsChanged();
        if (!next.I(IXON) && old.I(IXON)) _ldisc.Stopped = false;
    }

    private void FlushSlaveInput()
    {
        _ldisc.FlushInput();
        _pendingInput.Clear();
    }

    private long Flush(bool master, long which)
    {
        const int TCIFLUSH = 0, TCOFLUSH = 1, TCIOFLUSH = 2;
        if (which is not (TCIFLUSH or TCOFLUSH or TCIOFLUSH)) return -(long)Errno.EINVAL;
        bool input = which != TCOFLUSH, output = which != TCIFLUSH;
        if (master)
        {
            // The master's input is what the slave wrote; its output is what the slave's discipline has not taken.
            if (input) _toMaster.Clear();
            if (output) _pendingInput.Clear();
            return 0;
        }
        if (input)
        {
            FlushSlaveInput();
            if (_packet) _packetStatus |= PktFlushRead;
        }
        if (output)
        {
            _toMaster.Clear();
            if (_packet) _packetStatus |= PktFlushWrite;
        }
        return 0;
    }

    private long FlowControl(bool master, long action, List<int> signals)
    {
        const int TCOOFF = 0, TCOON = 1, TCIOFF = 2, TCION = 3;
        switch (action)
        {
            case TCOOFF or TCOON:
                bool stop = action == TCOOFF;
                if (master) _masterStopped = stop;
                else
                {
                    _slaveStopped = stop;
                    if (_packet) _packetStatus |= stop ? PktStop : PktStart;
                }
                return 0;
            case TCIOFF or TCION:
            {
                byte c = _termios.Cc[action == TCIOFF ? VSTOP : VSTART];
                if (c == 0) return 0;
                // The flow character travels to the other side: to the master's reader, or into the slave's input.
                if (master)
                {
                    _ldisc.Receive(c, signals);
                    _ldisc.CommitEchoes();
                }
                else if (_toMaster.Free > 0)
                {
                    _toMaster.Enqueue(c);
                }
                return 0;
            }
            default:
                return -(long)Errno.EINVAL;
        }
    }
}

/// <summary>One side of a pty as a terminal a session can control.</summary>
public sealed class PtyTerminal(Pty pty, bool master) : Terminal
{
    public Pty Pty { get; } = pty;
    public bool IsMaster { get; } = master;

    public override bool AcquiredOnOpen => !IsMaster;

    public override long OpenAgain(Location location, int flags, out OpenFile? file)
    {
        if (!IsMaster) return Pty.OpenSlave(location, flags | OpenFlags.O_NOCTTY, out file);
        file = null;
        return -(long)Errno.EIO; // a master cannot be opened a second time
    }
}
