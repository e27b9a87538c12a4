using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.Conformance;

/// <summary>
/// The conformance programs themselves are known good: under qemu-aarch64 (real Linux syscalls)
/// each compiles, prints something, passes its own checks and exits with its intended status.
/// Programs whose syscalls qemu-user lacks run on the host's kernel instead, built for the host.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class OracleProgramsTests
{
    [Theory]
    [MemberData(nameof(ConformancePrograms.All), MemberType = typeof(ConformancePrograms))]
    public void Program_passes_under_qemu(string program)
    {
        var result = GuestRunner.RunConformanceOracle(program);

        Assert.True(result.ExitCode == ConformancePrograms.ExpectedExitCode(program),
            $"expected exit code {ConformancePrograms.ExpectedExitCode(program)}\n{result.Describe()}");
        Assert.False(string.IsNullOrWhiteSpace(result.Stdout), $"no output\n{result.Describe()}");
        Assert.DoesNotContain("MISMATCH", result.Stdout);
        if (program != "hello")
            Assert.True(result.Stderr.Length == 0, $"unexpected stderr\n{result.Describe()}");
    }

    [Theory]
    [MemberData(nameof(ConformancePrograms.WithExpectedOutput), MemberType = typeof(ConformancePrograms))]
    public void Expected_output_is_what_the_host_kernel_prints(string program)
    {
        var result = GuestRunner.RunConformanceNative(program);
        var expected = GuestRunner.ExpectedConformanceResult(program);

        Assert.True(result.ExitCode == 0, result.Describe());
        var diff = TextDiff.Unified(expected.Stdout, result.Stdout, $"{program}.expected", "host kernel");
        Assert.True(diff.Length == 0, $"{program}.expected differs from the host kernel's output\n{diff}");
    }

    [Fact]
    public void Every_program_is_found()
    {
        var names = RepoPaths.ConformancePrograms();
        Assert.Subset(names.ToHashSet(), new HashSet<string> { "hello", "exit_status", "files", "memory", "ids", "errors" });
    }

    [Fact]
    public void Compile_skips_up_to_date_binaries_and_rebuilds_stale_ones()
    {
        var binary = GuestRunner.CompileConformance("hello");
        var built = File.GetLastWriteTimeUtc(binary);
        Assert.Equal(binary, GuestRunner.CompileConformance("hello"));
        Assert.Equal(built, File.GetLastWriteTimeUtc(binary));

        // Make the binary older than its source: it must be rebuilt.
        File.SetLastWriteTimeUtc(binary, File.GetLastWriteTimeUtc(RepoPaths.ConformanceSource("hello")).AddMinutes(-1));
        GuestRunner.CompileConformance("hello");
        Assert.True(File.GetLastWriteTimeUtc(binary) >= File.GetLastWriteTimeUtc(RepoPaths.ConformanceSource("hello")));
    }

    [Fact]
    public void A_process_that_outlives_its_timeout_is_killed_and_reported()
    {
        var ex = Assert.Throws<ProcessTimeoutException>(() =>
            GuestRunner.Run("sleep", ["30"], TimeSpan.FromMilliseconds(300)));
        Assert.Contains("timed out", ex.Message);
        Assert.Contains("sleep 30", ex.Message);
    }

    [Fact]
    public void Diff_marks_removed_and_added_lines()
    {
        var diff = TextDiff.Unified("a\nb\nc\n", "a\nB\nc\n", "qemu", "kernel");
        Assert.Contains("-b", diff);
        Assert.Contains("+B", diff);
        Assert.Contains(" a", diff);
        Assert.Equal("", TextDiff.Unified("same\n", "same\n", "x", "y"));
    }
}
