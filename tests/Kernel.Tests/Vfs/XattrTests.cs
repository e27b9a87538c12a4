using System.Text;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Tests.Infrastructure;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

/// <summary>Extended attributes: Linux's namespace rules over tmpfs and the overlay root.</summary>
public sealed class XattrTests : IDisposable
{
    private readonly VfsTestRoot _t;
    private VirtualFileSystem V => _t.Vfs;
    private FsContext R => _t.Root;
    private FsContext U => _t.User;

    public XattrTests()
    {
        // Set before the VFS looks at the tree: an xattr of the host file, visible through the overlay.
        _t = new VfsTestRoot(mode: RootFsMode.Overlay);
        HostTree.SetXattr(Path.Combine(_t.HostDir, "file.txt"), "user.origin", "host");
    }

    public void Dispose() => _t.Dispose();

    private Location Loc(string path, FsContext? ctx = null, int flags = 0)
    {
        Assert.Equal(0, V.Resolve(ctx ?? R, null, path, flags, out var loc));
        return loc;
    }

    private string? Get(FsContext ctx, string path, string name, int flags = 0) =>
        V.GetXattr(ctx, Loc(path, ctx, flags), name, out var v) == 0 ? Encoding.UTF8.GetString(v) : null;

    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void SetGetListRemoveOnTmpfs()
    {
        _t.Open(R, "/tmp/f", O_CREAT | O_WRONLY).Release();
        var f = Loc("/tmp/f");
        Assert.Equal(0, V.SetXattr(R, f, "user.a", B("1"), 0));
        Assert.Equal(0, V.SetXattr(R, f, "trusted.b", B(""), 0));
        Assert.Equal("1", Get(R, "/tmp/f", "user.a"));
        Assert.Equal("", Get(R, "/tmp/f", "trusted.b"));
        Assert.Equal(0, V.ListXattr(R, f, out var names));
        Assert.Equal(["user.a", "trusted.b"], names);
        Assert.Equal(Err(Errno.EEXIST), V.SetXattr(R, f, "user.a", B("2"), XattrStore.XATTR_CREATE));
        Assert.Equal(Err(Errno.ENODATA), V.SetXattr(R, f, "user.new", B("2"), XattrStore.XATTR_REPLACE));
        Assert.Equal(0, V.SetXattr(R, f, "user.a", B("22"), XattrStore.XATTR_REPLACE));
        Assert.Equal("22", Get(R, "/tmp/f", "user.a"));
        Assert.Equal(0, V.RemoveXattr(R, f, "user.a"));
        Assert.Equal(Err(Errno.ENODATA), V.RemoveXattr(R, f, "user.a"));
        Assert.Equal(Err(Errno.ENODATA), V.GetXattr(R, f, "user.a", out _));
    }

    [Fact]
    public void NamespacesFollowLinux()
    {
        _t.Open(R, "/tmp/f", O_CREAT | O_WRONLY).Release();
        var f = Loc("/tmp/f");
        Assert.Equal(Err(Errno.EOPNOTSUPP), V.SetXattr(R, f, "security.selinux", B("x"), 0));
        Assert.Equal(Err(Errno.EOPNOTSUPP), V.SetXattr(R, f, "system.posix_acl_access", B("x"), 0));
        Assert.Equal(Err(Errno.EOPNOTSUPP), V.GetXattr(R, f, "foo.bar", out _));
        Assert.Equal(Err(Errno.EINVAL), V.SetXattr(R, f, "user.", B("x"), 0));
        // user.* lives only on regular files and directories.
        Assert.Equal(0, V.Symlink(R, "f", null, "/tmp/link"));
        var link = Loc("/tmp/link", flags: AtFlags.AT_SYMLINK_NOFOLLOW);
        Assert.Equal(Err(Errno.EPERM), V.SetXattr(R, link, "user.a", B("x"), 0));
        Assert.Equal(Err(Errno.ENODATA), V.GetXattr(R, link, "user.a", out _));
        Assert.Equal(0, V.SetXattr(R, link, "trusted.a", B("x"), 0));
        Assert.Equal(0, V.MakeNode(R, null, "/tmp/fifo", (int)(S_IFIFO | 0x1B6), 0));
        Assert.Equal(Err(Errno.EPERM), V.SetXattr(R, Loc("/tmp/fifo"), "user.a", B("x"), 0));
    }

    [Fact]
    public void TrustedNeedsRootAndUserNeedsFilePermissions()
    {
        var f = _t.Open(U, "/tmp/mine", O_CREAT | O_WRONLY, 0x1A4 /* 0644 */);
        f.Release();
        var mine = Loc("/tmp/mine");
        Assert.Equal(0, V.SetXattr(R, mine, "trusted.secret", B("s"), 0));
        Assert.Equal(Err(Errno.EPERM), V.SetXattr(U, mine, "trusted.x", B("s"), 0));
        Assert.Equal(Err(Errno.ENODATA), V.GetXattr(U, mine, "trusted.secret", out _));
        Assert.Equal(0, V.SetXattr(U, mine, "user.mine", B("m"), 0));
        Assert.Equal(0, V.ListXattr(U, mine, out var visible));
        Assert.Equal(["user.mine"], visible);
        Assert.Equal(0, V.ListXattr(R, mine, out var all));
        Assert.Equal(["trusted.secret", "user.mine"], all);
        // Root's file, not writable by the user: reading is allowed, writing is not.
        _t.Open(R, "/tmp/roots", O_CREAT | O_WRONLY, 0x1A4).Release();
        var roots = Loc("/tmp/roots");
        Assert.Equal(0, V.SetXattr(R, roots, "user.r", B("r"), 0));
        Assert.Equal("r", Get(U, "/tmp/roots", "user.r"));
        Assert.Equal(Err(Errno.EACCES), V.SetXattr(U, roots, "user.r", B("u"), 0));
        Assert.Equal(Err(Errno.EACCES), V.RemoveXattr(U, roots, "user.r"));
        // The sticky /tmp: only its owner may set user.* on it.
        Assert.Equal(Err(Errno.EPERM), V.SetXattr(U, Loc("/tmp"), "user.d", B("d"), 0));
        Assert.Equal(0, V.SetXattr(R, Loc("/tmp"), "user.d", B("d"), 0));
    }

    [Fact]
    public void ReadOnlyMountsRefuseChanges()
    {
        using var ro = new VfsTestRoot();
        Assert.Equal(0, ro.Vfs.Resolve(ro.Root, null, "/file.txt", 0, out var loc));
        Assert.Equal(Err(Errno.EROFS), ro.Vfs.SetXattr(ro.Root, loc, "user.a", B("x"), 0));
        Assert.Equal(Err(Errno.EROFS), ro.Vfs.RemoveXattr(ro.Root, loc, "user.a"));
        Assert.Equal(Err(Errno.EROFS), ro.Vfs.SetXattr(ro.Root, loc, "foo.bar", B("x"), 0));
    }

    [Fact]
    public void TheOverlayShowsHostXattrsAndCopiesUpOnChange()
    {
        var hostFile = Path.Combine(_t.HostDir, "file.txt");
        Assert.Equal("host", Get(R, "/file.txt", "user.origin"));
        Assert.Equal(0, V.ListXattr(R, Loc("/file.txt"), out var names));
        Assert.Contains("user.origin", names);
        var before = HostTree.LStat(hostFile);
        Assert.Equal(0, V.SetXattr(R, Loc("/file.txt"), "user.added", B("guest"), 0));
        Assert.Equal("guest", Get(R, "/file.txt", "user.added"));
        Assert.Equal("host", Get(R, "/file.txt", "user.origin")); // came along with the copy-up
        Assert.Equal(0, V.RemoveXattr(R, Loc("/file.txt"), "user.origin"));
        Assert.Null(Get(R, "/file.txt", "user.origin"));
        Assert.Equal("host", HostTree.GetXattr(hostFile, "user.origin"));
        Assert.Null(HostTree.GetXattr(hostFile, "user.added"));
        Assert.Equal(before, HostTree.LStat(hostFile));
        // Removing one the lower file lacks does not copy up.
        Assert.Equal(Err(Errno.ENODATA), V.RemoveXattr(R, Loc("/etc/passwd"), "user.none"));
    }
}
