using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.AtFlags;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

public sealed class PathResolutionTests : IDisposable
{
    private readonly VfsTestRoot _t = new();
    public void Dispose() => _t.Dispose();

    [Fact]
    public void ReadsFilesOfTheHostRoot()
    {
        Assert.Equal("guest-passwd\n", _t.ReadFile(_t.Root, "/etc/passwd"));
        Assert.Equal("hello world", _t.ReadFile(_t.Root, "file.txt"));
    }

    [Fact]
    public void SymlinkClimbingAboveTheRootStaysInsideTheGuest()
    {
        // ../../../../etc/passwd from / must not reach the host's /etc/passwd.
        Assert.Equal("guest-passwd\n", _t.ReadFile(_t.Root, "/escape"));
        Assert.Equal("guest-passwd\n", _t.ReadFile(_t.Root, "/escape-dir/etc/passwd"));
        Assert.Equal("guest-passwd\n", _t.ReadFile(_t.Root, "/../../../etc/passwd"));
    }

    [Fact]
    public void FollowsAbsoluteAndRelativeSymlinksInEveryPosition()
    {
        Assert.Equal("guest-host\n", _t.ReadFile(_t.Root, "/abs"));
        Assert.Equal("library", _t.ReadFile(_t.Root, "/lib/libx.so"));
        Assert.Equal("guest-host\n", _t.ReadFile(_t.Root, "/usr/up/hostname"));
        Assert.Equal("library", _t.ReadFile(_t.Root, "/usr/up/../usr/lib/libx.so"));
    }

    [Fact]
    public void SymlinkLoopGivesEloop()
    {
        Assert.Equal(Err(Errno.ELOOP), _t.OpenErr(_t.Root, "/loop1"));
        Assert.Equal(Err(Errno.ELOOP), _t.Vfs.Stat(_t.Root, null, "/loop1/x", 0, out _));
        // Without following, the link itself is there.
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/loop1", AT_SYMLINK_NOFOLLOW, out var st));
        Assert.Equal(S_IFLNK, st.Mode & S_IFMT);
    }

    [Fact]
    public void FortyLinksAreFollowedButNotFortyOne()
    {
        var v = _t.Vfs;
        Assert.Equal(0, _t.Vfs.Open(_t.Root, null, "/tmp/target", O_CREAT | O_WRONLY, 0x1A4, out var f));
        f!.Release();
        Assert.Equal(0, v.Symlink(_t.Root, "target", null, "/tmp/l0"));
        for (int i = 1; i <= 40; i++) Assert.Equal(0, v.Symlink(_t.Root, $"l{i - 1}", null, $"/tmp/l{i}"));
        Assert.Equal(0, v.Stat(_t.Root, null, "/tmp/l39", 0, out var st));
        Assert.Equal(S_IFREG, st.Mode & S_IFMT);
        Assert.Equal(Err(Errno.ELOOP), v.Stat(_t.Root, null, "/tmp/l40", 0, out _));
    }

    [Fact]
    public void NoFollowOnSymlinkGivesEloopButOPathOpensTheLink()
    {
        Assert.Equal(Err(Errno.ELOOP), _t.OpenErr(_t.Root, "/abs", O_RDONLY | O_NOFOLLOW));
        var f = _t.Open(_t.Root, "/abs", O_PATH | O_NOFOLLOW);
        Assert.Equal(0, f.Stat(out var st));
        Assert.Equal(S_IFLNK, st.Mode & S_IFMT);
        Assert.Equal(Err(Errno.EBADF), f.Read(new byte[4]));
        Assert.Equal(0, _t.Vfs.ReadLink(_t.Root, f.Location, "", out var target));
        Assert.Equal("/etc/hostname", target);
        // O_NOFOLLOW only concerns the last component.
        Assert.Equal("library", _t.ReadFile(_t.Root, "/lib/libx.so"));
        Assert.Equal(0, _t.OpenErr(_t.Root, "/lib/libx.so", O_RDONLY | O_NOFOLLOW));
    }

    [Fact]
    public void TrailingSlashRequiresADirectory()
    {
        Assert.Equal(Err(Errno.ENOTDIR), _t.OpenErr(_t.Root, "/file.txt/"));
        Assert.Equal(Err(Errno.ENOTDIR), _t.Vfs.Stat(_t.Root, null, "/abs/", 0, out _));
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/lib/", AT_SYMLINK_NOFOLLOW, out var st));
        Assert.Equal(S_IFDIR, st.Mode & S_IFMT); // a trailing slash follows the link even with NOFOLLOW
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/dir//sub///", 0, out _));
    }

    [Fact]
    public void NonDirectoryComponentGivesEnotdir()
    {
        Assert.Equal(Err(Errno.ENOTDIR), _t.OpenErr(_t.Root, "/file.txt/x"));
        Assert.Equal(Err(Errno.ENOTDIR), _t.Vfs.Stat(_t.Root, null, "/file.txt/..", 0, out _));
        Assert.Equal(Err(Errno.ENOTDIR), _t.OpenErr(_t.Root, "/file.txt", O_RDONLY | O_DIRECTORY));
        Assert.Equal(Err(Errno.ENOENT), _t.OpenErr(_t.Root, "/nope/x"));
        Assert.Equal(Err(Errno.ENOENT), _t.OpenErr(_t.Root, "/dangling"));
    }

    [Fact]
    public void EmptyPathIsEnoentUnlessAtEmptyPath()
    {
        Assert.Equal(Err(Errno.ENOENT), _t.OpenErr(_t.Root, ""));
        Assert.Equal(Err(Errno.ENOENT), _t.Vfs.Stat(_t.Root, null, "", 0, out _));
        var f = _t.Open(_t.Root, "/file.txt");
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, f.Location, "", AT_EMPTY_PATH, out var st));
        Assert.Equal(11, st.Size);
    }

    [Fact]
    public void OverlongNamesAndPathsGiveEnametoolong()
    {
        Assert.Equal(Err(Errno.ENAMETOOLONG), _t.OpenErr(_t.Root, "/tmp/" + new string('a', 256)));
        Assert.Equal(Err(Errno.ENOENT), _t.OpenErr(_t.Root, "/tmp/" + new string('a', 255)));
        string longPath = "/" + string.Join("/", Enumerable.Repeat(".", 2048)); // 4096 bytes
        Assert.Equal(Err(Errno.ENAMETOOLONG), _t.Vfs.Stat(_t.Root, null, longPath, 0, out _));
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, longPath[..4095], 0, out _));
    }

    [Fact]
    public void DotDotStaysAtTheTaskRootAndLeavesMounts()
    {
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/", 0, out var root));
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/..", 0, out var up));
        Assert.Equal(root.Ino, up.Ino);
        Assert.Equal(root.Dev, up.Dev);
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/tmp", 0, out var tmp));
        Assert.NotEqual(root.Dev, tmp.Dev);
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/tmp/..", 0, out var tmpUp));
        Assert.Equal(root.Ino, tmpUp.Ino);
        Assert.Equal(root.Dev, tmpUp.Dev);
        Assert.Equal(0, _t.Vfs.Stat(_t.Root, null, "/dev/shm/../null", 0, out var devNull));
        Assert.Equal(S_IFCHR, devNull.Mode & S_IFMT);

        // After chroot into /dir, ".." at the new root stays there.
        var ctx = _t.Root.Clone();
        Assert.Equal(0, _t.Vfs.ChangeRoot(ctx, null, "/dir"));
        Assert.Equal(0, _t.Vfs.Stat(ctx, null, "/../../sub/leaf", 0, out var leaf));
        Assert.Equal(4, leaf.Size);
    }

    [Fact]
    public void SearchPermissionIsChecked()
    {
        Assert.Equal(Err(Errno.EACCES), _t.OpenErr(_t.User, "/secret/key"));
        Assert.Equal(Err(Errno.EACCES), _t.Vfs.Stat(_t.User, null, "/secret/key", 0, out _));
        Assert.Equal(Err(Errno.EACCES), _t.Vfs.ChangeDir(_t.User, null, "/secret"));
        Assert.Equal("k", _t.ReadFile(_t.Root, "/secret/key")); // root bypasses
        // The directory itself may be stat'ed: that needs search permission only on its parent.
        Assert.Equal(0, _t.Vfs.Stat(_t.User, null, "/secret", 0, out _));
    }

    [Fact]
    public void ChangeDirAndGuestPath()
    {
        var ctx = _t.Root.Clone();
        Assert.Equal(0, _t.Vfs.ChangeDir(ctx, null, "/lib"));
        Assert.Equal("/usr/lib", ctx.Cwd.GuestPath);
        Assert.Equal("library", _t.ReadFile(ctx, "libx.so"));
        Assert.Equal(0, _t.Vfs.ChangeDir(ctx, null, "../../dev/shm"));
        Assert.Equal("/dev/shm", ctx.Cwd.GuestPath);
        Assert.Equal(Err(Errno.ENOTDIR), _t.Vfs.ChangeDir(ctx, null, "/file.txt"));
        Assert.Equal(Err(Errno.ENOENT), _t.Vfs.ChangeDir(ctx, null, "/missing"));
        Assert.Equal("/dev/shm", ctx.Cwd.GuestPath);
        var f = _t.Open(_t.Root, "/lib/libx.so");
        Assert.Equal("/usr/lib/libx.so", f.Location!.GuestPath);
    }

    [Fact]
    public void DirAtIsTheStartOfRelativePaths()
    {
        var dir = _t.Open(_t.Root, "/dir", O_RDONLY | O_DIRECTORY);
        Assert.Equal(0, _t.Vfs.Open(_t.Root, dir.Location, "sub/leaf", O_RDONLY, 0, out var f));
        Assert.Equal("leaf", ReadAll(f!));
        var file = _t.Open(_t.Root, "/file.txt");
        Assert.Equal(Err(Errno.ENOTDIR), _t.Vfs.Open(_t.Root, file.Location, "x", O_RDONLY, 0, out _));
        // Absolute paths ignore dirAt.
        Assert.Equal(0, _t.Vfs.Open(_t.Root, file.Location, "/etc/passwd", O_RDONLY, 0, out _));
    }

    [Fact]
    public void AccessChecksModesAndRealIds()
    {
        var v = _t.Vfs;
        Assert.Equal(0, v.Access(_t.User, null, "/bin/sh", X_OK | R_OK, 0));
        Assert.Equal(Err(Errno.EACCES), v.Access(_t.User, null, "/file.txt", X_OK, 0));
        Assert.Equal(Err(Errno.EACCES), v.Access(_t.Root, null, "/file.txt", X_OK, 0)); // root needs some x bit
        Assert.Equal(Err(Errno.EROFS), v.Access(_t.Root, null, "/file.txt", W_OK, 0));
        Assert.Equal(Err(Errno.ENOENT), v.Access(_t.Root, null, "/missing", F_OK, 0));
        Assert.Equal(Err(Errno.EINVAL), v.Access(_t.Root, null, "/file.txt", 8, 0));
        Assert.Equal(Err(Errno.EINVAL), v.Access(_t.Root, null, "/file.txt", F_OK, 0x4));
        // A setuid-root task (euid 0, uid 1000) is checked with uid 1000 unless AT_EACCESS.
        var suid = v.NewContext(new Credentials(1000, 1000, 0, 0, Array.Empty<uint>()));
        Assert.Equal(Err(Errno.EACCES), v.Access(suid, null, "/secret/key", R_OK, 0));
        Assert.Equal(0, v.Access(suid, null, "/secret/key", R_OK, AT_EACCESS));
        Assert.Equal(0, v.Access(_t.Root, null, "/dangling", F_OK, AT_SYMLINK_NOFOLLOW));
    }

    [Fact]
    public void BadOpenFlagCombinationsGiveEinval()
    {
        Assert.Equal(Err(Errno.EINVAL), _t.OpenErr(_t.Root, "/tmp/x", O_CREAT | O_DIRECTORY | O_RDWR));
        Assert.Equal(Err(Errno.EINVAL), _t.OpenErr(_t.Root, "/tmp", O_TMPFILE | O_RDONLY));
        Assert.Equal(Err(Errno.EINVAL), _t.OpenErr(_t.Root, "/tmp", __O_TMPFILE | O_RDWR));
    }
}
