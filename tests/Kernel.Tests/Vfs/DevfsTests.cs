using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.AtFlags;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

public sealed class DevfsTests : IDisposable
{
    private readonly VfsTestRoot _t = new();
    public void Dispose() => _t.Dispose();

    [Fact]
    public void DevNullSwallowsWritesAndReadsEof()
    {
        var f = _t.Open(_t.User, "/dev/null", O_RDWR);
        Assert.Equal(5, Write(f, "12345"));
        Assert.Equal(0, f.Read(new byte[10]));
        Assert.Equal(0, f.Seek(100, SEEK_SET));
        Assert.Equal(0, f.Stat(out var st));
        Assert.Equal(S_IFCHR | 0x1B6 /* 0666 */, st.Mode);
        Assert.Equal(StatInfo.MakeDev(1, 3), st.Rdev);
    }

    [Fact]
    public void DevZeroAndFull()
    {
        var z = _t.Open(_t.Root, "/dev/zero", O_RDWR);
        var buf = Enumerable.Repeat((byte)0xFF, 64).ToArray();
        Assert.Equal(64, z.Read(buf));
        Assert.All(buf, b => Assert.Equal(0, b));
        Assert.Equal(3, Write(z, "abc"));
        var full = _t.Open(_t.Root, "/dev/full", O_RDWR);
        Assert.Equal(Err(Errno.ENOSPC), Write(full, "abc"));
        buf[0] = 1;
        Assert.Equal(64, full.Read(buf));
        Assert.Equal(0, buf[0]);
        var ro = _t.Open(_t.Root, "/dev/zero", O_RDONLY);
        Assert.Equal(Err(Errno.EBADF), Write(ro, "x"));
    }

    [Fact]
    public void UrandomGivesVaryingBytes()
    {
        var f = _t.Open(_t.Root, "/dev/urandom");
        var a = new byte[64];
        var b = new byte[64];
        Assert.Equal(64, f.Read(a));
        Assert.Equal(64, f.Read(b));
        Assert.NotEqual(a, b);
        Assert.True(a.Distinct().Count() > 8);
        Assert.Equal(0, _t.OpenErr(_t.Root, "/dev/random"));
    }

    [Fact]
    public void TtyWithoutControllingTerminalIsEnxio()
    {
        Assert.Equal(Err(Errno.ENXIO), _t.OpenErr(_t.Root, "/dev/tty", O_RDWR));
        var opener = new FakeOpener();
        using (DeviceOpen.For(opener)) Assert.Equal(Err(Errno.ENXIO), _t.OpenErr(_t.Root, "/dev/tty", O_RDWR));
        opener.ControllingTerminal = new NullTerminal();
        using (DeviceOpen.For(opener)) Assert.Equal(0, _t.OpenErr(_t.Root, "/dev/tty", O_RDWR));
    }

    /// <summary>A process as devices see it, for opens outside a sandbox.</summary>
    internal sealed class FakeOpener(int pid = 1, int pgid = 1, int sid = 1) : IDeviceOpener
    {
        public int Pid { get; } = pid;
        public int Pgid { get; } = pgid;
        public int Sid { get; } = sid;
        public Credentials Creds => Credentials.Root;
        public Terminal? ControllingTerminal { get; set; }
    }

    private sealed class NullTerminal : Terminal
    {
        public override long OpenAgain(Location location, int flags, out OpenFile? file)
        {
            file = new NullDevice(location, flags);
            return 0;
        }
    }

    [Fact]
    public void StdioLinksAndDirectories()
    {
        Assert.Equal(0, _t.Vfs.ReadLink(_t.Root, null, "/dev/stdout", out var t));
        Assert.Equal("/proc/self/fd/1", t);
        Assert.Equal(0, _t.Vfs.ReadLink(_t.Root, null, "/dev/fd", out t));
        Assert.Equal("/proc/self/fd", t);
        var names = DirentReader.ReadAllNames(_t.Open(_t.Root, "/dev", O_RDONLY | O_DIRECTORY));
        foreach (var n in new[] { "null", "zero", "full", "random", "urandom", "tty", "console", "ptmx", "stdin", "stdout", "stderr", "fd", "shm", "pts" })
            Assert.Contains(n, names);
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/dev/pts", 0, out var pts));
        Assert.Equal(S_IFDIR, pts.Mode & S_IFMT);
    }

    [Fact]
    public void DevShmIsAWritableTmpfs()
    {
        var f = _t.Open(_t.User, "/dev/shm/seg", O_CREAT | O_RDWR);
        Assert.Equal(4, Write(f, "shmm"));
        Assert.Equal(0, _t.Vfs.StatFs(_t.User, null, "/dev/shm", out var st));
        Assert.Equal(StatFsInfo.TMPFS_MAGIC, st.Type);
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/dev/shm", 0, out var s));
        Assert.Equal(0x3FFu /* 01777 */, s.Mode & 0xFFF);
        Assert.Equal("/dev/shm/seg", f.Location!.GuestPath);
    }
}
