using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Tests.Infrastructure;
using static Kernel.Syscalls.Abi.AtFlags;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

/// <summary>The default root: the host directory as the read-only lower layer of an in-memory overlay.</summary>
public sealed class OverlayTests : IDisposable
{
    private readonly VfsTestRoot _t = new(mode: RootFsMode.Overlay);
    private VirtualFileSystem V => _t.Vfs;
    private FsContext R => _t.Root;
    private string Host(string rel) => Path.Combine(_t.HostDir, rel);
    public void Dispose() => _t.Dispose();

    private StatInfo Stat(string path, int flags = 0)
    {
        long r = V.Stat(R, null, path, flags, out var st);
        Assert.True(r == 0, $"stat {path}: {(Errno)(-r)}");
        return st;
    }

    private HashSet<string> List(string dir)
    {
        var f = _t.Open(R, dir, O_RDONLY | O_DIRECTORY);
        try { return DirentReader.ReadAll(f).Select(e => e.Name).ToHashSet(); }
        finally { f.Release(); }
    }

    [Fact]
    public void TheRootIsAWritableOverlay()
    {
        Assert.Equal("overlay", V.RootMount.Fs.Type);
        Assert.False(V.RootMount.ReadOnly);
        Assert.Equal(0, V.StatFs(R, null, "/etc", out var sfs));
        Assert.Equal(OverlayFilesystem.OVERLAYFS_SUPER_MAGIC, sfs.Type);
        Assert.Equal(0, sfs.Flags & StatFsInfo.ST_RDONLY);
    }

    /// <summary>Host descriptors of this process open on <paramref name="path"/> (other tests' files do not count).</summary>
    private static int HostFdsOn(string path) => Directory.GetFiles("/proc/self/fd").Count(fd =>
    {
        try { return new FileInfo(fd).LinkTarget == path; }
        catch (IOException) { return false; } // closed meanwhile
    });

    [Fact]
    public void ALowerFileOpenedForReadingTakesAHostDescriptorOnlyWhenRead()
    {
        var host = Host("file.txt");
        var files = Enumerable.Range(0, 5).Select(_ => _t.Open(R, "/file.txt", O_RDONLY)).ToList();
        // Opens of the lower file take no host descriptor yet (open+close costs no host call).
        Assert.Equal(0, HostFdsOn(host));
        var buf = new byte[64];
        foreach (var f in files) Assert.Equal(11, f.Read(buf));
        Assert.Equal("hello world", System.Text.Encoding.ASCII.GetString(buf, 0, 11));
        Assert.Equal(5, HostFdsOn(host));
        foreach (var f in files) f.Release();
        Assert.Equal(0, HostFdsOn(host));
        // A file released before any read never opens the host file, and reads after release fail.
        var unread = _t.Open(R, "/file.txt", O_RDONLY);
        unread.Release();
        Assert.True(unread.Read(buf) < 0);
    }

    [Fact]
    public void WritingALowerFileCopiesItUpAndLeavesTheHostAlone()
    {
        var before = Stat("/file.txt");
        var f = _t.Open(R, "/file.txt", O_WRONLY | O_APPEND);
        Assert.Equal(4, Write(f, " end"));
        f.Release();
        Assert.Equal("hello world end", _t.ReadFile(R, "/file.txt"));
        Assert.Equal("hello world", File.ReadAllText(Host("file.txt")));
        var after = Stat("/file.txt");
        // The same inode number and device before and after the copy-up.
        Assert.Equal(before.Ino, after.Ino);
        Assert.Equal(before.Dev, after.Dev);
        Assert.Equal(HostTree.LStat(Host("file.txt")).Ino, after.Ino);
        Assert.Equal(15, after.Size);
    }

    [Fact]
    public void TruncateChmodChownAndUtimesCopyUp()
    {
        var hostBefore = HostTree.Snapshot(_t.HostDir);
        Assert.Equal(0, _t.OpenErr(R, "/etc/passwd", O_WRONLY | O_TRUNC));
        Assert.Equal("", _t.ReadFile(R, "/etc/passwd"));
        Assert.Equal(0, V.Truncate(R, null, "/etc/hostname", 5));
        Assert.Equal("guest", _t.ReadFile(R, "/etc/hostname"));
        Assert.Equal(0, V.Resolve(R, null, "/bin/sh", 0, out var sh));
        Assert.Equal(0, V.SetMode(R, sh, 0x1C0));
        Assert.Equal(S_IFREG | 0x1C0u, Stat("/bin/sh").Mode);
        Assert.Equal("#!", _t.ReadFile(R, "/bin/sh")); // contents came along
        Assert.Equal(0, V.Resolve(R, null, "/usr/lib/libx.so", 0, out var lib));
        Assert.Equal(0, V.SetOwner(R, lib, 1234, 5678));
        Assert.Equal((1234u, 5678u), (Stat("/usr/lib/libx.so").Uid, Stat("/usr/lib/libx.so").Gid));
        Assert.Equal(0, V.Resolve(R, null, "/dir/sub", 0, out var sub));
        Assert.Equal(0, V.SetTimes(R, sub, new Timespec(1000, 5), new Timespec(2000, 7), true));
        var st = Stat("/dir/sub");
        Assert.Equal((1000L, 5L, 2000L, 7L), (st.AtimeSec, st.AtimeNsec, st.MtimeSec, st.MtimeNsec));
        Assert.Equal(hostBefore, HostTree.Snapshot(_t.HostDir));
    }

    [Fact]
    public void CopyUpKeepsOwnerModeTimesAndParentTimes()
    {
        var host = Stat("/usr/lib/libx.so");
        var parentBefore = Stat("/usr/lib");
        Assert.Equal(0, V.Resolve(R, null, "/usr/lib/libx.so", 0, out var lib));
        Assert.Equal(0, lib.Inode.SetXattr("user.k", "v"u8.ToArray(), 0)); // a copy-up through the inode itself
        var up = Stat("/usr/lib/libx.so");
        Assert.Equal((host.Mode, host.Uid, host.Gid, host.Size), (up.Mode, up.Uid, up.Gid, up.Size));
        Assert.Equal((host.MtimeSec, host.MtimeNsec), (up.MtimeSec, up.MtimeNsec));
        var parentAfter = Stat("/usr/lib");
        Assert.Equal((parentBefore.MtimeSec, parentBefore.MtimeNsec), (parentAfter.MtimeSec, parentAfter.MtimeNsec));
    }

    [Fact]
    public void DeletingALowerNameLeavesAWhiteout()
    {
        Assert.Equal(0, V.Unlink(R, null, "/etc/hostname", 0));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(R, null, "/etc/hostname", 0, out _));
        Assert.DoesNotContain("hostname", List("/etc"));
        Assert.True(File.Exists(Host("etc/hostname")));
        // A new file over the whiteout, then deleting it again.
        var f = _t.Open(R, "/etc/hostname", O_CREAT | O_WRONLY | O_EXCL);
        Write(f, "new");
        f.Release();
        Assert.Equal("new", _t.ReadFile(R, "/etc/hostname"));
        Assert.Single(List("/etc"), n => n == "hostname");
        Assert.Equal(0, V.Unlink(R, null, "/etc/hostname", 0));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(R, null, "/etc/hostname", 0, out _));
        Assert.Equal("guest-host\n", File.ReadAllText(Host("etc/hostname")));
    }

    [Fact]
    public void RmdirThenMkdirMakesAnOpaqueDirectory()
    {
        Assert.Equal(Err(Errno.ENOTEMPTY), V.Unlink(R, null, "/dir/sub", AT_REMOVEDIR));
        Assert.Equal(0, V.Unlink(R, null, "/dir/sub/leaf", 0));
        Assert.Equal(0, V.Unlink(R, null, "/dir/sub", AT_REMOVEDIR));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(R, null, "/dir/sub", 0, out _));
        Assert.Equal(0, V.MakeDir(R, null, "/dir/sub", 0x1ED));
        // The host's dir/sub/leaf stays hidden: the new directory does not merge with the lower one.
        Assert.Equal(new HashSet<string> { ".", ".." }, List("/dir/sub"));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(R, null, "/dir/sub/leaf", 0, out _));
        Assert.True(File.Exists(Host("dir/sub/leaf")));
        // Removing a whole lower tree entry by entry works too, and the host keeps it.
        Assert.Equal(0, V.Unlink(R, null, "/usr/lib/libx.so", 0));
        Assert.Equal(0, V.Unlink(R, null, "/usr/up", 0));
        Assert.Equal(0, V.Unlink(R, null, "/usr/lib", AT_REMOVEDIR));
        Assert.Equal(0, V.Unlink(R, null, "/usr", AT_REMOVEDIR));
        Assert.DoesNotContain("usr", List("/"));
        Assert.True(File.Exists(Host("usr/lib/libx.so")));
    }

    [Fact]
    public void DirectoriesListBothLayersOnceWithTheirInodeNumbers()
    {
        var f = _t.Open(R, "/etc/added", O_CREAT | O_WRONLY);
        f.Release();
        Assert.Equal(0, V.Symlink(R, "passwd", null, "/etc/link"));
        var d = _t.Open(R, "/etc", O_RDONLY | O_DIRECTORY);
        var recs = DirentReader.ReadAll(d);
        var names = recs.Select(r => r.Name).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        foreach (var n in new[] { ".", "..", "passwd", "hostname", "added", "link" }) Assert.Contains(n, names);
        foreach (var rec in recs.Where(r => r.Name is not ("." or "..")))
        {
            var st = Stat("/etc/" + rec.Name, AT_SYMLINK_NOFOLLOW);
            Assert.Equal(st.Ino, rec.Ino);
            Assert.Equal(DirectoryFile.DirentType(st.Mode), rec.Type);
        }
        Assert.Equal(Stat("/etc").Ino, recs.Single(r => r.Name == ".").Ino);
        // A directory with both layers reports one link, as overlayfs does; its inode number stays the lower one.
        Assert.Equal(1u, Stat("/etc").Nlink);
        Assert.Equal(HostTree.LStat(Host("etc")).Ino, Stat("/etc").Ino);
        Assert.Equal("passwd", V.ReadLink(R, null, "/etc/link", out var t) == 0 ? t : "");
    }

    [Fact]
    public void EveryFileOfTheOverlayHasItsDeviceAndUpperFilesDistinctNumbers()
    {
        var root = Stat("/");
        _t.Open(R, "/new1", O_CREAT | O_WRONLY).Release();
        _t.Open(R, "/dir/new2", O_CREAT | O_WRONLY).Release();
        var n1 = Stat("/new1");
        var n2 = Stat("/dir/new2");
        Assert.Equal(root.Dev, n1.Dev);
        Assert.Equal(root.Dev, Stat("/etc/passwd").Dev);
        Assert.NotEqual(root.Dev, Stat("/tmp").Dev);
        Assert.NotEqual(n1.Ino, n2.Ino);
        var lowerInos = new[] { "/", "/etc", "/etc/passwd", "/file.txt", "/dir", "/dir/sub/leaf" }.Select(p => Stat(p).Ino).ToHashSet();
        Assert.DoesNotContain(n1.Ino, lowerInos);
        Assert.DoesNotContain(n2.Ino, lowerInos);
        // Renaming keeps the number.
        Assert.Equal(0, V.Rename(R, null, "/new1", null, "/etc/moved", 0));
        Assert.Equal(n1.Ino, Stat("/etc/moved").Ino);
    }

    [Fact]
    public void RenamesFollowOverlayfs()
    {
        var ino = Stat("/file.txt").Ino;
        Assert.Equal(0, V.Rename(R, null, "/file.txt", null, "/dir/renamed", 0));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(R, null, "/file.txt", 0, out _));
        Assert.DoesNotContain("file.txt", List("/"));
        Assert.Equal("hello world", _t.ReadFile(R, "/dir/renamed"));
        Assert.Equal(ino, Stat("/dir/renamed").Ino);
        // Over an existing lower file.
        Assert.Equal(0, V.Rename(R, null, "/dir/renamed", null, "/etc/passwd", 0));
        Assert.Equal("hello world", _t.ReadFile(R, "/etc/passwd"));
        // A directory with lower contents cannot move (EXDEV: mv copies instead); one made in the overlay can.
        Assert.Equal(Err(Errno.EXDEV), V.Rename(R, null, "/dir", null, "/dir2", 0));
        Assert.Equal(Err(Errno.EXDEV), V.Rename(R, null, "/usr/lib", null, "/usr/lib2", 0));
        Assert.Equal(0, V.MakeDir(R, null, "/made", 0x1ED));
        _t.Open(R, "/made/inside", O_CREAT | O_WRONLY).Release();
        Assert.Equal(0, V.Rename(R, null, "/made", null, "/etc/made2", 0));
        Assert.Equal(0, V.Stat(R, null, "/etc/made2/inside", 0, out _));
        Assert.Equal(0, V.Resolve(R, null, "/etc/made2", 0, out var made));
        Assert.Equal("/etc/made2", made.GuestPath);
        // Exchanging two files, one of them lower.
        _t.Open(R, "/x1", O_CREAT | O_WRONLY).Release();
        Assert.Equal(0, V.Rename(R, null, "/x1", null, "/etc/hostname", RENAME_EXCHANGE));
        Assert.Equal("guest-host\n", _t.ReadFile(R, "/x1"));
        Assert.Equal("", _t.ReadFile(R, "/etc/hostname"));
        Assert.Equal("hello world", File.ReadAllText(Host("file.txt")));
        Assert.Equal("guest-passwd\n", File.ReadAllText(Host("etc/passwd")));
        Assert.False(Directory.Exists(Host("dir2")));
    }

    [Fact]
    public void HardLinksOfLowerFilesShareTheCopy()
    {
        Assert.Equal(0, V.Link(R, null, "/etc/passwd", null, "/dir/hard", 0));
        var a = Stat("/etc/passwd");
        var b = Stat("/dir/hard");
        Assert.Equal(a.Ino, b.Ino);
        Assert.Equal(2u, a.Nlink);
        var f = _t.Open(R, "/dir/hard", O_WRONLY | O_APPEND);
        Write(f, "x");
        f.Release();
        Assert.Equal("guest-passwd\nx", _t.ReadFile(R, "/etc/passwd"));
        Assert.Equal(0, V.Unlink(R, null, "/etc/passwd", 0));
        Assert.Equal(1u, Stat("/dir/hard").Nlink);
        Assert.Equal(1L, HostTree.LStat(Host("etc/passwd")).Nlink);
        Assert.False(File.Exists(Host("dir/hard")));
    }

    [Fact]
    public void AReaderOpenedBeforeTheCopyUpSeesTheNewContents()
    {
        var reader = _t.Open(R, "/etc/passwd");
        var buf = new byte[6];
        Assert.Equal(6, reader.Read(buf));
        var writer = _t.Open(R, "/etc/passwd", O_WRONLY);
        Write(writer, "GUEST-");
        writer.Release();
        Assert.Equal("passwd\n", ReadAll(reader));
        Assert.Equal(0, reader.Seek(0, SEEK_SET));
        Assert.Equal("GUEST-passwd\n", ReadAll(reader));
        Assert.Equal(0, reader.Stat(out var st));
        Assert.Equal(Stat("/etc/passwd").Ino, st.Ino);
        reader.Release();
    }

    [Fact]
    public void AnUnlinkedLowerFileStaysReadableAndCopiesUpWithoutAName()
    {
        var f = _t.Open(R, "/etc/hostname");
        Assert.Equal(0, V.Unlink(R, null, "/etc/hostname", 0));
        Assert.Equal("guest-host\n", ReadAll(f));
        Assert.Equal(0, V.SetMode(R, f.Location!, 0x180));
        Assert.Equal(Err(Errno.ENOENT), V.Stat(R, null, "/etc/hostname", 0, out _));
        Assert.DoesNotContain("hostname", List("/etc"));
        f.Release();
    }

    [Fact]
    public void NewNodesOfEveryKindLiveInTheUpperLayer()
    {
        Assert.Equal(0, V.MakeNode(R, null, "/dir/fifo", (int)(S_IFIFO | 0x1A4), 0));
        Assert.Equal(0, V.MakeNode(R, null, "/dir/null", (int)(S_IFCHR | 0x1A4), StatInfo.MakeDev(1, 3)));
        Assert.Equal(S_IFCHR, Stat("/dir/null").Mode & S_IFMT);
        Assert.Equal(StatInfo.MakeDev(1, 3), Stat("/dir/null").Rdev);
        Assert.Equal(0, V.Symlink(R, "../etc/passwd", null, "/dir/sym"));
        Assert.Equal("guest-passwd\n", _t.ReadFile(R, "/dir/sym"));
        Assert.Equal(0, _t.OpenErr(R, "/dir", O_TMPFILE | O_RDWR));
        Assert.Equal(new[] { "dir/sub", "dir/sub/leaf" }, Directory.EnumerateFileSystemEntries(Host("dir"), "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(_t.HostDir, p)).Order().ToArray());
    }

    [Fact]
    public void AFifoOfTheLowerLayerIsOurPipe()
    {
        HostTree.MakeFifo(Host("dir/lowerfifo"));
        var r = _t.Open(R, "/dir/lowerfifo", O_RDONLY | O_NONBLOCK);
        var w = _t.Open(R, "/dir/lowerfifo", O_WRONLY | O_NONBLOCK);
        Assert.Equal(2, Write(w, "hi"));
        var buf = new byte[4];
        Assert.Equal(2, r.Read(buf));
        r.Release();
        w.Release();
    }

    [Fact]
    public void ChangesAnywhereNeverReachTheHost()
    {
        var before = HostTree.Snapshot(_t.HostDir);
        foreach (var dir in new[] { "/", "/etc", "/usr", "/usr/lib", "/dir", "/dir/sub", "/bin" })
        {
            string p(string n) => dir.TrimEnd('/') + "/" + n;
            var f = _t.Open(R, p("created"), O_CREAT | O_RDWR);
            Write(f, "data");
            f.Release();
            Assert.Equal(0, V.MakeDir(R, null, p("newdir"), 0x1FF));
            Assert.Equal(0, V.Symlink(R, "created", null, p("symlink")));
            Assert.Equal(0, V.Link(R, null, p("created"), null, p("hardlink"), 0));
            Assert.Equal(0, V.Rename(R, null, p("created"), null, p("renamed"), 0));
            Assert.Equal(0, V.Resolve(R, null, dir, 0, out var d));
            Assert.Equal(0, V.SetMode(R, d, 0x1FF));
            Assert.Equal(0, V.SetTimes(R, d, new Timespec(1, 0), new Timespec(2, 0), true));
            Assert.Equal(0, V.SetOwner(R, d, 42, 42));
            Assert.Equal(0, V.SetXattr(R, d, "user.x", [1, 2, 3], 0));
        }
        foreach (var file in new[] { "/etc/passwd", "/etc/hostname", "/bin/sh", "/usr/lib/libx.so", "/file.txt", "/dir/sub/leaf" })
        {
            Assert.Equal(0, V.Resolve(R, null, file, 0, out var loc));
            Assert.Equal(0, V.SetMode(R, loc, 0x1FF));
            Assert.Equal(0, V.Truncate(R, null, file, 1));
            Assert.Equal(0, V.Link(R, null, file, null, file + ".link", 0));
            Assert.Equal(0, V.Rename(R, null, file, null, file + ".moved", 0));
            Assert.Equal(0, V.Unlink(R, null, file + ".link", 0));
        }
        Assert.Equal(0, V.Unlink(R, null, "/escape", 0));
        Assert.Equal(0, V.Rename(R, null, "/abs", null, "/abs2", 0));
        Assert.Equal(0, V.Rename(R, null, "/lib", null, "/etc/lib", RENAME_NOREPLACE));
        Assert.Equal(before, HostTree.Snapshot(_t.HostDir));
    }
}
