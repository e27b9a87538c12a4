using System.IO.Pipes;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

public sealed class HostStdioFileTests
{
    [Fact]
    public void RegularHostFileIsSeekableAndNotATerminal()
    {
        string path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, "0123456789");
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
            Assert.Equal(0, HostStdioFile.FromHostFd((int)handle.DangerousGetHandle(), O_RDWR, out var f));
            Assert.False(f!.IsTerminal);
            var buf = new byte[4];
            Assert.Equal(4, f.PRead(buf, 3));
            Assert.Equal("3456"u8.ToArray(), buf);
            Assert.Equal(8, f.Seek(-2, SEEK_END));
            Assert.Equal(2, f.Read(buf));
            Assert.Equal(2, f.Write("ab"u8));
            Assert.Equal(Err(Errno.ENOTTY), f.Ioctl(HostStdioFile.TCGETS, default, new byte[64]));
            Assert.Equal(Err(Errno.ENOTTY), f.Ioctl(HostStdioFile.TIOCGWINSZ, default, new byte[8]));
            Assert.Equal(0, f.Stat(out var st));
            Assert.Equal(12, st.Size);
            f.Release();
            Assert.Equal("0123456789ab", File.ReadAllText(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void HostPipeGivesEspipe()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        Assert.Equal(0, HostStdioFile.FromHostFd((int)server.SafePipeHandle.DangerousGetHandle(), O_WRONLY, out var w));
        Assert.Equal(3, w!.Write("abc"u8));
        Assert.Equal(Err(Errno.ESPIPE), w.PWrite("x"u8, 0));
        Assert.Equal(Err(Errno.ESPIPE), w.Seek(0, SEEK_CUR));
        Assert.Equal(Err(Errno.EBADF), w.Read(new byte[1]));
        var buf = new byte[3];
        Assert.Equal(3, client.Read(buf));
        Assert.Equal("abc"u8.ToArray(), buf);
        w.Release();
    }
}
