using System.Buffers.Binary;
using System.Runtime.Versioning;
using Xunit.Abstractions;

namespace Kernel.Tests.Setup;

/// <summary>
/// Checks the default guest root filesystem that scripts/setup.sh builds. These
/// tests never skip: a missing rootfs is a failure that says how to build it.
/// </summary>
[UnsupportedOSPlatform("windows")] // Unix modes and symlinks of a Linux tree
public sealed class RootfsTests
{
    private const string DefaultRootfs = "/var/cache/kernel/rootfs-bookworm-arm64";
    private const ushort EmAarch64 = 183;
    private const int MaxSymlinkHops = 40; // Linux's ELOOP limit

    private readonly ITestOutputHelper _output;

    public RootfsTests(ITestOutputHelper output) => _output = output;

    private static string Root
    {
        get
        {
            var env = Environment.GetEnvironmentVariable("KERNEL_ROOTFS");
            var root = string.IsNullOrEmpty(env) ? DefaultRootfs : env;
            Assert.True(Directory.Exists(root),
                $"guest root filesystem {root} is missing: run scripts/setup.sh (or ./test.sh) to build it");
            return root.TrimEnd('/');
        }
    }

    [Theory]
    [InlineData("bin", "usr/bin")]
    [InlineData("sbin", "usr/sbin")]
    [InlineData("lib", "usr/lib")]
    public void TopLevelDirectoriesAreRelativeMergedUsrLinks(string name, string target)
    {
        var link = new DirectoryInfo(Path.Combine(Root, name));
        Assert.Equal(target, link.LinkTarget);
        Assert.True(Directory.Exists(Path.Combine(Root, target)), $"{target} is not a directory");
    }

    [Fact]
    public void Python311IsAnArm64Elf()
    {
        var path = ResolveInRoot(Root, "/usr/bin/python3.11");
        var header = new byte[20];
        using (var f = File.OpenRead(path))
        {
            f.ReadExactly(header);
        }

        Assert.Equal(new byte[] { 0x7f, (byte)'E', (byte)'L', (byte)'F' }, header[..4]);
        Assert.Equal(2, header[4]); // ELFCLASS64
        Assert.Equal(1, header[5]); // ELFDATA2LSB: e_machine below is little-endian
        Assert.Equal(EmAarch64, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18, 2)));
    }

    [Theory]
    [InlineData("/usr/bin/python3")]
    [InlineData("/bin/busybox")]
    [InlineData("/usr/bin/ls")]
    [InlineData("/bin/sh")]
    [InlineData("/lib/ld-linux-aarch64.so.1")]
    public void ProgramsResolveInsideTheRoot(string guestPath)
    {
        var host = ResolveInRoot(Root, guestPath);
        Assert.True(File.Exists(host), $"{guestPath} resolves to {host}, which is not a file");
    }

    [Fact]
    public void PasswdHasRoot()
    {
        var lines = File.ReadAllLines(Path.Combine(Root, "etc/passwd"));
        var root = lines.Select(l => l.Split(':')).SingleOrDefault(f => f[0] == "root");
        Assert.NotNull(root);
        Assert.Equal(7, root.Length);
        Assert.Equal("0", root[2]);
        Assert.Equal("0", root[3]);
        Assert.Equal("/root", root[5]);
    }

    [Fact]
    public void MaintainerScriptFilesExist()
    {
        Assert.Equal("sandbox", File.ReadAllText(Path.Combine(Root, "etc/hostname")).Trim());
        Assert.Contains(File.ReadAllLines(Path.Combine(Root, "etc/hosts")),
            l => l.StartsWith("127.0.0.1", StringComparison.Ordinal) && l.Contains("localhost", StringComparison.Ordinal));
        // Group entries as base-passwd's group.master has them (no shadow package, so "*").
        Assert.Contains(File.ReadAllLines(Path.Combine(Root, "etc/group")),
            l => l.Split(':') is ["root", _, "0", _]);
    }

    [Theory]
    [InlineData("tmp", true)]
    [InlineData("var/tmp", true)]
    [InlineData("proc", false)]
    [InlineData("dev", false)]
    [InlineData("sys", false)]
    [InlineData("root", false)]
    [InlineData("home", false)]
    [InlineData("run", false)]
    public void StandardDirectoriesExist(string dir, bool sticky)
    {
        var path = Path.Combine(Root, dir);
        Assert.True(Directory.Exists(path), $"/{dir} is missing");
        Assert.Null(new DirectoryInfo(path).LinkTarget);
        if (sticky)
        {
            var mode = File.GetUnixFileMode(path);
            Assert.True(mode.HasFlag(UnixFileMode.StickyBit), $"/{dir} mode {mode} lacks the sticky bit");
            Assert.True(mode.HasFlag(UnixFileMode.OtherWrite), $"/{dir} mode {mode} is not world-writable");
        }
    }

    /// <summary>
    /// Absolute symlinks are legal: the kernel resolves them beneath the root, so
    /// they are only reported. A relative link whose ".." climbs above the root
    /// would be clamped at "/" by a chroot-style resolver but never occurs in a
    /// correctly unpacked Debian tree, so it means the extraction went wrong.
    /// </summary>
    [Fact]
    public void SymlinksStayInsideTheRoot()
    {
        var root = Root;
        var escaping = new List<string>();
        var absolute = 0;
        var loops = new List<string>();
        foreach (var (link, target) in Symlinks(root))
        {
            var guest = "/" + Path.GetRelativePath(root, link);
            if (target.StartsWith('/'))
            {
                absolute++;
                var resolved = TryResolveInRoot(root, guest);
                var note = resolved is null || !Path.Exists(resolved) ? " (dangling inside the root)" : "";
                _output.WriteLine($"absolute symlink {guest} -> {target}{note}");
            }
            else if (ClimbsAboveRoot(guest, target))
            {
                escaping.Add($"{guest} -> {target}");
            }
            else if (TryResolveInRoot(root, guest) is null)
            {
                loops.Add($"{guest} -> {target}");
            }
        }

        _output.WriteLine($"{absolute} absolute symlinks (resolved beneath the root by the kernel)");
        foreach (var l in loops) _output.WriteLine($"symlink loop: {l}");
        Assert.True(escaping.Count == 0, "relative symlinks escaping the root:\n" + string.Join('\n', escaping));
    }

    private static IEnumerable<(string Link, string Target)> Symlinks(string dir)
    {
        foreach (var entry in new DirectoryInfo(dir).EnumerateFileSystemInfos())
        {
            if (entry.LinkTarget is { } target)
                yield return (entry.FullName, target);
            else if (entry is DirectoryInfo)
                foreach (var inner in Symlinks(entry.FullName))
                    yield return inner;
        }
    }

    private static bool ClimbsAboveRoot(string guestLink, string target)
    {
        var depth = guestLink.Split('/', StringSplitOptions.RemoveEmptyEntries).Length - 1;
        foreach (var part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (--depth < 0) return true;
            }
            else if (part != ".")
            {
                depth++;
            }
        }

        return false;
    }

    private static string ResolveInRoot(string root, string guestPath) =>
        TryResolveInRoot(root, guestPath) ?? throw new Xunit.Sdk.XunitException($"{guestPath}: too many levels of symbolic links");

    /// <summary>
    /// Resolves a guest path the way a chroot does: absolute link targets restart
    /// at the root and ".." never leaves it. Returns the host path (which may not
    /// exist) or null on a symlink loop.
    /// </summary>
    private static string? TryResolveInRoot(string root, string guestPath)
    {
        var done = new List<string>();
        var todo = new Queue<string>(guestPath.Split('/', StringSplitOptions.RemoveEmptyEntries));
        var hops = 0;
        while (todo.Count > 0)
        {
            var part = todo.Dequeue();
            if (part == ".") continue;
            if (part == "..")
            {
                if (done.Count > 0) done.RemoveAt(done.Count - 1);
                continue;
            }

            done.Add(part);
            var host = root + "/" + string.Join('/', done);
            var target = new FileInfo(host).LinkTarget;
            if (target is null) continue;
            if (++hops > MaxSymlinkHops) return null;

            done.RemoveAt(done.Count - 1);
            if (target.StartsWith('/')) done.Clear();
            todo = new Queue<string>(target.Split('/', StringSplitOptions.RemoveEmptyEntries).Concat(todo));
        }

        return root + "/" + string.Join('/', done);
    }
}
