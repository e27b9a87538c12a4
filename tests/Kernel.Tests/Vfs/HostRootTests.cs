using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.AtFlags;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

public sealed class HostRootTests : IDisposable
{
    private readonly VfsTestRoot _t = new(withBind: true);
    public void Dispose() => _t.Dispose();

    [Fact]
    public void CreateRejectsABadRoot()
    {
        Assert.Equal(Err(Errno.ENOENT), VirtualFileSystem.Create("/nonexistent-root-dir", [], out var v1));
        Assert.Null(v1);
        Assert.Equal(Err(Errno.ENOTDIR), VirtualFileSystem.Create(Path.Combine(_t.HostDir, "file.txt"), [], out _));
        Assert.Equal(Err(Errno.ENOENT), VirtualFileSystem.Create(_t.HostDir, [(_t.HostDir, "/missing/dir")], out _));
    }

    [Fact]
    public void EveryWriteToTheHostRootIsErofs()
    {
        var v = _t.Vfs;
        var c = _t.Root;
        Assert.Equal(Err(Errno.EROFS), _t.OpenErr(c, "/file.txt", O_WRONLY));
        Assert.Equal(Err(Errno.EROFS), _t.OpenErr(c, "/file.txt", O_RDWR));
        Assert.Equal(Err(Errno.EROFS), _t.OpenErr(c, "/file.txt", O_RDONLY | O_TRUNC));
        Assert.Equal(Err(Errno.EROFS), _t.OpenErr(c, "/new.txt", O_WRONLY | O_CREAT));
        Assert.Equal(Err(Errno.EROFS), _t.OpenErr(c, "/", O_TMPFILE | O_RDWR));
        Assert.Equal(Err(Errno.EROFS), v.MakeDir(c, null, "/newdir", 0x1ED));
        Assert.Equal(Err(Errno.EROFS), v.Unlink(c, null, "/file.txt", 0));
        Assert.Equal(Err(Errno.EROFS), v.Unlink(c, null, "/missing", 0));
        Assert.Equal(Err(Errno.EROFS), v.Unlink(c, null, "/dir", AT_REMOVEDIR));
        Assert.Equal(Err(Errno.EROFS), v.Rename(c, null, "/file.txt", null, "/file2.txt", 0));
        Assert.Equal(Err(Errno.EROFS), v.Symlink(c, "x", null, "/newlink"));
        Assert.Equal(Err(Errno.EROFS), v.Link(c, null, "/file.txt", null, "/hard", 0));
        Assert.Equal(Err(Errno.EROFS), v.Truncate(c, null, "/file.txt", 0));
        Assert.Equal(0, v.Resolve(c, null, "/file.txt", 0, out var loc));
        Assert.Equal(Err(Errno.EROFS), v.SetMode(c, loc, 0x1FF));
        Assert.Equal(Err(Errno.EROFS), v.SetOwner(c, loc, 1, 1));
        // Existence errors come before EROFS where Linux orders them so.
        Assert.Equal(Err(Errno.EEXIST), v.MakeDir(c, null, "/dir", 0x1ED));
        Assert.Equal(Err(Errno.EEXIST), _t.OpenErr(c, "/file.txt", O_WRONLY | O_CREAT | O_EXCL));
        // O_CREAT of an existing file for reading is fine.
        Assert.Equal(0, _t.OpenErr(c, "/file.txt", O_RDONLY | O_CREAT));
        Assert.Equal("hello world", File.ReadAllText(Path.Combine(_t.HostDir, "file.txt")));
    }

    [Fact]
    public void DirectoryOpenedForWritingIsEisdir()
    {
        Assert.Equal(Err(Errno.EISDIR), _t.OpenErr(_t.Root, "/dir", O_WRONLY));
        Assert.Equal(Err(Errno.EISDIR), _t.OpenErr(_t.Root, "/tmp", O_RDWR));
        Assert.Equal(Err(Errno.EISDIR), _t.OpenErr(_t.Root, "/dir", O_RDONLY | O_CREAT));
        var d = _t.Open(_t.Root, "/dir");
        Assert.Equal(Err(Errno.EISDIR), d.Read(new byte[8]));
    }

    [Fact]
    public void StatReportsHostMetadataWithASyntheticDevice()
    {
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/bin/sh", 0, out var st));
        Assert.Equal(S_IFREG | 0x1ED /* 0755 */, st.Mode);
        Assert.Equal(2, st.Size);
        Assert.Equal(0u, StatInfo.Major(st.Dev));
        Assert.Equal(_t.Vfs.RootMount.Fs.Dev, st.Dev);
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/mnt/data.txt", 0, out var bound));
        Assert.NotEqual(st.Dev, bound.Dev);
        var hostInfo = new FileInfo(Path.Combine(_t.HostDir, "bin/sh"));
        Assert.Equal(new DateTimeOffset(hostInfo.LastWriteTimeUtc).ToUnixTimeSeconds(), st.MtimeSec);
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/escape", AT_SYMLINK_NOFOLLOW, out var link));
        Assert.Equal("../../../../etc/passwd".Length, link.Size);
    }

    [Fact]
    public void ReadOnlyBindShowsTheHostDirectory()
    {
        Assert.Equal("bound", _t.ReadFile(_t.Root, "/mnt/data.txt"));
        Assert.Equal(Err(Errno.EROFS), _t.OpenErr(_t.Root, "/mnt/new", O_CREAT | O_WRONLY));
        // The mount point lives in the read-only root, whose mount refuses the change first.
        Assert.Equal(Err(Errno.EROFS), _t.Vfs.Unlink(_t.Root, null, "/tmp", AT_REMOVEDIR));
        Assert.Equal(0, _t.Vfs.StatFs(_t.Root, null, "/mnt", out var sfs));
        Assert.NotEqual(0, sfs.Flags & StatFsInfo.ST_RDONLY);
        Assert.Equal(0, _t.Vfs.StatFs(_t.Root, null, "/tmp", out var tfs));
        Assert.Equal(StatFsInfo.TMPFS_MAGIC, tfs.Type);
        Assert.Equal(0, tfs.Flags & StatFsInfo.ST_RDONLY);
    }

    [Fact]
    public void HostDirectoryListingIncludesEntriesAndMountPoints()
    {
        var d = _t.Open(_t.Root, "/", O_RDONLY | O_DIRECTORY);
        var names = DirentReader.ReadAllNames(d);
        foreach (var n in new[] { ".", "..", "etc", "usr", "bin", "lib", "abs", "escape", "tmp", "dev", "mnt", "file.txt", "dir" })
            Assert.Contains(n, names);
        Assert.Equal(names.Count, names.Distinct().Count());
        var sub = DirentReader.ReadAll(_t.Open(_t.Root, "/dir/sub", O_RDONLY | O_DIRECTORY));
        Assert.Equal(["."  , "..", "leaf"], sub.Select(e => e.Name).Order(StringComparer.Ordinal).ToArray());
        Assert.Equal(DT_REG, sub.Single(e => e.Name == "leaf").Type);
    }

    [Fact]
    public void HostFileSeekAndPread()
    {
        var f = _t.Open(_t.Root, "/file.txt");
        var buf = new byte[5];
        Assert.Equal(5, f.PRead(buf, 6));
        Assert.Equal("world", System.Text.Encoding.ASCII.GetString(buf));
        Assert.Equal(6, f.Seek(6, SEEK_SET));
        Assert.Equal("world", ReadAll(f));
        Assert.Equal(9, f.Seek(-2, SEEK_END));
        Assert.Equal(Err(Errno.EINVAL), f.Seek(-100, SEEK_CUR));
        Assert.Equal(Err(Errno.EINVAL), f.Seek(0, 99));
        Assert.Equal(Err(Errno.EBADF), f.Write(new byte[1]));
        f.Release();
    }
}
