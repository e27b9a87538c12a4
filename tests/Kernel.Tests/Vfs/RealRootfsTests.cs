using Kernel.Actors.Vfs;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Tests.Vfs;

/// <summary>Checks against the Debian root filesystem built by scripts/setup.sh, when it is present on this machine.</summary>
public sealed class RealRootfsTests
{
    private static string RootfsDir =>
        Environment.GetEnvironmentVariable("KERNEL_ROOTFS") is { Length: > 0 } d ? d : "/var/cache/kernel/rootfs-bookworm-arm64";

    [Fact]
    public void DebianRootResolvesUsrMergeAndRelativeLinks()
    {
        if (!Directory.Exists(Path.Combine(RootfsDir, "usr/bin"))) return; // no rootfs built here: nothing to check
        Assert.Equal(0, VirtualFileSystem.Create(RootfsDir, [], out var vfs));
        using var v = vfs!;
        var ctx = v.NewContext(Credentials.Root);
        // /etc/os-release -> ../usr/lib/os-release; /bin -> usr/bin.
        Assert.Equal(0, v.Open(ctx, null, "/etc/os-release", O_RDONLY, 0, out var f));
        Assert.Contains("bookworm", VfsTestRoot.ReadAll(f!));
        Assert.Equal(0, v.Stat(ctx, null, "/bin/sh", 0, out var sh));
        Assert.Equal(S_IFREG, sh.Mode & S_IFMT);
        Assert.Equal(0, v.ReadLink(ctx, null, "/bin/sh", out var shTarget));
        Assert.Equal(0, v.Stat(ctx, null, "/usr/bin/" + shTarget, 0, out var target));
        Assert.Equal(target.Ino, sh.Ino);
        Assert.Equal(0, v.Open(ctx, null, "/usr/bin", O_RDONLY | O_DIRECTORY, 0, out var dir));
        Assert.Contains(shTarget, DirentReader.ReadAllNames(dir!));
    }
}
