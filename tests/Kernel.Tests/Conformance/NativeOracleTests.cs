using System.Text;
using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.Conformance;

/// <summary>
/// Programs in tests/conformance/native/ use calls that qemu-aarch64 7.2 does not translate (preadv2, pwritev2 give
/// ENOSYS there), so their oracle is the host Linux kernel itself, running a native build of the same source. The
/// programs print only what any two Linux kernels print alike, whatever the architecture; our kernel must match.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class NativeOracleTests
{
    private static string Sources => Path.Combine(RepoPaths.ConformanceSources, "native");
    private static string Out => Path.Combine(RepoPaths.ConformanceOut, "native");

    public static TheoryData<string> Programs()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Sources, "*.c").Order(StringComparer.Ordinal))
            data.Add(Path.GetFileNameWithoutExtension(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void Kernel_matches_the_host_kernel(string program)
    {
        var source = Path.Combine(Sources, program + ".c");
        GuestRunner.CompileArm64(source, Path.Combine(Out, program));
        var oracle = GuestRunner.Run(CompileForHost(source, Path.Combine(Out, program + ".host")), [], GuestRunner.DefaultTimeout, workingDirectory: "/");
        Assert.True(oracle.ExitCode == 0 && !oracle.Stdout.Contains("MISMATCH"), $"the program fails on the host kernel\n{oracle.Describe()}");

        var ours = GuestRunner.RunKernel(["run", "--mount", $"{RepoPaths.ConformanceOut}:{RepoPaths.GuestConformanceDir}", "--",
            $"{RepoPaths.GuestConformanceDir}/native/{program}"]);
        var report = new StringBuilder();
        if (oracle.ExitCode != ours.ExitCode) report.AppendLine($"exit code: host {oracle.ExitCode}, kernel {ours.ExitCode}");
        report.Append(TextDiff.Unified(oracle.Stdout, ours.Stdout, "stdout (host)", "stdout (kernel)"));
        report.Append(TextDiff.Unified(oracle.Stderr, ours.Stderr, "stderr (host)", "stderr (kernel)"));
        if (report.Length > 0) Assert.Fail($"{program}: our kernel differs from the host kernel\n{report}\n== kernel ==\n{ours.Describe()}");
    }

    /// <summary>Builds the host's own binary (gcc, native) of a program; it is small, so it is simply rebuilt.</summary>
    private static string CompileForHost(string source, string output)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        var temp = output + $".{Environment.ProcessId}.tmp";
        var result = GuestRunner.Run("gcc", ["-O1", "-Wall", "-Werror", "-o", temp, source], GuestRunner.DefaultTimeout,
            workingDirectory: Path.GetDirectoryName(source));
        if (result.ExitCode != 0) throw new CompileException($"compiling {source} for the host failed\n{result.Describe()}");
        File.Move(temp, output, overwrite: true);
        return output;
    }
}
