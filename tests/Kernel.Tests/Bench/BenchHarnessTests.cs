using System.Diagnostics;
using System.Globalization;

namespace Kernel.Tests.Bench;

/// <summary>
/// Runs the real benchmark harness (bench/run.sh) against qemu-aarch64, so the
/// harness is known to work before the kernel can run programs.
/// </summary>
public sealed class BenchHarnessTests
{
    private static readonly string[] DefaultBenchmarks = ["getppid", "write_null", "cpu"];

    [Fact]
    public void QuickQemuOnlyRunListsEveryBenchmarkWithPositiveTimes()
    {
        var (exit, stdout, stderr) = RunHarness("--quick", "--qemu-only");
        Assert.True(exit == 0, $"run.sh failed ({exit}):\n{stderr}");

        var rows = ParseTable(stdout);
        foreach (var name in DefaultBenchmarks)
        {
            Assert.True(rows.ContainsKey(name), $"no row for {name} in:\n{stdout}");
            var row = rows[name];
            // Columns: benchmark N kernel_s qemu_s ratio kernel_ns/op qemu_ns/op kernel_start_s qemu_start_s
            Assert.Equal(9, row.Length);
            Assert.Equal("-", row[2]); // qemu-only: no kernel figures
            Assert.True(Parse(row[3]) > 0, $"{name}: qemu loop time {row[3]} not positive");
            Assert.True(Parse(row[6]) > 0, $"{name}: qemu ns/op {row[6]} not positive");
            Assert.True(Parse(row[8]) > 0, $"{name}: qemu start-up time {row[8]} not positive");
        }
    }

    [Fact]
    public void KernelOutputThatDiffersFromQemuFailsTheRun()
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("the benchmark harness needs Linux");
        // A stand-in "kernel" that runs the benchmark under qemu but corrupts its checksum line.
        var dir = Directory.CreateTempSubdirectory("bench-fake-kernel-");
        try
        {
            var fake = Path.Combine(dir.FullName, "kernel");
            File.WriteAllText(fake, """
                #!/usr/bin/env bash
                set -euo pipefail
                host=""; guest=""
                shift # "run"
                while [[ $1 != -- ]]; do
                  if [[ $1 == --mount ]]; then host=${2%%:*}; guest=${2#*:}; shift 2; else shift; fi
                done
                shift
                prog=$1; shift
                qemu-aarch64 "$host/${prog#"$guest"/}" "$@" | sed 's/ok=1/ok=0/'
                """.Replace("\r\n", "\n"));
            File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

            var (exit, _, stderr) = RunHarness("--quick", "--bench", "getppid", "--kernel", fake);
            Assert.NotEqual(0, exit);
            Assert.Contains("output mismatch", stderr);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static double Parse(string s) => double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>Rows of the plain table keyed by benchmark name, split on whitespace.</summary>
    private static Dictionary<string, string[]> ParseTable(string stdout)
    {
        var rows = new Dictionary<string, string[]>();
        var inTable = false;
        foreach (var line in stdout.Split('\n'))
        {
            var cols = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (cols.Length == 0) { inTable = false; continue; }
            if (cols[0] == "benchmark") { inTable = true; continue; }
            if (inTable) rows[cols[0]] = cols;
        }
        return rows;
    }

    private static (int Exit, string Stdout, string Stderr) RunHarness(params string[] args)
    {
        var script = Path.Combine(FindRepoRoot(), "bench", "run.sh");
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi) ?? throw new InvalidOperationException("cannot start bash");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException("bench/run.sh did not finish in 5 minutes");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    private static string FindRepoRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "bench", "run.sh")))
                return d.FullName;
        throw new DirectoryNotFoundException("bench/run.sh not found above " + AppContext.BaseDirectory);
    }
}
