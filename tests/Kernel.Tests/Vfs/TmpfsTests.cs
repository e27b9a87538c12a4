using System.Text;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.AtFlags;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

public sealed class TmpfsTests : IDisposable
{
    private readonly VfsTestRoot _t = new();
    private VirtualFileSystem V => _t.Vfs;
    private FsContext R => _t.Root;
    public void Dispose() => _t.Dispose();

    [Fact]
    public void CreateWriteSeekRead()
    {
        var f = _t.Open(R, "/tmp/a", O_CREAT | O_RDWR | O_EXCL, 0x1B6 /* 0666 */);
        Assert.Equal(11, Write(f, "hello world"));
        Assert.Equal(6, f.Seek(-5, SEEK_END));
        Assert.Equal(3, Write(f, "WOR"));
        Assert.Equal(0, f.Seek(0, SEEK_SET));
        Assert.Equal("hello WORld", ReadAll(f));
        Assert.Equal(0, f.Stat(out var st));
        Assert.Equal(11, st.Size);
        Assert.Equal(S_IFREG | 0x1A4 /* 0666 & ~022 */, st.Mode);
        // Writing past the end leaves a hole of zeros.
        Assert.Equal(4, f.PWrite("tail"u8, 20));
        var buf = new byte[24];
        Assert.Equal(24, f.PRead(buf, 0));
        Assert.Equal("hello WORld\0\0\0\0\0\0\0\0\0tail", Encoding.ASCII.GetString(buf));
        Assert.Equal(0, f.PRead(buf, 100));
        Assert.Equal(Err(Errno.EINVAL), f.PRead(buf, -1));
        f.Release();
        Assert.Equal("hello WORld\0\0\0\0\0\0\0\0\0tail", _t.ReadFile(R, "/tmp/a"));
    }

    [Fact]
    public void OpenFlagsSemantics()
    {
        var f = _t.Open(R, "/tmp/b", O_CREAT | O_WRONLY);
        Write(f, "0123456789");
        Assert.Equal(Err(Errno.EBADF), f.Read(new byte[4]));
        f.Release();
        Assert.Equal(Err(Errno.EEXIST), _t.OpenErr(R, "/tmp/b", O_CREAT | O_EXCL | O_WRONLY));
        Assert.Equal(0, V.Symlink(R, "/tmp/nowhere", null, "/tmp/dangle"));
        Assert.Equal(Err(Errno.EEXIST), _t.OpenErr(R, "/tmp/dangle", O_CREAT | O_EXCL | O_WRONLY));
        Assert.Equal(Err(Errno.ELOOP), _t.OpenErr(R, "/tmp/dangle", O_CREAT | O_NOFOLLOW | O_WRONLY));
        // Without O_EXCL the dangling link's target is created.
        Assert.Equal(0, _t.OpenErr(R, "/tmp/dangle", O_CREAT | O_WRONLY));
        Assert.Equal(0, V.Stat(R, null, "/tmp/nowhere", 0, out _));
        Assert.Equal(Err(Errno.EISDIR), _t.OpenErr(R, "/tmp/newfile/", O_CREAT | O_WRONLY));
        Assert.Equal(Err(Errno.ENOENT), _t.OpenErr(R, "/tmp/missing/x", O_CREAT | O_WRONLY));

        var ro = _t.Open(R, "/tmp/b", O_RDONLY | O_TRUNC);
        Assert.Equal(0, ro.Stat(out var st));
        Assert.Equal(0, st.Size);
        Assert.Equal(Err(Errno.EBADF), Write(ro, "x"));

        var ap = _t.Open(R, "/tmp/b", O_WRONLY | O_APPEND);
        Write(ap, "ab");
        Assert.Equal(0, ap.Seek(0, SEEK_SET));
        Write(ap, "cd");
        Assert.Equal("abcd", _t.ReadFile(R, "/tmp/b"));
    }

    [Fact]
    public void UmaskAndPermissionsApply()
    {
        var ctx = _t.User.Clone();
        ctx.Umask = 0x3F; // 077
        var f = _t.Open(ctx, "/tmp/mine", O_CREAT | O_WRONLY, 0x1FF);
        Assert.Equal(0, f.Stat(out var st));
        Assert.Equal(S_IFREG | 0x1C0 /* 0700 */, st.Mode);
        Assert.Equal(1000u, st.Uid);
        Assert.Equal(0, V.MakeDir(ctx, null, "/tmp/mydir", 0x1FF));
        Assert.Equal(0, V.Stat(ctx, null, "/tmp/mydir", 0, out var dst));
        Assert.Equal(S_IFDIR | 0x1C0, dst.Mode);

        // Root's 0644 file: the user may read but not write; root may do both.
        _t.Open(R, "/tmp/rootfile", O_CREAT | O_WRONLY, 0x1A4).Release();
        Assert.Equal(0, _t.OpenErr(_t.User, "/tmp/rootfile", O_RDONLY));
        Assert.Equal(Err(Errno.EACCES), _t.OpenErr(_t.User, "/tmp/rootfile", O_WRONLY));
        Assert.Equal(Err(Errno.EACCES), _t.OpenErr(_t.User, "/tmp/rootfile", O_RDONLY | O_TRUNC));
        Assert.Equal(0, _t.OpenErr(R, "/tmp/mine", O_RDWR));
        // /tmp is sticky: the user cannot remove or rename root's file there.
        Assert.Equal(Err(Errno.EPERM), V.Unlink(_t.User, null, "/tmp/rootfile", 0));
        Assert.Equal(Err(Errno.EPERM), V.Rename(_t.User, null, "/tmp/rootfile", null, "/tmp/stolen", 0));
        Assert.Equal(0, V.Unlink(_t.User, null, "/tmp/mine", 0));
        // Root's 0755 directory: no creating inside for the user.
        Assert.Equal(0, V.MakeDir(R, null, "/tmp/rootdir", 0x1ED));
        Assert.Equal(Err(Errno.EACCES), _t.OpenErr(_t.User, "/tmp/rootdir/x", O_CREAT | O_WRONLY));
        Assert.Equal(Err(Errno.EACCES), V.MakeDir(_t.User, null, "/tmp/rootdir/d", 0x1ED));
        Assert.Equal(0, V.Resolve(R, null, "/tmp/rootfile", 0, out var loc));
        Assert.Equal(Err(Errno.EPERM), V.SetMode(_t.User, loc, 0x1FF));
        Assert.Equal(0, V.SetMode(R, loc, 0x1B6));
        Assert.Equal(0, _t.OpenErr(_t.User, "/tmp/rootfile", O_WRONLY));
    }

    [Fact]
    public void RenameReplacesAndHonoursFlags()
    {
        File(R, "/tmp/x", "X");
        File(R, "/tmp/y", "Y");
        Assert.Equal(Err(Errno.EEXIST), V.Rename(R, null, "/tmp/x", null, "/tmp/y", RENAME_NOREPLACE));
        Assert.Equal(0, V.Rename(R, null, "/tmp/x", null, "/tmp/y", RENAME_EXCHANGE));
        Assert.Equal("Y", _t.ReadFile(R, "/tmp/x"));
        Assert.Equal("X", _t.ReadFile(R, "/tmp/y"));
        Assert.Equal(0, V.Rename(R, null, "/tmp/x", null, "/tmp/y", 0));
        Assert.Equal("Y", _t.ReadFile(R, "/tmp/y"));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(R, null, "/tmp/x", 0, out _));
        Assert.Equal(Err(Errno.ENOENT), V.Rename(R, null, "/tmp/y", null, "/tmp/z", RENAME_EXCHANGE));
        Assert.Equal(Err(Errno.EINVAL), V.Rename(R, null, "/tmp/y", null, "/tmp/z", RENAME_EXCHANGE | RENAME_NOREPLACE));
        Assert.Equal(Err(Errno.EXDEV), V.Rename(R, null, "/tmp/y", null, "/dev/shm/y", 0));

        Assert.Equal(0, V.MakeDir(R, null, "/tmp/d1", 0x1ED));
        Assert.Equal(0, V.MakeDir(R, null, "/tmp/d1/inner", 0x1ED));
        Assert.Equal(Err(Errno.EINVAL), V.Rename(R, null, "/tmp/d1", null, "/tmp/d1/inner/d", 0));
        Assert.Equal(Err(Errno.EISDIR), V.Rename(R, null, "/tmp/y", null, "/tmp/d1", 0));
        Assert.Equal(Err(Errno.ENOTDIR), V.Rename(R, null, "/tmp/d1", null, "/tmp/y", 0));
        Assert.Equal(0, V.MakeDir(R, null, "/tmp/d2", 0x1ED));
        Assert.Equal(Err(Errno.ENOTEMPTY), V.Rename(R, null, "/tmp/d2", null, "/tmp/d1", 0));
        // Moving a directory keeps paths and ".." right.
        var ctx = R.Clone();
        Assert.Equal(0, V.ChangeDir(ctx, null, "/tmp/d1/inner"));
        Assert.Equal(0, V.Rename(R, null, "/tmp/d1", null, "/tmp/d2/moved", 0));
        Assert.Equal("/tmp/d2/moved/inner", ctx.Cwd.GuestPath);
        Assert.Equal(0, V.Stat(ctx, null, "../../../y", 0, out var st));
        Assert.Equal(1, st.Size);
        Assert.Equal(0, V.Stat(R, null, "/tmp/d2", 0, out var d2));
        Assert.Equal(3u, d2.Nlink);
    }

    [Fact]
    public void UnlinkWhileOpenKeepsTheData()
    {
        var f = _t.Open(R, "/tmp/gone", O_CREAT | O_RDWR);
        Write(f, "still here");
        Assert.Equal(0, V.Unlink(R, null, "/tmp/gone", 0));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(R, null, "/tmp/gone", 0, out _));
        Assert.Equal(0, f.Seek(0, SEEK_SET));
        Assert.Equal("still here", ReadAll(f));
        Assert.Equal(0, f.Stat(out var st));
        Assert.Equal(0u, st.Nlink);
        Assert.Equal(4, Write(f, "more"));
    }

    [Fact]
    public void HardLinksShareTheInode()
    {
        File(R, "/tmp/orig", "data");
        Assert.Equal(0, V.Link(R, null, "/tmp/orig", null, "/tmp/alias", 0));
        Assert.Equal(0, V.Stat(R, null, "/tmp/orig", 0, out var a));
        Assert.Equal(0, V.Stat(R, null, "/tmp/alias", 0, out var b));
        Assert.Equal(a.Ino, b.Ino);
        Assert.Equal(2u, b.Nlink);
        Assert.Equal(Err(Errno.EEXIST), V.Link(R, null, "/tmp/orig", null, "/tmp/alias", 0));
        Assert.Equal(Err(Errno.EXDEV), V.Link(R, null, "/tmp", null, "/dev/shm/t", 0)); // the mount check comes first
        Assert.Equal(0, V.MakeDir(R, null, "/tmp/dd", 0x1ED));
        Assert.Equal(Err(Errno.EPERM), V.Link(R, null, "/tmp/dd", null, "/tmp/dd2", 0));
        Assert.Equal(Err(Errno.EXDEV), V.Link(R, null, "/tmp/orig", null, "/dev/shm/o", 0));
        Assert.Equal(0, V.Unlink(R, null, "/tmp/orig", 0));
        Assert.Equal("data", _t.ReadFile(R, "/tmp/alias"));
        Assert.Equal(0, V.Stat(R, null, "/tmp/alias", 0, out b));
        Assert.Equal(1u, b.Nlink);
    }

    [Fact]
    public void DirectoriesAndRemoval()
    {
        Assert.Equal(0, V.MakeDir(R, null, "/tmp/d/", 0x1ED));
        Assert.Equal(Err(Errno.EEXIST), V.MakeDir(R, null, "/tmp/d", 0x1ED));
        Assert.Equal(Err(Errno.ENOENT), V.MakeDir(R, null, "/tmp/no/d", 0x1ED));
        File(R, "/tmp/d/f", "1");
        Assert.Equal(Err(Errno.ENOTEMPTY), V.Unlink(R, null, "/tmp/d", AT_REMOVEDIR));
        Assert.Equal(Err(Errno.EISDIR), V.Unlink(R, null, "/tmp/d", 0));
        Assert.Equal(Err(Errno.ENOTDIR), V.Unlink(R, null, "/tmp/d/f", AT_REMOVEDIR));
        Assert.Equal(Err(Errno.ENOTDIR), V.Unlink(R, null, "/tmp/d/f/", 0));
        Assert.Equal(Err(Errno.EINVAL), V.Unlink(R, null, "/tmp/d/.", AT_REMOVEDIR));
        Assert.Equal(Err(Errno.ENOTEMPTY), V.Unlink(R, null, "/tmp/d/..", AT_REMOVEDIR));
        Assert.Equal(Err(Errno.EINVAL), V.Unlink(R, null, "/tmp/d/f", 0x1));
        Assert.Equal(0, V.Unlink(R, null, "/tmp/d/f", 0));
        var ctx = R.Clone();
        Assert.Equal(0, V.ChangeDir(ctx, null, "/tmp/d"));
        Assert.Equal(0, V.Unlink(R, null, "/tmp/d/", AT_REMOVEDIR));
        Assert.Equal(Err(Errno.ENOENT), _t.OpenErr(ctx, "new", O_CREAT | O_WRONLY));
        Assert.EndsWith("(deleted)", ctx.Cwd.GuestPath);
        Assert.Equal(Err(Errno.EBUSY), V.Unlink(R, null, "/dev/shm", AT_REMOVEDIR));
    }

    [Fact]
    public void SymlinksInTmpfs()
    {
        Assert.Equal(0, V.Symlink(R, "../etc/passwd", null, "/tmp/pw"));
        Assert.Equal("guest-passwd\n", _t.ReadFile(R, "/tmp/pw"));
        Assert.Equal(0, V.ReadLink(R, null, "/tmp/pw", out var target));
        Assert.Equal("../etc/passwd", target);
        Assert.Equal(Err(Errno.EINVAL), V.ReadLink(R, null, "/etc/passwd", out _));
        Assert.Equal(Err(Errno.EEXIST), V.Symlink(R, "x", null, "/tmp/pw"));
        Assert.Equal(Err(Errno.ENOENT), V.Symlink(R, "", null, "/tmp/empty"));
        Assert.Equal(0, V.Unlink(R, null, "/tmp/pw", 0));
        Assert.Equal(0, V.Stat(R, null, "/etc/passwd", 0, out _));
    }

    [Fact]
    public void GetDentsListsCreatedEntries()
    {
        Assert.Equal(0, V.MakeDir(R, null, "/tmp/list", 0x1ED));
        var expected = new List<string> { ".", ".." };
        for (int i = 0; i < 50; i++)
        {
            File(R, $"/tmp/list/file-{i:D3}", "x");
            expected.Add($"file-{i:D3}");
        }
        Assert.Equal(0, V.MakeDir(R, null, "/tmp/list/sub", 0x1ED));
        expected.Add("sub");
        var dir = _t.Open(R, "/tmp/list", O_RDONLY | O_DIRECTORY);
        var recs = DirentReader.ReadAll(dir, 256);
        Assert.Equal(expected.Order(StringComparer.Ordinal), recs.Select(r => r.Name).Order(StringComparer.Ordinal));
        Assert.Equal(DT_DIR, recs.Single(r => r.Name == "sub").Type);
        Assert.Equal(DT_REG, recs.Single(r => r.Name == "file-007").Type);
        Assert.Equal(0, V.Stat(R, null, "/tmp/list/file-007", 0, out var st));
        Assert.Equal(st.Ino, recs.Single(r => r.Name == "file-007").Ino);
        Assert.Equal(0, V.Stat(R, null, "/tmp", 0, out var parent));
        Assert.Equal(parent.Ino, recs.Single(r => r.Name == "..").Ino);
        // rewinddir sees the current contents.
        Assert.Equal(0, V.Unlink(R, null, "/tmp/list/file-000", 0));
        Assert.Equal(0, dir.Seek(0, SEEK_SET));
        Assert.DoesNotContain("file-000", DirentReader.ReadAllNames(dir));
    }

    [Fact]
    public void TruncateAndSeekDataHole()
    {
        var f = _t.Open(R, "/tmp/sparse", O_CREAT | O_RDWR);
        Assert.Equal(0, f.Truncate(3 * 4096));
        Assert.Equal(1, f.PWrite("x"u8, 4096 + 10));
        Assert.Equal(4096, f.Seek(0, SEEK_DATA));
        Assert.Equal(0, f.Seek(0, SEEK_HOLE));
        Assert.Equal(8192, f.Seek(4096, SEEK_HOLE));
        Assert.Equal(Err(Errno.ENXIO), f.Seek(3 * 4096, SEEK_DATA));
        Assert.Equal(0, f.Truncate(4096 + 5));
        var buf = new byte[16];
        Assert.Equal(0, f.PRead(buf, 4096 + 5));
        Assert.Equal(0, f.Truncate(8192));
        Assert.Equal(16, f.PRead(buf, 4096));
        Assert.All(buf, b => Assert.Equal(0, b)); // the cut-off byte does not come back
        Assert.Equal(Err(Errno.EINVAL), f.Truncate(-1));
        Assert.Equal(0, V.Truncate(R, null, "/tmp/sparse", 1));
        Assert.Equal(0, f.Stat(out var st));
        Assert.Equal(1, st.Size);
        Assert.Equal(Err(Errno.EISDIR), V.Truncate(R, null, "/tmp", 1));
    }

    [Fact]
    public void TimestampsMove()
    {
        var f = _t.Open(R, "/tmp/t", O_CREAT | O_RDWR);
        Assert.Equal(0, V.Resolve(R, null, "/tmp/t", 0, out var loc));
        Assert.Equal(0, V.SetTimes(R, loc, new Timespec(1000, 5), new Timespec(2000, 7), true));
        Assert.Equal(0, f.Stat(out var st));
        Assert.Equal((1000L, 5L, 2000L, 7L), (st.AtimeSec, st.AtimeNsec, st.MtimeSec, st.MtimeNsec));
        Write(f, "x");
        Assert.Equal(0, f.Stat(out st));
        Assert.True(st.MtimeSec > 2000);
        Assert.Equal(Err(Errno.EPERM), V.SetTimes(_t.User, loc, new Timespec(1, 0), null, true));
    }

    [Fact]
    public void TmpFileCanBeLinkedIn()
    {
        var f = _t.Open(R, "/tmp", O_TMPFILE | O_RDWR, 0x1A4);
        Write(f, "anon");
        Assert.Equal(0, f.Stat(out var st));
        Assert.Equal(0u, st.Nlink);
        Assert.Equal(0, V.Link(R, f.Location, "", null, "/tmp/named", AT_EMPTY_PATH));
        Assert.Equal("anon", _t.ReadFile(R, "/tmp/named"));
    }

    [Fact]
    public void FifoNodes()
    {
        Assert.Equal(0, V.MakeNode(R, null, "/tmp/fifo", (int)S_IFIFO | 0x1A4, 0));
        Assert.Equal(0, V.Stat(R, null, "/tmp/fifo", 0, out var st));
        Assert.Equal(S_IFIFO, st.Mode & S_IFMT);
        Assert.Equal(Err(Errno.ENXIO), _t.OpenErr(R, "/tmp/fifo", O_WRONLY | O_NONBLOCK));
        var r = _t.Open(R, "/tmp/fifo", O_RDONLY | O_NONBLOCK);
        var w = _t.Open(R, "/tmp/fifo", O_WRONLY | O_NONBLOCK);
        Assert.Equal(2, Write(w, "hi"));
        Assert.Equal("hi", Encoding.ASCII.GetString(Read(r, 10)));
        Assert.Equal(Err(Errno.ESPIPE), r.Seek(0, SEEK_SET));
    }

    private static byte[] Read(OpenFile f, int max)
    {
        var buf = new byte[max];
        long n = f.Read(buf);
        Assert.True(n >= 0);
        return buf[..(int)n];
    }

    private void File(FsContext ctx, string path, string content)
    {
        var f = _t.Open(ctx, path, O_CREAT | O_WRONLY | O_TRUNC);
        Assert.Equal(content.Length, Write(f, content));
        f.Release();
    }
}
