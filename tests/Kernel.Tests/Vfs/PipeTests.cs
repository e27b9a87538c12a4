using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

public sealed class PipeTests
{
    [Fact]
    public void DataFlowsAndEofFollowsTheLastWriterClosing()
    {
        var (r, w) = Pipe.Create(0);
        var pipe = ((PipeEnd)r).Pipe;
        Assert.True(pipe.ReadWouldBlock);
        Assert.Equal(Err(Errno.EAGAIN), r.Read(new byte[8]));
        Assert.Equal(5, w.Write("hello"u8));
        Assert.False(pipe.ReadWouldBlock);
        var buf = new byte[3];
        Assert.Equal(3, r.Read(buf));
        Assert.Equal("hel"u8.ToArray(), buf);
        Assert.Equal(2, r.Read(buf));
        Assert.Equal(Err(Errno.EAGAIN), r.Read(buf));
        w.Write("xy"u8);
        w.Release();
        Assert.Equal(2, r.Read(buf)); // buffered data is still delivered
        Assert.Equal(0, r.Read(buf));
        Assert.False(pipe.ReadWouldBlock);
    }

    [Fact]
    public void WriteWithoutReadersIsEpipe()
    {
        var (r, w) = Pipe.Create(O_NONBLOCK);
        r.Release();
        Assert.Equal(Err(Errno.EPIPE), w.Write("x"u8));
        Assert.True(w.NonBlocking);
    }

    [Fact]
    public void FullPipeGivesEagainAndSmallWritesAreAtomic()
    {
        var (r, w) = Pipe.Create(0);
        var pipe = ((PipeEnd)w).Pipe;
        Assert.Equal(Pipe.DefaultCapacity, pipe.Capacity);
        // 65436 bytes take all 16 page slots (the last one 3996 bytes long).
        var big = new byte[Pipe.DefaultCapacity - 100];
        Assert.Equal(big.Length, w.Write(big));
        // 100 bytes are left in the last page, but a 200-byte write (<= PIPE_BUF) is never split.
        Assert.False(pipe.CanWrite(200));
        Assert.Equal(Err(Errno.EAGAIN), w.Write(new byte[200]));
        Assert.Equal(Pipe.DefaultCapacity - 100, pipe.Available);
        // As in Linux, a larger write goes into new slots only: there are none.
        Assert.Equal(Err(Errno.EAGAIN), w.Write(new byte[5000]));
        Assert.True(pipe.WriteWouldBlock);
        // Small writes still fill the last page.
        Assert.Equal(100, w.Write(new byte[100]));
        Assert.Equal(Err(Errno.EAGAIN), w.Write(new byte[1]));
        Assert.Equal(4096, r.Read(new byte[4096]));
        Assert.False(pipe.WriteWouldBlock);
        Assert.Equal(4096, w.Write(new byte[4096]));
    }

    [Fact]
    public void SmallWritesMergeIntoThePageOfTheLastOne()
    {
        var (r, w) = Pipe.Create(O_NONBLOCK);
        var pipe = ((PipeEnd)w).Pipe;
        // 65536 one-byte writes fill the pipe exactly: each lands in the last page while it has room.
        for (int i = 0; i < Pipe.DefaultCapacity; i++) Assert.Equal(1, w.Write("z"u8));
        Assert.Equal(Err(Errno.EAGAIN), w.Write("z"u8));
        Assert.Equal(Pipe.DefaultCapacity, pipe.Available);
        Assert.Equal(1, r.Read(new byte[1]));
        // One byte free in the first page, but merging only ever appends to the last page.
        Assert.Equal(Err(Errno.EAGAIN), w.Write("z"u8));
    }

    [Fact]
    public void PacketModeReadsReturnOnePacketAndDropItsRest()
    {
        var (r, w) = Pipe.Create(O_DIRECT | O_NONBLOCK);
        var pipe = ((PipeEnd)w).Pipe;
        Assert.Equal(3, w.Write("abc"u8));
        Assert.Equal(2, w.Write("de"u8));
        Assert.Equal(5, pipe.Available);
        var buf = new byte[10];
        Assert.Equal(2, r.Read(buf.AsSpan(0, 2)));
        Assert.Equal(2, r.Read(buf));
        Assert.Equal("de"u8.ToArray(), buf[..2]);
        Assert.Equal(0, pipe.Available);
        // A packet per slot: 16 packets fill the pipe whatever their size.
        for (int i = 0; i < 16; i++) Assert.Equal(1, w.Write("p"u8));
        Assert.Equal(Err(Errno.EAGAIN), w.Write("p"u8));
        // Packets larger than a page are cut into pages.
        while (r.Read(buf) > 0) { }
        Assert.Equal(5000, w.Write(new byte[5000]));
        Assert.Equal(4096, r.Read(new byte[8192]));
        Assert.Equal(904, r.Read(new byte[8192]));
    }

    [Fact]
    public void RingBufferKeepsOrderAcrossTheWrap()
    {
        var (r, w) = Pipe.Create(0);
        var data = Enumerable.Range(0, 70000).Select(i => (byte)(i * 7)).ToArray();
        var got = new List<byte>();
        int sent = 0;
        var buf = new byte[3000];
        while (got.Count < data.Length)
        {
            if (sent < data.Length)
            {
                long n = w.Write(data.AsSpan(sent, Math.Min(9000, data.Length - sent)));
                if (n > 0) sent += (int)n;
            }
            long m = r.Read(buf);
            if (m > 0) got.AddRange(buf[..(int)m]);
        }
        Assert.Equal(data, got.ToArray());
    }

    [Fact]
    public void WaitersAreNotifiedOnWritesReadsAndCloses()
    {
        var (r, w) = Pipe.Create(0);
        var pipe = ((PipeEnd)r).Pipe;
        int count = 0;
        var keys = new List<int>();
        pipe.Waiters.Subscribe(~0, key => { count++; keys.Add(key); return true; });
        w.Write("a"u8);
        Assert.Equal(1, count);
        r.Read(new byte[1]);
        Assert.Equal(2, count);
        // Writes wake readers, reads wake writers (the keys filter epoll's and parked calls' interest).
        Assert.Equal([Poll.Readable, Poll.Writable], keys);
        Assert.Equal(Err(Errno.EAGAIN), r.Read(new byte[1]));
        Assert.Equal(2, count); // nothing changed
        w.Release();
        Assert.Equal(3, count);
        w.Release(); // a second release is ignored
        Assert.Equal(3, count);
        Assert.Equal(1, pipe.Readers);
        Assert.Equal(0, pipe.Writers);
    }

    [Fact]
    public void PipesDoNotSeekAndStatAsFifo()
    {
        var (r, w) = Pipe.Create(0);
        Assert.Equal(Err(Errno.ESPIPE), r.Seek(0, SEEK_SET));
        Assert.Equal(Err(Errno.ESPIPE), r.PRead(new byte[1], 0));
        Assert.Equal(Err(Errno.ESPIPE), w.PWrite(new byte[1], 0));
        Assert.Equal(Err(Errno.EBADF), r.Write("x"u8));
        Assert.Equal(Err(Errno.EBADF), w.Read(new byte[1]));
        Assert.Null(r.Location);
        w.Write("abc"u8);
        Assert.Equal(0, r.Stat(out var st));
        Assert.Equal(S_IFIFO, st.Mode & S_IFMT);
        Assert.Equal(0, w.Stat(out var st2));
        Assert.Equal(st.Ino, st2.Ino);
        var n = new byte[4];
        Assert.Equal(0, r.Ioctl(0x541B, default, n));
        Assert.Equal(3, BitConverter.ToInt32(n));
    }

    [Fact]
    public void ConcurrentWritersOfSmallRecordsNeverInterleave()
    {
        var (r, w) = Pipe.Create(0);
        const int Writers = 2, Records = 2000, Size = 100;
        var threads = Enumerable.Range(0, Writers).Select(id => new Thread(() =>
        {
            var rec = Enumerable.Repeat((byte)('A' + id), Size).ToArray();
            for (int i = 0; i < Records; i++)
                while (w.Write(rec) == Err(Errno.EAGAIN)) Thread.Yield();
        })).ToList();
        threads.ForEach(t => t.Start());
        var all = new List<byte>();
        var buf = new byte[4096];
        while (all.Count < Writers * Records * Size)
        {
            long n = r.Read(buf);
            if (n > 0) all.AddRange(buf[..(int)n]);
            else Thread.Yield();
        }
        threads.ForEach(t => t.Join());
        for (int i = 0; i < all.Count; i += Size)
            Assert.True(all.Skip(i).Take(Size).All(b => b == all[i]), $"record at {i} is interleaved");
    }
}
