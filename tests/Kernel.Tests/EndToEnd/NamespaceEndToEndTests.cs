using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.EndToEnd;

/// <summary>busybox's unshare: a shell in new UTS and mount namespaces names its own host and mounts its own tmpfs.</summary>
public sealed partial class EndToEndTests
{
    [Fact]
    public void Busybox_unshare_gives_a_shell_its_own_host_name_and_mounts()
    {
        const string script = """
            busybox unshare --uts --mount sh -c 'busybox hostname inner; busybox hostname; mkdir -p /tmp/m; busybox mount -t tmpfs none /tmp/m; touch /tmp/m/x; ls /tmp/m; readlink /proc/self/ns/uts' > /tmp/inner
            cat /tmp/inner
            busybox hostname
            ls /tmp/m
            [ "$(readlink /proc/self/ns/uts)" = "$(tail -1 /tmp/inner)" ] && echo same || echo different
            """;
        var r = RunInRootfs("/bin/busybox", "sh", "-c", script);
        AssertExit(0, r);
        var lines = r.Stdout.Split('\n');
        Assert.Equal("inner", lines[0]);
        Assert.Equal("x", lines[1]);
        Assert.StartsWith("uts:[", lines[2]);
        Assert.Equal("sandbox", lines[3]);
        Assert.Equal("different", lines[4]);
    }
}
