using System.Text;
using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.Conformance;

/// <summary>
/// Differential tests: each conformance program runs under qemu-aarch64 (the oracle: the host
/// Linux kernel does the syscalls) and under our kernel; stdout, stderr and exit code must match.
/// A program whose syscalls qemu-user lacks is compared with its checked-in NAME.expected instead.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class ConformanceTests
{
    [Theory]
    [MemberData(nameof(ConformancePrograms.All), MemberType = typeof(ConformancePrograms))]
    public void Kernel_matches_qemu(string program)
    {
        var oracle = ConformancePrograms.HasExpectedOutput(program)
            ? GuestRunner.ExpectedConformanceResult(program)
            : GuestRunner.RunConformanceUnderQemu(program);
        var ours = GuestRunner.RunConformanceUnderKernel(program);

        var report = new StringBuilder();
        if (oracle.ExitCode != ours.ExitCode)
            report.AppendLine($"exit code: qemu {oracle.ExitCode}, kernel {ours.ExitCode}");
        AppendDiff(report, "stdout", oracle.Stdout, ours.Stdout);
        AppendDiff(report, "stderr", oracle.Stderr, ours.Stderr);
        if (report.Length > 0)
        {
            Assert.Fail($"{program}: our kernel differs from qemu-aarch64\n{report}\n" +
                        $"== qemu ==\n{oracle.Describe()}\n== kernel ==\n{ours.Describe()}");
        }
    }

    private static void AppendDiff(StringBuilder report, string stream, string expected, string actual)
    {
        var diff = TextDiff.Unified(expected, actual, $"{stream} (qemu)", $"{stream} (kernel)");
        if (diff.Length > 0)
            report.AppendLine(diff);
    }
}
