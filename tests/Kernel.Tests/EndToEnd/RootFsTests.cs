using System.Runtime.Versioning;
using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.EndToEnd;

/// <summary>
/// The root filesystem from a guest's side, run under our kernel only: the programs in tests/kernel-only check the
/// man pages' answers themselves (EXPECT_* of conformance.h), because the oracle cannot run them (qemu-aarch64 7.2
/// has no openat2, and mount under qemu would mount on the host).
/// </summary>
[Collection(GuestCollection.Name)]
[SupportedOSPlatform("linux")]
public sealed class RootFsTests
{
    private static string Sources => Path.Combine(RepoPaths.Root, "tests", "kernel-only");
    private static string Out => Path.Combine(Sources, "out");

    private static string Compile(string name) =>
        GuestRunner.CompileArm64(Path.Combine(Sources, name + ".c"), Path.Combine(Out, name), "-I", RepoPaths.ConformanceSources);

    private static void AssertClean(ProcessResult r)
    {
        Assert.True(r.ExitCode == 0 && !r.Stdout.Contains("MISMATCH") && !r.Stdout.Contains("FAILED"), r.Describe());
    }

    [Theory]
    [InlineData("mount")]
    [InlineData("openat2")]
    public void Program_passes_in_the_default_root(string name)
    {
        Compile(name);
        AssertClean(GuestRunner.RunKernel("run", "--mount", $"{Out}:/k", "--", $"/k/{name}"));
    }

    /// <summary>A small root filesystem in a temporary directory, with a secret file next to it (outside the root).</summary>
    private sealed class TinyRoot : IDisposable
    {
        public string Dir { get; }
        public string Root => Path.Combine(Dir, "root");
        public string Outside => Path.Combine(Dir, "outside");
        public string Secret { get; } = "HOST-SECRET-" + Guid.NewGuid().ToString("N");

        public TinyRoot(string program)
        {
            Dir = Directory.CreateTempSubdirectory("kernel-rootfs-").FullName;
            File.SetUnixFileMode(Dir, (UnixFileMode)0x1ED);
            Directory.CreateDirectory(Outside);
            File.WriteAllText(Path.Combine(Outside, "secret"), Secret + "\n");
            foreach (var d in new[] { "bin", "etc", "tmp", "dev", "mnt", "mnt2", "links", "usr/share/doc/pkg", "var/lib/state",
                         "doomed/a/x", "doomed/b", "home/user/.config" })
                Directory.CreateDirectory(P(d));
            File.SetUnixFileMode(Root, (UnixFileMode)0x1ED);
            File.WriteAllText(P("etc/passwd"), "sandbox-passwd\n");
            File.WriteAllText(P("etc/shadow"), "sandbox-shadow\n");
            File.WriteAllText(P("etc/hostname"), "tiny\n");
            File.WriteAllText(P("usr/share/doc/pkg/README"), "readme\n");
            File.WriteAllText(P("var/lib/state/db"), new string('d', 10000));
            File.WriteAllText(P("doomed/a/x/f1"), "1");
            File.WriteAllText(P("doomed/b/f2"), "2");
            File.WriteAllText(P("home/user/.config/rc"), "rc\n");
            File.CreateSymbolicLink(P("links/shadow-abs"), "/etc/shadow");
            File.CreateSymbolicLink(P("links/up"), "../../../../../../../..");
            File.CreateSymbolicLink(P("links/up-shadow"), "../../../../../../etc/shadow");
            File.CreateSymbolicLink(P("links/host-abs"), Path.Combine(Outside, "secret"));
            File.CreateSymbolicLink(P("links/host-rel"), Path.GetRelativePath(P("links"), Path.Combine(Outside, "secret")));
            File.CreateSymbolicLink(P("links/hostdir-rel"), Path.GetRelativePath(P("links"), Outside));
            File.CreateSymbolicLink(P("usr/share/doc/pkg/link"), "README");
            File.CreateSymbolicLink(P("usr/share/doc/pkg/abs"), "/etc/hostname");
            HostTree.MakeFifo(P("var/lib/state/fifo"));
            var binary = Compile(program);
            File.Copy(binary, P("bin/" + program));
            File.SetUnixFileMode(P("bin/" + program), (UnixFileMode)0x1ED);
        }

        private string P(string rel) => Path.Combine(Root, rel);

        public ProcessResult Run(string program, bool writable) =>
            GuestRunner.RunKernel(writable
                ? ["run", "--rootfs", Root, "--rootfs-writable", "--", "/bin/" + program]
                : ["run", "--rootfs", Root, "--", "/bin/" + program]);

        public void Dispose()
        {
            try { Directory.Delete(Dir, true); }
            catch (IOException) { }
        }
    }

    [Fact]
    public void Writing_everywhere_leaves_the_host_tree_unchanged()
    {
        using var t = new TinyRoot("rootfs_writes");
        var before = HostTree.Snapshot(t.Root);
        var r = t.Run("rootfs_writes", writable: false);
        AssertClean(r);
        Assert.Contains("directories: 19 files: 8", r.Stdout);
        Assert.Equal(before, HostTree.Snapshot(t.Root));
    }

    [Fact]
    public void With_rootfs_writable_the_same_changes_reach_the_host_tree()
    {
        using var t = new TinyRoot("rootfs_writes");
        var r = t.Run("rootfs_writes", writable: true);
        AssertClean(r);
        Assert.False(File.Exists(Path.Combine(t.Root, "etc/passwd")));
        Assert.Equal("s", File.ReadAllText(Path.Combine(t.Root, "etc/passwd.moved")));
        Assert.Equal(0x180, (int)File.GetUnixFileMode(Path.Combine(t.Root, "etc/passwd.moved")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(t.Root, "var/lib/state/guest-new")));
        Assert.Empty(Directory.EnumerateFileSystemEntries(Path.Combine(t.Root, "doomed")));
        Assert.Equal("guest-new", new FileInfo(Path.Combine(t.Root, "usr/guest-sym")).LinkTarget);
        Assert.Equal("1", HostTree.GetXattr(Path.Combine(t.Root, "home/user/.config/rc.moved"), "user.guest"));
        Assert.Equal(t.Secret + "\n", File.ReadAllText(Path.Combine(t.Outside, "secret")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Nothing_outside_the_root_is_reached(bool writable)
    {
        using var t = new TinyRoot("escape");
        var root = HostTree.Snapshot(t.Root);
        var outside = HostTree.Snapshot(t.Outside);
        var r = t.Run("escape", writable);
        AssertClean(r);
        Assert.DoesNotContain(t.Secret, r.Stdout + r.Stderr);
        Assert.Equal(outside, HostTree.Snapshot(t.Outside));
        if (writable)
            Assert.True(Directory.Exists(Path.Combine(t.Root, "jail")), "the writable root takes the guest's changes");
        else
            Assert.Equal(root, HostTree.Snapshot(t.Root));
    }

    /// <summary>
    /// MAP_SHARED mappings of the root's files (conformance/sharedfile, whose answers the qemu oracle checks on /tmp):
    /// with --rootfs-writable the host files' own pages, whose stores reach the host file; with the overlay root an
    /// existing file is copied up by its open for writing and the host tree stays unchanged.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Shared_file_mappings_are_the_files_pages(bool writable)
    {
        using var t = new TinyRoot("escape");
        var binary = GuestRunner.CompileArm64(Path.Combine(RepoPaths.ConformanceSources, "sharedfile.c"), Path.Combine(Out, "sharedfile"),
            "-I", RepoPaths.ConformanceSources);
        File.Copy(binary, Path.Combine(t.Root, "bin", "sharedfile"));
        File.SetUnixFileMode(Path.Combine(t.Root, "bin", "sharedfile"), (UnixFileMode)0x1ED);
        var before = HostTree.Snapshot(t.Root);
        var r = GuestRunner.RunKernel(writable
            ? ["run", "--rootfs", t.Root, "--rootfs-writable", "--", "/bin/sharedfile", "/var/lib/state", "/var/lib/state/db"]
            : ["run", "--rootfs", t.Root, "--", "/bin/sharedfile", "/var/lib/state", "/var/lib/state/db"]);
        AssertClean(r);
        Assert.Contains("  stores reach read(2): 1", r.Stdout);
        if (writable)
        {
            var db = File.ReadAllText(Path.Combine(t.Root, "var/lib/state/db"));
            Assert.StartsWith("guestddd", db);
            Assert.Equal(10000, db.Length);
            Assert.Empty(Directory.GetFiles(Path.Combine(t.Root, "var/lib/state"), "sharedfile.*"));
        }
        else
        {
            var after = HostTree.Snapshot(t.Root);
            Assert.True(before.SequenceEqual(after), "the host tree changed:\n" + string.Join("\n", before.Except(after).Concat(after.Except(before))));
        }
    }
}
