using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Tests.Infrastructure;
using static Kernel.Syscalls.Abi.AtFlags;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

/// <summary>--rootfs-writable: changes reach the host directory, and only beneath it.</summary>
public sealed class WritableRootTests : IDisposable
{
    private readonly VfsTestRoot _t = new(mode: RootFsMode.Writable);
    private readonly string _outside;
    private VirtualFileSystem V => _t.Vfs;
    private FsContext R => _t.Root;
    private string Host(string rel) => Path.Combine(_t.HostDir, rel);

    public WritableRootTests()
    {
        // A directory next to the root, and links in the root that lead there on the host.
        _outside = Directory.CreateTempSubdirectory("vfs-outside-").FullName;
        File.WriteAllText(Path.Combine(_outside, "victim"), "outside");
        var rel = Path.GetRelativePath(_t.HostDir, _outside);
        File.CreateSymbolicLink(Host("out-rel"), Path.Combine(rel, "victim"));
        File.CreateSymbolicLink(Host("out-abs"), Path.Combine(_outside, "victim"));
        File.CreateSymbolicLink(Host("out-dir"), rel);
        File.CreateSymbolicLink(Host("dir/out-dir-abs"), _outside);
    }

    public void Dispose()
    {
        _t.Dispose();
        Directory.Delete(_outside, true);
    }

    [Fact]
    public void ChangesReachTheHostDirectory()
    {
        Assert.False(V.RootMount.ReadOnly);
        var ctx = R.Clone();
        ctx.Umask = 0;
        var f = _t.Open(ctx, "/dir/new", O_CREAT | O_WRONLY | O_EXCL, 0x1FF);
        Assert.Equal(5, Write(f, "hello"));
        f.Release();
        Assert.Equal("hello", File.ReadAllText(Host("dir/new")));
        // The exact mode, whatever the host process's umask.
        Assert.Equal(0x1FFu, HostTree.LStat(Host("dir/new")).Mode & 0xFFF);
        Assert.Equal(0, V.MakeDir(R, null, "/dir/d", 0x1C0));
        Assert.Equal(0x1C0u, HostTree.LStat(Host("dir/d")).Mode & 0xFFF);
        Assert.Equal(0, V.Symlink(R, "new", null, "/dir/s"));
        Assert.Equal("new", new FileInfo(Host("dir/s")).LinkTarget);
        Assert.Equal(0, V.Link(R, null, "/dir/new", null, "/dir/h", 0));
        Assert.Equal(2u, HostTree.LStat(Host("dir/new")).Nlink);
        Assert.Equal(0, V.Rename(R, null, "/dir/h", null, "/dir/d/h2", 0));
        Assert.True(File.Exists(Host("dir/d/h2")));
        Assert.Equal(0, V.Resolve(R, null, "/dir/new", 0, out var loc));
        Assert.Equal(0, V.SetMode(R, loc, 0x180));
        Assert.Equal(0x180u, HostTree.LStat(Host("dir/new")).Mode & 0xFFF);
        Assert.Equal(0, V.SetTimes(R, loc, new Timespec(100, 1), new Timespec(200, 2), true));
        Assert.Equal((200L, 2u), (HostTree.LStat(Host("dir/new")).MtimeSec, HostTree.LStat(Host("dir/new")).MtimeNsec));
        Assert.Equal(0, V.Truncate(R, null, "/dir/new", 2));
        Assert.Equal("he", File.ReadAllText(Host("dir/new")));
        var ap = _t.Open(R, "/dir/new", O_WRONLY | O_APPEND);
        Write(ap, "!!");
        ap.Release();
        Assert.Equal("he!!", File.ReadAllText(Host("dir/new")));
        Assert.Equal(0, V.SetXattr(R, loc, "user.w", [7], 0));
        Assert.Equal("\u0007", HostTree.GetXattr(Host("dir/new"), "user.w"));
        Assert.Equal(0, V.Unlink(R, null, "/dir/s", 0));
        Assert.False(File.Exists(Host("dir/s")));
        Assert.Equal(0, V.Unlink(R, null, "/dir/d/h2", 0));
        Assert.Equal(0, V.Unlink(R, null, "/dir/d", AT_REMOVEDIR));
        Assert.False(Directory.Exists(Host("dir/d")));
    }

    [Fact]
    public void RenamedDirectoriesTakeTheirOpenSubtreeAlong()
    {
        var ctx = R.Clone();
        Assert.Equal(0, V.ChangeDir(ctx, null, "/dir/sub"));
        Assert.Equal(0, V.Rename(R, null, "/dir", null, "/moved", 0));
        Assert.Equal("/moved/sub", ctx.Cwd.GuestPath);
        Assert.Equal("leaf", _t.ReadFile(ctx, "leaf"));
        Assert.True(File.Exists(Host("moved/sub/leaf")));
        // A name replaced on the host is a new file, not the old one.
        File.Delete(Host("moved/sub/leaf"));
        Directory.CreateDirectory(Host("moved/sub/leaf"));
        Assert.Equal(0, V.Stat(ctx, null, "leaf", 0, out var st));
        Assert.Equal(S_IFDIR, st.Mode & S_IFMT);
    }

    [Fact]
    public void LinksOnTheHostNeverLeadOutside()
    {
        var outsideBefore = HostTree.Snapshot(_outside);
        // Every link resolves in the guest's tree, where these targets do not exist.
        Assert.Equal(Err(Errno.ENOENT), _t.OpenErr(R, "/out-rel", O_WRONLY | O_CREAT | O_TRUNC));
        Assert.Equal(Err(Errno.ENOENT), _t.OpenErr(R, "/out-abs", O_WRONLY | O_CREAT | O_TRUNC));
        Assert.Equal(Err(Errno.ENOENT), V.MakeDir(R, null, "/out-dir/newdir", 0x1ED));
        Assert.Equal(Err(Errno.ENOENT), V.Rename(R, null, "/file.txt", null, "/out-dir/file.txt", 0));
        Assert.Equal(Err(Errno.ENOENT), V.Link(R, null, "/file.txt", null, "/dir/out-dir-abs/hard", 0));
        Assert.Equal(Err(Errno.ENOENT), V.Truncate(R, null, "/out-rel", 0));
        Assert.Equal(Err(Errno.ENOENT), V.Unlink(R, null, "/out-dir/victim", 0));
        // The links themselves are the guest's to change: that changes the link, never its host target.
        Assert.Equal(0, V.Unlink(R, null, "/out-abs", 0));
        Assert.Equal(0, V.Rename(R, null, "/out-rel", null, "/renamed-link", 0));
        Assert.Equal(0, V.Resolve(R, null, "/out-dir", AT_SYMLINK_NOFOLLOW, out var link));
        Assert.Equal(0, V.SetOwner(R, link, 7, 7));
        Assert.Equal(7u, HostTree.LStat(Host("out-dir")).Uid);
        // "escape" (../../../../etc/passwd) is the tree's own /etc/passwd.
        var f = _t.Open(R, "/escape", O_WRONLY | O_APPEND);
        Write(f, "guest-line\n");
        f.Release();
        Assert.Equal("guest-passwd\nguest-line\n", File.ReadAllText(Host("etc/passwd")));
        Assert.Equal(outsideBefore, HostTree.Snapshot(_outside));
    }

    [Fact]
    public void DeviceNodesAreNeverMadeOnTheHost()
    {
        Assert.Equal(Err(Errno.EPERM), V.MakeNode(R, null, "/dir/null", (int)(S_IFCHR | 0x1B6), StatInfo.MakeDev(1, 3)));
        Assert.Equal(0, V.MakeNode(R, null, "/dir/fifo", (int)(S_IFIFO | 0x1B6), 0));
        Assert.Equal(0x1000u, HostTree.LStat(Host("dir/fifo")).Mode & 0xF000);
        // Opening it makes a pipe between guest tasks.
        var r = _t.Open(R, "/dir/fifo", O_RDONLY | O_NONBLOCK);
        var w = _t.Open(R, "/dir/fifo", O_WRONLY | O_NONBLOCK);
        Assert.Equal(3, Write(w, "abc"));
        var buf = new byte[8];
        Assert.Equal(3, r.Read(buf));
        r.Release();
        w.Release();
    }
}
