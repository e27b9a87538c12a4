using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.EndToEnd;

/// <summary>
/// Debian's coreutils, findutils, diffutils, tar and bash working on a tree inside the sandbox (its /tmp): the
/// script tests/e2e/tree-ops.sh runs there and natively on the host (Debian's own tools, in a temporary
/// directory), and the two outputs must be identical.
/// </summary>
public sealed partial class EndToEndTests
{
    [Fact]
    public void Coreutils_and_bash_work_on_a_tree_as_they_do_natively()
    {
        var scripts = Path.Combine(RepoPaths.Root, "tests", "e2e");
        var native = Directory.CreateTempSubdirectory("tree-ops-");
        try
        {
            var expected = GuestRunner.Run("/bin/bash", [Path.Combine(scripts, "tree-ops.sh"), native.FullName], GuestRunner.DefaultTimeout);
            Assert.True(expected.ExitCode == 0, "the script must pass natively first\n" + expected.Describe());

            RequireRootfs();
            var ours = GuestRunner.RunKernel(GuestRunner.DefaultTimeout * 2,
                "run", "--mount", $"{scripts}:/e2e", "--", "/bin/bash", "-c", "mkdir -p /tmp/w && /e2e/tree-ops.sh /tmp/w");
            AssertExit(0, ours);
            Assert.Equal(expected.Stdout, ours.Stdout);
        }
        finally
        {
            native.Delete(recursive: true);
        }
    }
}
