using System.Buffers.Binary;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

public sealed class LayoutTests : IDisposable
{
    private readonly VfsTestRoot _t = new();
    public void Dispose() => _t.Dispose();

    [Fact]
    public void Arm64StatLayout()
    {
        var st = new StatInfo(Dev: 0x0102, Ino: 0x1122334455667788, Mode: 0x81A4, Nlink: 3, Uid: 1000, Gid: 1001, Rdev: 0x0503,
            Size: 0x123456789A, BlkSize: 4096, Blocks: 77, AtimeSec: 1700000001, AtimeNsec: 11, MtimeSec: 1700000002, MtimeNsec: 22,
            CtimeSec: 1700000003, CtimeNsec: 33);
        var b = new byte[140];
        b.AsSpan().Fill(0xEE);
        st.WriteArm64Stat(b);
        Assert.Equal(0x0102UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(0)));
        Assert.Equal(0x1122334455667788UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(8)));
        Assert.Equal(0x81A4u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(16)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(20)));
        Assert.Equal(1000u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(24)));
        Assert.Equal(1001u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(28)));
        Assert.Equal(0x0503UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(32)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(40)));
        Assert.Equal(0x123456789AL, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(48)));
        Assert.Equal(4096, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(56)));
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(b.AsSpan(60)));
        Assert.Equal(77L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(64)));
        Assert.Equal(1700000001L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(72)));
        Assert.Equal(11L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(80)));
        Assert.Equal(1700000002L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(88)));
        Assert.Equal(22L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(96)));
        Assert.Equal(1700000003L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(104)));
        Assert.Equal(33L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(112)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(120)));
        Assert.All(b[128..], x => Assert.Equal(0xEE, x)); // exactly 128 bytes written
    }

    [Fact]
    public void StatOfARealFileWritesItsSizeAndMode()
    {
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/file.txt", 0, out var st));
        var b = new byte[128];
        st.WriteArm64Stat(b);
        Assert.Equal(S_IFREG, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(16)) & S_IFMT);
        Assert.Equal(11L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(48)));
    }

    [Fact]
    public void DevEncodingMatchesLinux()
    {
        Assert.Equal(0x103UL, StatInfo.MakeDev(1, 3));
        ulong big = StatInfo.MakeDev(0x1234, 0x56789);
        Assert.Equal(0x1234u, StatInfo.Major(big));
        Assert.Equal(0x56789u, StatInfo.Minor(big));
    }

    [Fact]
    public void Arm64StatFsLayout()
    {
        var s = new StatFsInfo(Type: 0x01021994, BlockSize: 4096, Blocks: 10, BlocksFree: 9, BlocksAvailable: 8, Files: 7, FilesFree: 6,
            FsId: 0xABCD, NameLen: 255, FragmentSize: 4096, Flags: 0x21);
        var b = new byte[130];
        b.AsSpan().Fill(0xEE);
        s.WriteArm64StatFs(b);
        long[] expect = [0x01021994, 4096, 10, 9, 8, 7, 6, 0xABCD, 255, 4096, 0x21, 0, 0, 0, 0];
        for (int i = 0; i < expect.Length; i++) Assert.Equal(expect[i], BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(i * 8)));
        Assert.All(b[120..], x => Assert.Equal(0xEE, x));
    }

    [Fact]
    public void StatxLayout()
    {
        var st = new StatInfo(StatInfo.MakeDev(8, 1), 42, 0x41ED, 2, 5, 6, StatInfo.MakeDev(1, 3), 4096, 4096, 8, 10, 1, 20, 2, 30, 3)
        {
            Btime = new Timespec(7, 9),
        };
        var b = new byte[256];
        st.WriteStatx(b, new StatxContext(StatInfo.STATX_BASIC_STATS, 77, true, 0));
        // Birth time only when asked for; the mount id always.
        Assert.Equal(0x17FFu, BinaryPrimitives.ReadUInt32LittleEndian(b));
        Assert.Equal(0L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(80)));
        Assert.Equal(77UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(144)));
        Assert.Equal(StatInfo.STATX_ATTR_MOUNT_ROOT, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(8)));
        st.WriteStatx(b, new StatxContext(0xFFF, 77, false, 0));
        Assert.Equal(0x1FFFu, BinaryPrimitives.ReadUInt32LittleEndian(b));
        Assert.Equal(7L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(80)));
        Assert.Equal(9u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(88)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(8)));
        Assert.Equal(0x41ED, BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(28)));
        Assert.Equal(42UL, BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(32)));
        Assert.Equal(20L, BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(112)));
        Assert.Equal(8u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(136)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(140)));
        Assert.Equal(3u, BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(132)));
    }

    [Fact]
    public void GetDents64RecordLayout()
    {
        Assert.Equal(0, _t.Vfs.MakeDir(_t.Root, null, "/tmp/d", 0x1ED));
        _t.Open(_t.Root, "/tmp/d/abcde", O_CREAT | O_WRONLY).Release();
        var dir = _t.Open(_t.Root, "/tmp/d", O_RDONLY | O_DIRECTORY);
        var buf = new byte[4096];
        long n = dir.GetDents64(buf);
        // ".", "..", "abcde": 19-byte header + name + NUL, rounded up to 8.
        Assert.Equal(24 + 24 + 32, n);
        int pos = 0;
        var names = new List<string>();
        long prevOff = 0;
        while (pos < n)
        {
            int reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(pos + 16));
            Assert.Equal(0, reclen % 8);
            long off = BinaryPrimitives.ReadInt64LittleEndian(buf.AsSpan(pos + 8));
            Assert.True(off > prevOff);
            prevOff = off;
            int nul = Array.IndexOf(buf, (byte)0, pos + 19);
            names.Add(System.Text.Encoding.ASCII.GetString(buf, pos + 19, nul - pos - 19));
            Assert.True(nul < pos + reclen);
            if (names[^1] == "abcde") Assert.Equal(DT_REG, buf[pos + 18]);
            else Assert.Equal(DT_DIR, buf[pos + 18]);
            pos += reclen;
        }
        Assert.Equal(["." , "..", "abcde"], names.ToArray());
        Assert.Equal(0, dir.GetDents64(buf));
    }

    [Fact]
    public void GetDents64ResumesAcrossSmallBuffersAndCookies()
    {
        Assert.Equal(0, _t.Vfs.MakeDir(_t.Root, null, "/tmp/many", 0x1ED));
        for (int i = 0; i < 20; i++) _t.Open(_t.Root, $"/tmp/many/entry-{i:D2}", O_CREAT | O_WRONLY).Release();
        var whole = DirentReader.ReadAll(_t.Open(_t.Root, "/tmp/many", O_RDONLY | O_DIRECTORY), 65536);
        Assert.Equal(22, whole.Count);
        // A 40-byte buffer holds one 32-byte record at a time.
        var small = DirentReader.ReadAll(_t.Open(_t.Root, "/tmp/many", O_RDONLY | O_DIRECTORY), 40);
        Assert.Equal(whole.Select(r => r.Name), small.Select(r => r.Name));
        // Too small for even one record: EINVAL, and nothing is consumed.
        var dir = _t.Open(_t.Root, "/tmp/many", O_RDONLY | O_DIRECTORY);
        Assert.Equal(Err(Errno.EINVAL), dir.GetDents64(new byte[10]));
        // seekdir to a d_off cookie continues right after that record.
        var cookie = whole[5].Off;
        Assert.Equal(cookie, dir.Seek(cookie, SEEK_SET));
        var rest = DirentReader.ReadAll(dir);
        Assert.Equal(whole.Skip(6).Select(r => r.Name), rest.Select(r => r.Name));
        Assert.Equal(Err(Errno.ENOTDIR), _t.Open(_t.Root, "/file.txt").GetDents64(new byte[100]));
        Assert.Equal(Err(Errno.EINVAL), dir.Seek(0, SEEK_END));
    }
}
