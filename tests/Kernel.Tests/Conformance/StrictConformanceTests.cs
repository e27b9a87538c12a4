using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.Conformance;

/// <summary>
/// Programs that cover calls qemu-user lacks print the man page's answers when the oracle says ENOSYS, so that both
/// outputs match; run with "strict" under our kernel, they check those calls for real (ENOSYS is a failure).
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class StrictConformanceTests
{
    [Theory]
    [InlineData("epoll")]
    public void Kernel_passes_the_checks_qemu_cannot_make(string program)
    {
        var ours = GuestRunner.RunConformanceUnderKernel(program, "strict");
        Assert.True(ours.ExitCode == 0, $"{program} strict failed\n{ours.Describe()}");
        Assert.DoesNotContain("MISMATCH", ours.Stdout);
        Assert.Contains("pwait2 30ms: 0", ours.Stdout);
    }
}
