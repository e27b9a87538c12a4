using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

/// <summary>
/// The pty pair and its line discipline, driven directly (no guest): what the conformance program cannot compare
/// against qemu (packet mode, TIOCGPTLCK, TIOCSTI, deadlines, numbering, the host callbacks).
/// </summary>
public sealed class PtyTests : IDisposable
{
    private readonly VfsTestRoot _t = new();
    public void Dispose() => _t.Dispose();

    private sealed class RecordingHost : ITerminalHost
    {
        public List<(int Pgid, int Signal)> Signals { get; } = [];
        public List<Terminal> HungUp { get; } = [];
        public void SignalGroup(int pgid, int signal) => Signals.Add((pgid, signal));
        public void HangUp(Terminal terminal) => HungUp.Add(terminal);
        public void LastClose(Terminal terminal) { }
    }

    private (PtyMasterFile Master, PtySlaveFile Slave) OpenPair(int slaveFlags = O_RDWR | O_NOCTTY)
    {
        var master = (PtyMasterFile)_t.Open(_t.Root, "/dev/ptmx", O_RDWR);
        Assert.Equal(0, Ioctl(master, TtyIoctl.TIOCSPTLCK, Int(0)));
        var slave = (PtySlaveFile)_t.Open(_t.Root, $"/dev/pts/{master.Pty.Index}", slaveFlags);
        return (master, slave);
    }

    private static byte[] Int(int v)
    {
        var b = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, v);
        return b;
    }

    private static long Ioctl(TerminalFile f, uint request, byte[]? argIn = null, byte[]? argOut = null, ulong arg = 0) =>
        f.Ioctl(request, argIn ?? [], argOut ?? [], arg);

    private static int IoctlInt(TerminalFile f, uint request)
    {
        var o = new byte[4];
        Assert.Equal(0, Ioctl(f, request, null, o));
        return BinaryPrimitives.ReadInt32LittleEndian(o);
    }

    private static readonly string Again = $"-{Errno.EAGAIN}";

    private static string Read(OpenFile f, int size = 256)
    {
        var b = new byte[size];
        long n = f.Read(b);
        return n < 0 ? $"-{(Errno)(-n)}" : Encoding.Latin1.GetString(b, 0, (int)n);
    }

    private static void Put(OpenFile f, string s) => Assert.Equal(s.Length, f.Write(Encoding.Latin1.GetBytes(s)));

    private static Termios Attrs(TerminalFile f)
    {
        var o = new byte[Termios.Size];
        Assert.Equal(0, Ioctl(f, TtyIoctl.TCGETS, null, o));
        return Termios.ReadFrom(o);
    }

    private static void SetAttrs(TerminalFile f, Termios t)
    {
        var i = new byte[Termios.Size];
        t.WriteTo(i);
        Assert.Equal(0, Ioctl(f, TtyIoctl.TCSETS, i));
    }

    [Fact]
    public void Numbers_are_the_lowest_free_and_come_back_on_close()
    {
        var a = (PtyMasterFile)_t.Open(_t.Root, "/dev/ptmx", O_RDWR);
        var b = (PtyMasterFile)_t.Open(_t.Root, "/dev/ptmx", O_RDWR);
        Assert.Equal(0, IoctlInt(a, TtyIoctl.TIOCGPTN));
        Assert.Equal(1, IoctlInt(b, TtyIoctl.TIOCGPTN));
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/dev/pts/0", 0, out var st));
        Assert.Equal(StatInfo.MakeDev(136, 0), st.Rdev);
        Assert.Equal(3ul, st.Ino);
        a.DropReference();
        Assert.Equal(Err(Errno.ENOENT), _t.Vfs.Stat(_t.Root, null, "/dev/pts/0", 0, out _));
        var c = (PtyMasterFile)_t.Open(_t.Root, "/dev/ptmx", O_RDWR);
        Assert.Equal(0, c.Pty.Index);
        var names = DirentReader.ReadAllNames(_t.Open(_t.Root, "/dev/pts", O_RDONLY | O_DIRECTORY));
        Assert.Equal(["ptmx", "0", "1"], names.Where(n => n is not ("." or "..")).ToList());
    }

    [Fact]
    public void Lock_state_is_reported_and_guards_the_slave()
    {
        var master = (PtyMasterFile)_t.Open(_t.Root, "/dev/ptmx", O_RDWR);
        Assert.Equal(1, IoctlInt(master, TtyIoctl.TIOCGPTLCK));
        Assert.Equal(Err(Errno.EIO), _t.OpenErr(_t.Root, $"/dev/pts/{master.Pty.Index}", O_RDWR));
        Assert.Equal(0, Ioctl(master, TtyIoctl.TIOCSPTLCK, Int(0)));
        Assert.Equal(0, IoctlInt(master, TtyIoctl.TIOCGPTLCK));
        Assert.Equal(0, _t.OpenErr(_t.Root, $"/dev/pts/{master.Pty.Index}", O_RDWR));
    }

    [Fact]
    public void Canonical_line_with_echo_and_onlcr()
    {
        var (m, s) = OpenPair();
        Put(m, "ab\u007f" + "c\n");
        Assert.Equal("ab\b \bc\r\n", Read(m));
        Assert.Equal("ac\n", Read(s));
        Assert.Equal(Again, Read(s));
        Put(s, "out\n");
        Assert.Equal("out\r\n", Read(m));
    }

    [Fact]
    public void Signal_characters_go_to_the_foreground_group_and_discard_their_chunk()
    {
        var host = new RecordingHost();
        _t.Vfs.Devpts.Host = host;
        var (m, s) = OpenPair();
        s.Pty.Slave.ForegroundGroup = 42;
        Put(m, "abc\x03");
        Assert.Equal([(42, Sig.SIGINT)], host.Signals);
        // The echoes of the chunk that carried ^C are dropped, the input is flushed.
        Assert.Equal("^C", Read(m));
        Put(m, "\n");
        Assert.Equal("\n", Read(s));
        var t = Attrs(s);
        t.LFlag |= Termios.NOFLSH;
        SetAttrs(s, t);
        Put(m, "xy\x1c\n");
        Assert.Equal((42, Sig.SIGQUIT), host.Signals[^1]);
        Assert.Equal("xy\n", Read(s));
        Assert.Equal(0, Ioctl(m, TtyIoctl.TIOCSIG, arg: Sig.SIGTSTP));
        Assert.Equal((42, Sig.SIGTSTP), host.Signals[^1]);
        Assert.Equal(Err(Errno.EINVAL), Ioctl(m, TtyIoctl.TIOCSIG, arg: Sig.SIGKILL));
    }

    [Fact]
    public void Window_size_change_sends_sigwinch_once()
    {
        var host = new RecordingHost();
        _t.Vfs.Devpts.Host = host;
        var (m, s) = OpenPair();
        s.Pty.Slave.ForegroundGroup = 7;
        var ws = new byte[Winsize.Size];
        new Winsize(24, 80, 0, 0).WriteTo(ws);
        Assert.Equal(0, Ioctl(m, TtyIoctl.TIOCSWINSZ, ws));
        Assert.Equal(0, Ioctl(m, TtyIoctl.TIOCSWINSZ, ws));
        Assert.Equal([(7, Sig.SIGWINCH)], host.Signals);
        var o = new byte[Winsize.Size];
        Assert.Equal(0, Ioctl(s, TtyIoctl.TIOCGWINSZ, null, o));
        Assert.Equal(new Winsize(24, 80, 0, 0), Winsize.ReadFrom(o));
    }

    [Fact]
    public void Packet_mode_prefixes_data_and_reports_flushes()
    {
        var (m, s) = OpenPair();
        Assert.Equal(0, Ioctl(m, TtyIoctl.TIOCPKT, Int(1)));
        Assert.Equal(1, IoctlInt(m, TtyIoctl.TIOCGPKT));
        Put(s, "hi");
        Assert.Equal("\0hi", Read(m));
        Assert.Equal(0, Ioctl(s, TtyIoctl.TCFLSH, arg: 0));
        Assert.Equal("\x01", Read(m));
        Assert.Equal(Again, Read(m));
        Assert.Equal(Err(Errno.ENOTTY), Ioctl(s, TtyIoctl.TIOCPKT, Int(1)));
    }

    [Fact]
    public void Tiocsti_pushes_input_on_its_own_side()
    {
        var (m, s) = OpenPair();
        Assert.Equal(0, Ioctl(s, TtyIoctl.TIOCSTI, [(byte)'z']));
        Assert.Equal(0, Ioctl(s, TtyIoctl.TIOCSTI, [(byte)'\n']));
        Assert.Equal("z\n", Read(s));
        Assert.Equal("z\r\n", Read(m));
        Assert.Equal(0, Ioctl(m, TtyIoctl.TIOCSTI, [(byte)'q']));
        Assert.Equal("q", Read(m));
    }

    [Fact]
    public void Termios2_carries_speeds()
    {
        var (_, s) = OpenPair();
        var o = new byte[Termios.Size2];
        Assert.Equal(0, Ioctl(s, TtyIoctl.TCGETS2, null, o));
        Assert.Equal(38400u, BinaryPrimitives.ReadUInt32LittleEndian(o.AsSpan(36)));
        var t = Termios.ReadFrom(o, withSpeeds: true);
        t.CFlag = (t.CFlag & ~Termios.CBAUD) | Termios.BOTHER;
        t.ISpeed = t.OSpeed = 12345;
        t.WriteTo(o, withSpeeds: true);
        Assert.Equal(0, Ioctl(s, TtyIoctl.TCSETS2, o));
        Assert.Equal(0, Ioctl(s, TtyIoctl.TCGETS2, null, o));
        Assert.Equal(12345u, BinaryPrimitives.ReadUInt32LittleEndian(o.AsSpan(40)));
    }

    [Fact]
    public void Vtime_deadlines_follow_vmin()
    {
        var (m, s) = OpenPair();
        var t = Attrs(s);
        t.LFlag &= ~Termios.ICANON;
        t.Cc[Termios.VMIN] = 0;
        t.Cc[Termios.VTIME] = 5;
        SetAttrs(s, t);
        var since = Stopwatch.GetTimestamp();
        Assert.Equal(Again, Read(s));
        Assert.Equal(since + Stopwatch.Frequency / 2, s.ReadDeadline(since));
        // With VMIN set the timer only runs once a byte is there, and counts from the last byte.
        t.Cc[Termios.VMIN] = 4;
        SetAttrs(s, t);
        Assert.Null(s.ReadDeadline(since));
        var before = Stopwatch.GetTimestamp();
        Put(m, "ab");
        var deadline = s.ReadDeadline(since);
        Assert.NotNull(deadline);
        Assert.InRange(deadline!.Value - Stopwatch.Frequency / 2, before, Stopwatch.GetTimestamp());
        Assert.Equal(Again, Read(s));
    }

    [Fact]
    public void Closing_the_master_hangs_up_the_slave_and_tells_the_host()
    {
        var host = new RecordingHost();
        _t.Vfs.Devpts.Host = host;
        var (m, s) = OpenPair();
        s.Pty.Slave.Session = 5;
        var woken = new List<int>();
        s.Readiness.Subscribe(Poll.ReadWait, key =>
        {
            woken.Add(key);
            return true;
        });
        m.DropReference();
        Assert.Equal([s.Pty.Slave], host.HungUp);
        Assert.NotEmpty(woken);
        Assert.Equal("", Read(s));
        Assert.Equal(Err(Errno.EIO), s.Write("x"u8));
        Assert.Equal(0x1 | 0x4 | 0x8 | 0x10, s.PollEvents() & 0x1D); // POLLIN|POLLOUT|POLLERR|POLLHUP
    }

    [Fact]
    public void Each_side_wakes_the_other_sides_waiters_with_its_readiness()
    {
        var (m, s) = OpenPair();
        var slaveKeys = new List<int>();
        var masterKeys = new List<int>();
        s.Readiness.Subscribe(Poll.ReadWait | Poll.WriteWait, key =>
        {
            slaveKeys.Add(key);
            return true;
        });
        m.Readiness.Subscribe(Poll.ReadWait | Poll.WriteWait, key =>
        {
            masterKeys.Add(key);
            return true;
        });
        Assert.Equal(Poll.Writable, s.PollEvents());
        Assert.Equal(Poll.Writable, m.PollEvents());
        Put(m, "hi\n");
        Assert.Contains(Poll.Readable, masterKeys); // the echo
        Assert.NotEmpty(slaveKeys);
        Assert.Equal(Poll.Readable | Poll.Writable, s.PollEvents());
        Assert.Equal(Poll.Readable | Poll.Writable, m.PollEvents());
        slaveKeys.Clear();
        Assert.Equal("hi\r\n", Read(m));
        Assert.Contains(Poll.Writable, slaveKeys);
        masterKeys.Clear();
        Put(s, "x");
        Assert.Equal([Poll.Readable], masterKeys);
    }

    [Fact]
    public void Master_reads_eio_once_every_slave_closed()
    {
        var (m, s) = OpenPair();
        Assert.Equal(Again, Read(m));
        Put(s, "z");
        s.DropReference();
        Assert.Equal("z", Read(m));
        Assert.Equal($"-{Errno.EIO}", Read(m));
        Assert.Equal(0x10, m.PollEvents() & 0x10);
    }

    [Fact]
    public void Full_input_holds_back_the_master_writer()
    {
        var (m, s) = OpenPair();
        var t = Attrs(s);
        t.LFlag = 0;
        SetAttrs(s, t);
        var big = new byte[Pty.InputCapacity + LineDiscipline.BufferSize];
        long n = m.Write(big);
        Assert.True(n >= Pty.InputCapacity && n < big.Length, $"wrote {n}");
        Assert.Equal(Err(Errno.EAGAIN), m.Write("x"u8));
        Assert.Equal(0, m.PollEvents() & 0x4);
        var sink = new byte[8192];
        Assert.Equal(LineDiscipline.BufferSize - 1, s.Read(sink));
        Assert.Equal(1, m.Write("x"u8));
    }

    [Fact]
    public void Dev_tty_opens_the_controlling_terminal_and_open_attaches_it()
    {
        var master = (PtyMasterFile)_t.Open(_t.Root, "/dev/ptmx", O_RDWR);
        Ioctl(master, TtyIoctl.TIOCSPTLCK, Int(0));
        var opener = new DevfsTests.FakeOpener(pid: 9, pgid: 9, sid: 9);
        using (DeviceOpen.For(opener))
        {
            // A master never becomes a controlling terminal; a slave opened without O_NOCTTY does.
            Assert.Equal(0, _t.OpenErr(_t.Root, "/dev/ptmx", O_RDWR));
            Assert.Null(opener.ControllingTerminal);
            _t.Open(_t.Root, $"/dev/pts/{master.Pty.Index}", O_RDWR);
            Assert.Same(master.Pty.Slave, opener.ControllingTerminal);
            Assert.Equal(9, master.Pty.Slave.Session);
            Assert.Equal(9, master.Pty.Slave.ForegroundGroup);
            var tty = _t.Open(_t.Root, "/dev/tty", O_RDWR);
            Assert.IsType<PtySlaveFile>(tty);
            Assert.Equal(0, tty.Stat(out var st));
            Assert.Equal(StatInfo.MakeDev(5, 0), st.Rdev);
        }
        var other = new DevfsTests.FakeOpener(pid: 10, pgid: 10, sid: 10);
        using (DeviceOpen.For(other)) _t.Open(_t.Root, $"/dev/pts/{master.Pty.Index}", O_RDWR);
        Assert.Null(other.ControllingTerminal); // another session has it already
    }
}
