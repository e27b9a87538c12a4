using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.Conformance;

/// <summary>
/// Programs in tests/conformance/kernel-only/ check behaviour the oracle cannot show (qemu-user answers those
/// calls itself instead of passing them to Linux). They run under our kernel only and check themselves
/// against the man page: any MISMATCH line or a non-zero exit fails.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class KernelOnlyTests
{
    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(RepoPaths.ConformanceSources, "kernel-only"), "*.c").Order())
            data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Program_passes_under_the_kernel(string name)
    {
        var source = Path.Combine(RepoPaths.ConformanceSources, "kernel-only", name + ".c");
        GuestRunner.CompileArm64(source, Path.Combine(RepoPaths.ConformanceOut, "kernel-only", name));
        var r = GuestRunner.RunKernel("run", "--mount", $"{RepoPaths.ConformanceOut}:/conformance", "--", $"/conformance/kernel-only/{name}");
        Assert.True(r.ExitCode == 0 && !r.Stdout.Contains("MISMATCH"), r.Describe());
        Assert.NotEqual("", r.Stdout);
    }
}
