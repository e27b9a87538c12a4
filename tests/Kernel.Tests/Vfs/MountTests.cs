using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Actors.Vfs.VirtualFileSystem;
using static Kernel.Syscalls.Abi.AtFlags;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

/// <summary>mount(2), umount2(2), pivot_root(2) and chroot on the VFS, checked against the man pages.</summary>
public sealed class MountTests : IDisposable
{
    private readonly VfsTestRoot _t = new(mode: RootFsMode.Overlay);
    private VirtualFileSystem V => _t.Vfs;
    private FsContext R => _t.Root;
    public void Dispose() => _t.Dispose();

    private static bool NotBusy(Mount m) => false;

    private long Mount(string? source, string target, string? type, ulong flags = 0, string? data = null, FsContext? ctx = null) =>
        V.Mount(ctx ?? R, source, target, type, flags, data);

    private void Touch(string path, string text = "")
    {
        var f = _t.Open(R, path, O_CREAT | O_WRONLY | O_TRUNC);
        Write(f, text);
        f.Release();
    }

    private bool Exists(string path) => V.Stat(R, null, path, AT_SYMLINK_NOFOLLOW, out _) == 0;

    [Fact]
    public void TmpfsWithSizeInodesAndMode()
    {
        Assert.Equal(0, Mount("none", "/mnt", "tmpfs", 0, "size=8k,nr_inodes=3,mode=0750,uid=5"));
        Assert.Equal(0, V.Stat(R, null, "/mnt", 0, out var st));
        Assert.Equal(S_IFDIR | 0x1E8u /* 0750 */, st.Mode);
        Assert.Equal(5u, st.Uid);
        Assert.Equal(0, V.StatFs(R, null, "/mnt", out var sfs));
        Assert.Equal(StatFsInfo.TMPFS_MAGIC, sfs.Type);
        Assert.Equal(2UL, sfs.Blocks);
        Assert.Equal(3UL, sfs.Files);
        // Two pages fit, a third does not: a short write, then ENOSPC.
        var f = _t.Open(R, "/mnt/big", O_CREAT | O_RDWR);
        Assert.Equal(8192, f.Write(new byte[8192]));
        Assert.Equal(Err(Errno.ENOSPC), f.Write(new byte[1]));
        Assert.Equal(0UL, V.StatFs(R, null, "/mnt", out sfs) == 0 ? sfs.BlocksFree : 99);
        Assert.Equal(0, f.Truncate(0));
        Assert.Equal(4096, f.PWrite(new byte[4096], 0));
        f.Release();
        // Three nodes: the root, big, l, then no more.
        Assert.Equal(0, V.Symlink(R, "x", null, "/mnt/l"));
        Assert.Equal(Err(Errno.ENOSPC), V.MakeDir(R, null, "/mnt/e", 0x1ED));
        Assert.Equal(0UL, V.StatFs(R, null, "/mnt", out sfs) == 0 ? sfs.FilesFree : 99);
        Assert.Equal(0, V.Unlink(R, null, "/mnt/l", 0));
        Assert.Equal(0, V.MakeDir(R, null, "/mnt/e", 0x1ED));
        Assert.Contains("none /mnt tmpfs rw,relatime,size=8k,nr_inodes=3,mode=750,uid=5 0 0", V.Namespace.Format(R.Root));
    }

    [Fact]
    public void BadMountRequests()
    {
        Assert.Equal(Err(Errno.ENODEV), Mount("x", "/mnt", "nosuchfs"));
        Assert.Equal(Err(Errno.ENODEV), Mount("x", "/mnt", ""));
        Assert.Equal(Err(Errno.EINVAL), Mount("x", "/mnt", null));
        Assert.Equal(Err(Errno.EINVAL), Mount("x", "/mnt", "tmpfs", 0, "size=lots"));
        Assert.Equal(Err(Errno.EINVAL), Mount("x", "/mnt", "tmpfs", 0, "bogus"));
        Assert.Equal(Err(Errno.EINVAL), Mount("x", "/mnt", "tmpfs", 0, "mode=0999"));
        Assert.Equal(Err(Errno.ENOENT), Mount("x", "/missing", "tmpfs"));
        Assert.Equal(Err(Errno.ENOTDIR), Mount("x", "/file.txt", "tmpfs"));
        // The lookup comes first, then the privilege check.
        Assert.Equal(Err(Errno.ENOENT), Mount("x", "/missing", "tmpfs", ctx: _t.User));
        Assert.Equal(Err(Errno.EPERM), Mount("x", "/mnt", "tmpfs", ctx: _t.User));
        Assert.Equal(Err(Errno.EPERM), V.Unmount(_t.User, "/tmp", 0, NotBusy));
        Assert.Equal(Err(Errno.EINVAL), Mount(null, "/mnt", null, MS_BIND));
        Assert.Equal(Err(Errno.ENOENT), Mount("/nowhere", "/mnt", null, MS_BIND));
        Assert.Equal(Err(Errno.ENOTDIR), Mount("/file.txt", "/mnt", null, MS_BIND));
        Assert.Equal(Err(Errno.EINVAL), Mount(null, "/etc", null, MS_REMOUNT | MS_RDONLY)); // not a mount point
        Assert.Equal(Err(Errno.EINVAL), Mount(null, "/tmp", null, MS_SHARED | MS_PRIVATE));
        Assert.Equal(0, Mount(null, "/tmp", null, MS_PRIVATE | MS_REC));
        Assert.Equal(Err(Errno.EINVAL), Mount(null, "/tmp", null, MS_NOUSER));
    }

    [Fact]
    public void MountingHidesAndUnmountingRestores()
    {
        Touch("/mnt/under", "under");
        Assert.Equal(0, Mount("t1", "/mnt", "tmpfs"));
        Assert.False(Exists("/mnt/under"));
        Touch("/mnt/on-t1");
        // A second mount stacks on the first; unmounting peels one at a time.
        Assert.Equal(0, Mount("t2", "/mnt", "tmpfs"));
        Assert.False(Exists("/mnt/on-t1"));
        Assert.Equal(0, V.Unmount(R, "/mnt", 0, NotBusy));
        Assert.True(Exists("/mnt/on-t1"));
        Assert.Equal(0, V.Unmount(R, "/mnt", 0, NotBusy));
        Assert.Equal("under", _t.ReadFile(R, "/mnt/under"));
        Assert.Equal(Err(Errno.EINVAL), V.Unmount(R, "/mnt", 0, NotBusy));
        Assert.Equal(Err(Errno.EINVAL), V.Unmount(R, "/mnt", 0x10, NotBusy));
        Assert.Equal(Err(Errno.EBUSY), V.Unmount(R, "/", 0, NotBusy));
    }

    [Fact]
    public void BusyMountsNeedDetach()
    {
        Assert.Equal(0, Mount("outer", "/mnt", "tmpfs"));
        Assert.Equal(0, V.MakeDir(R, null, "/mnt/inner", 0x1ED));
        Assert.Equal(0, Mount("inner", "/mnt/inner", "tmpfs"));
        Touch("/mnt/inner/file", "kept");
        Assert.Equal(Err(Errno.EBUSY), V.Unmount(R, "/mnt", 0, NotBusy)); // a submount
        Assert.Equal(Err(Errno.EBUSY), V.Unmount(R, "/mnt/inner", 0, _ => true)); // an open file or a cwd
        var held = _t.Open(R, "/mnt/inner/file");
        Assert.Equal(0, V.Unmount(R, "/mnt", MNT_DETACH, NotBusy));
        Assert.False(Exists("/mnt/inner"));
        // The detached tree lives on for whoever holds it.
        Assert.Equal("kept", ReadAll(held));
        held.Release();
        Assert.DoesNotContain("inner", V.Namespace.Format(R.Root));
    }

    [Fact]
    public void ExpireTakesTwoCalls()
    {
        Assert.Equal(0, Mount("e", "/mnt", "tmpfs"));
        Assert.Equal(Err(Errno.EINVAL), V.Unmount(R, "/mnt", MNT_EXPIRE | MNT_DETACH, NotBusy));
        Assert.Equal(Err(Errno.EAGAIN), V.Unmount(R, "/mnt", MNT_EXPIRE, NotBusy));
        Assert.Equal(0, V.Unmount(R, "/mnt", MNT_EXPIRE, NotBusy));
    }

    [Fact]
    public void BindMountsShowTheSameFilesAndRecursiveOnesTheirSubmounts()
    {
        Assert.Equal(Err(Errno.EINVAL), Mount(null, "/mnt", null, MS_BIND | MS_REC)); // no source
        Assert.Equal(0, Mount("/etc", "/mnt", null, MS_BIND));
        Assert.Equal("guest-passwd\n", _t.ReadFile(R, "/mnt/passwd"));
        Touch("/mnt/via-bind", "b");
        Assert.Equal("b", _t.ReadFile(R, "/etc/via-bind"));
        Assert.Equal(0, V.Stat(R, null, "/mnt/passwd", 0, out var a));
        Assert.Equal(0, V.Stat(R, null, "/etc/passwd", 0, out var b));
        Assert.Equal((a.Dev, a.Ino), (b.Dev, b.Ino));
        Assert.Equal(0, V.Resolve(R, null, "/mnt/..", 0, out var up));
        Assert.Equal("/", up.GuestPath);
        Assert.Equal(0, V.Unmount(R, "/mnt", 0, NotBusy));

        // "/" has /tmp and /dev beneath it: only MS_REC brings them along.
        Touch("/tmp/in-tmp");
        Assert.Equal(0, V.MakeDir(R, null, "/dir/all", 0x1ED));
        Assert.Equal(0, V.MakeDir(R, null, "/dir/top", 0x1ED));
        Assert.Equal(0, Mount("/", "/dir/top", null, MS_BIND));
        Assert.False(Exists("/dir/top/tmp/in-tmp"));
        Assert.Equal(0, Mount("/", "/dir/all", null, MS_BIND | MS_REC));
        Assert.True(Exists("/dir/all/tmp/in-tmp"));
        Assert.True(Exists("/dir/all/dev/null"));
        // The copy was taken before it was attached: no endless recursion into itself.
        Assert.False(Exists("/dir/all/dir/all/etc"));
        // A file on a file.
        Assert.Equal(0, Mount("/etc/hostname", "/file.txt", null, MS_BIND));
        Assert.Equal("guest-host\n", _t.ReadFile(R, "/file.txt"));
        Assert.Equal(Err(Errno.ENOTDIR), Mount("/etc", "/file.txt", null, MS_BIND));
    }

    [Fact]
    public void RemountReadOnlyWholeOrPerMount()
    {
        Assert.Equal(0, Mount("t", "/mnt", "tmpfs"));
        Touch("/mnt/f");
        Assert.Equal(Err(Errno.EBUSY), V.Mount(R, null, "/mnt", null, MS_REMOUNT | MS_RDONLY, null, _ => true)); // open writers
        Assert.Equal(0, Mount(null, "/mnt", null, MS_REMOUNT | MS_RDONLY));
        Assert.Equal(Err(Errno.EROFS), _t.OpenErr(R, "/mnt/g", O_CREAT | O_WRONLY));
        Assert.Equal(Err(Errno.EROFS), _t.OpenErr(R, "/mnt/f", O_WRONLY));
        Assert.Equal(Err(Errno.EROFS), V.Unlink(R, null, "/mnt/f", 0));
        Assert.Equal(0, V.StatFs(R, null, "/mnt", out var sfs));
        Assert.NotEqual(0, sfs.Flags & StatFsInfo.ST_RDONLY);
        Assert.Contains("t /mnt tmpfs ro,relatime", V.Namespace.Format(R.Root));
        Assert.Equal(0, Mount(null, "/mnt", null, MS_REMOUNT));
        Touch("/mnt/g");

        // MS_BIND|MS_REMOUNT changes one mount only.
        Assert.Equal(0, V.MakeDir(R, null, "/dir/view", 0x1ED));
        Assert.Equal(0, Mount("/mnt", "/dir/view", null, MS_BIND));
        Assert.Equal(0, Mount(null, "/dir/view", null, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOEXEC));
        Assert.Equal(Err(Errno.EROFS), _t.OpenErr(R, "/dir/view/h", O_CREAT | O_WRONLY));
        Touch("/mnt/h");
        Assert.True(Exists("/dir/view/h"));
        // The root itself can go read-only and back.
        Assert.Equal(0, Mount(null, "/", null, MS_REMOUNT | MS_BIND | MS_RDONLY));
        Assert.Equal(Err(Errno.EROFS), V.MakeDir(R, null, "/nope", 0x1ED));
        Assert.Equal(0, Mount(null, "/", null, MS_REMOUNT | MS_BIND));
        Assert.Equal(0, V.MakeDir(R, null, "/yes", 0x1ED));
    }

    [Fact]
    public void NoexecAndNodevAreEnforcedAndShown()
    {
        Assert.Equal(0, Mount("t", "/mnt", "tmpfs", MS_NOEXEC | MS_NODEV | MS_NOSUID));
        var f = _t.Open(R, "/mnt/prog", O_CREAT | O_WRONLY, 0x1ED);
        f.Release();
        Assert.Equal(Err(Errno.EACCES), V.Access(R, null, "/mnt/prog", X_OK, 0));
        Assert.Equal(0, V.Access(R, null, "/mnt/prog", R_OK, 0));
        Assert.Equal(0, V.MakeNode(R, null, "/mnt/null", (int)(S_IFCHR | 0x1B6), StatInfo.MakeDev(1, 3)));
        Assert.Equal(Err(Errno.EACCES), _t.OpenErr(R, "/mnt/null", O_RDONLY));
        Assert.Contains("t /mnt tmpfs rw,nosuid,nodev,noexec,relatime 0 0", V.Namespace.Format(R.Root));
        Assert.Equal(0, V.StatFs(R, null, "/mnt", out var sfs));
        Assert.NotEqual(0, sfs.Flags & StatFsInfo.ST_NOSUID);
    }

    [Fact]
    public void MoveCarriesSubmounts()
    {
        Assert.Equal(0, Mount("a", "/mnt", "tmpfs"));
        Assert.Equal(0, V.MakeDir(R, null, "/mnt/sub", 0x1ED));
        Assert.Equal(0, Mount("b", "/mnt/sub", "tmpfs"));
        Touch("/mnt/sub/deep");
        Assert.Equal(Err(Errno.ELOOP), Mount("/mnt", "/mnt/sub", null, MS_MOVE));
        Assert.Equal(Err(Errno.EINVAL), Mount("/etc", "/dir", null, MS_MOVE)); // not a mount point
        Assert.Equal(0, Mount("/mnt", "/dir", null, MS_MOVE));
        Assert.True(Exists("/dir/sub/deep"));
        Assert.False(Exists("/mnt/sub"));
    }

    [Fact]
    public void PivotRootSwapsTheRoot()
    {
        Assert.Equal(0, Mount("newroot", "/mnt", "tmpfs"));
        Assert.Equal(0, V.MakeDir(R, null, "/mnt/old", 0x1ED));
        Touch("/mnt/marker", "new");
        var ctx = _t.Root;
        Assert.Equal(Err(Errno.EBUSY), V.PivotRoot(ctx, "/dir", "/dir/sub", out _, out _)); // new_root on the root's mount
        Assert.Equal(Err(Errno.EINVAL), V.PivotRoot(ctx, "/mnt/old", "/mnt/old", out _, out _)); // not a mount point
        Assert.Equal(Err(Errno.EBUSY), V.PivotRoot(ctx, "/mnt", "/etc", out _, out _)); // put_old on the root's mount
        Assert.Equal(Err(Errno.EINVAL), V.PivotRoot(ctx, "/mnt", "/tmp", out _, out _)); // put_old not beneath new_root
        Assert.Equal(Err(Errno.EPERM), V.PivotRoot(_t.User, "/mnt", "/mnt/old", out _, out _));
        Assert.Equal(0, V.PivotRoot(ctx, "/mnt", "/mnt/old", out var oldRoot, out var newRoot));
        ctx.Root = ctx.Cwd = newRoot!;
        Assert.Equal(oldRoot, _t.User.Root);
        Assert.Equal("new", _t.ReadFile(ctx, "/marker"));
        Assert.Equal("guest-passwd\n", _t.ReadFile(ctx, "/old/etc/passwd"));
        Assert.True(V.Stat(ctx, null, "/old/tmp", 0, out _) == 0);
        Assert.Equal(0, V.Unmount(ctx, "/old", MNT_DETACH, NotBusy));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(ctx, null, "/old/etc", 0, out _));
        Assert.Equal(0, V.Resolve(ctx, null, "/../../..", 0, out var top));
        Assert.Equal(newRoot, top);
        Assert.Same(newRoot!.Mount, V.RootMount);
    }

    [Fact]
    public void PivotRootDotDotStacksTheOldRootOnTheNewOne()
    {
        Assert.Equal(0, Mount("newroot", "/mnt", "tmpfs"));
        Touch("/mnt/marker", "new");
        var ctx = _t.Root;
        Assert.Equal(0, V.ChangeDir(ctx, null, "/mnt"));
        Assert.Equal(0, V.PivotRoot(ctx, ".", ".", out _, out var newRoot));
        ctx.Root = ctx.Cwd = newRoot!;
        Assert.Equal(0, V.Unmount(ctx, ".", MNT_DETACH, NotBusy));
        Assert.Equal("new", _t.ReadFile(ctx, "/marker"));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(ctx, null, "/etc", 0, out _));
    }

    [Fact]
    public void ChrootConfinesLookups()
    {
        var ctx = _t.Root.Clone();
        Assert.Equal(0, V.ChangeRoot(ctx, null, "/dir"));
        // The classic escape: cwd is still outside the new root, and ".." from it climbs, but never past "/".
        Assert.Equal("(unreachable)/", ctx.Cwd.PathFrom(ctx.Root));
        Assert.Equal(0, V.Resolve(ctx, null, "/..", 0, out var top));
        Assert.Equal(ctx.Root, top);
        Assert.Equal(0, V.Resolve(ctx, null, "/sub/leaf", 0, out _));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(ctx, null, "/etc/passwd", 0, out _));
        Assert.Equal(Err(Errno.EPERM), V.ChangeRoot(_t.User.Clone(), null, "/dir"));
        Assert.Equal(Err(Errno.ENOTDIR), V.ChangeRoot(ctx, null, "/sub/leaf"));
    }
}
