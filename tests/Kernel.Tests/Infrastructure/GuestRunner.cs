using System.Diagnostics;
using System.Text;

namespace Kernel.Tests.Infrastructure;

/// <summary>What one finished process did.</summary>
public sealed record ProcessResult(string Command, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>A readable summary for assertion messages.</summary>
    public string Describe() =>
        $"$ {Command}\nexit code: {ExitCode} ({Elapsed.TotalSeconds:F1} s)\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>Thrown when a process outlives its timeout; it has been killed by then.</summary>
public sealed class ProcessTimeoutException(string command, TimeSpan timeout, string stdout, string stderr)
    : TimeoutException($"timed out: `{command}` did not finish within {timeout.TotalSeconds:F0} s and was killed\n--- stdout so far ---\n{stdout}\n--- stderr so far ---\n{stderr}");

/// <summary>Thrown when the cross compiler rejects a program.</summary>
public sealed class CompileException(string message) : Exception(message);

/// <summary>
/// Runs guest programs under our kernel (out of process, through kernel.dll) and under the oracle
/// (qemu-aarch64, which hands syscalls to the host Linux kernel), and cross-compiles test programs.
/// </summary>
public static class GuestRunner
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    public const string CrossCompiler = "aarch64-linux-gnu-gcc";
    public const string HostCompiler = "gcc";
    public const string Qemu = "qemu-aarch64";

    private static readonly object compileLock = new();

    /// <summary>Runs <c>dotnet kernel.dll ARGS...</c> (ARGS starts with the subcommand, e.g. "run").</summary>
    public static ProcessResult RunKernel(params string[] args) => RunKernel(DefaultTimeout, args);

    public static ProcessResult RunKernel(TimeSpan timeout, params string[] args)
    {
        if (!File.Exists(RepoPaths.KernelDll))
            throw new FileNotFoundException($"kernel.dll not found next to the tests: {RepoPaths.KernelDll}");
        var env = new Dictionary<string, string?> { ["KERNEL_ROOTFS"] = RepoPaths.Rootfs };
        return Run(DotnetHost(), [RepoPaths.KernelDll, .. args], timeout, workingDirectory: "/", env);
    }

    /// <summary>Runs an arm64 binary (host path) under qemu-aarch64 with the oracle prefix, from /.</summary>
    public static ProcessResult RunQemu(string binary, params string[] args) => RunQemu(DefaultTimeout, binary, args);

    public static ProcessResult RunQemu(TimeSpan timeout, string binary, params string[] args)
    {
        EnsureOracleRoot();
        return Run(Qemu, ["-L", RepoPaths.OracleRoot, binary, .. args], timeout, workingDirectory: "/");
    }

    /// <summary>Compiles (if stale) and runs a conformance program under our kernel, mounted at /conformance.</summary>
    public static ProcessResult RunConformanceUnderKernel(string name, params string[] args)
    {
        CompileConformance(name);
        return RunKernel(
            ["run", "--mount", $"{RepoPaths.ConformanceOut}:{RepoPaths.GuestConformanceDir}", "--",
             $"{RepoPaths.GuestConformanceDir}/{name}", .. args]);
    }

    /// <summary>Compiles (if stale) and runs a conformance program under qemu-aarch64.</summary>
    public static ProcessResult RunConformanceUnderQemu(string name, params string[] args)
    {
        var binary = CompileConformance(name);
        return RunQemu(binary, args);
    }

    /// <summary>
    /// The oracle's run of a conformance program: under qemu-aarch64, or, for a program with an expected output
    /// (qemu-user lacks its syscalls), built for the host and run directly on the host's Linux kernel.
    /// </summary>
    public static ProcessResult RunConformanceOracle(string name) =>
        File.Exists(RepoPaths.ConformanceExpected(name)) ? RunConformanceNative(name) : RunConformanceUnderQemu(name);

    /// <summary>Builds a conformance program for the host (if stale) and runs it there, from /.</summary>
    public static ProcessResult RunConformanceNative(string name)
    {
        var binary = Compile(HostCompiler, RepoPaths.ConformanceSource(name), RepoPaths.ConformanceNativeBinary(name));
        return Run(binary, [], DefaultTimeout, workingDirectory: "/");
    }

    /// <summary>The checked-in expected output of a program, as the result of a run that printed it and exited 0.</summary>
    public static ProcessResult ExpectedConformanceResult(string name) =>
        new($"(expected output of {name})", 0, File.ReadAllText(RepoPaths.ConformanceExpected(name)), "", TimeSpan.Zero);

    /// <summary>Compiles tests/conformance/NAME.c into tests/conformance/out/NAME unless it is up to date.</summary>
    public static string CompileConformance(string name) =>
        CompileArm64(RepoPaths.ConformanceSource(name), RepoPaths.ConformanceBinary(name));

    /// <summary>
    /// Cross-compiles one C file with <c>aarch64-linux-gnu-gcc -static -O1 -Wall -Werror</c>.
    /// Skips the work when the output is newer than the source and every header beside it.
    /// Returns the output path.
    /// </summary>
    public static string CompileArm64(string source, string output, params string[] extraFlags) =>
        Compile(CrossCompiler, source, output, extraFlags);

    /// <summary>Compiles one C file with <paramref name="compiler"/> <c>-static -O1 -Wall -Werror</c>, unless it is up to date.</summary>
    public static string Compile(string compiler, string source, string output, params string[] extraFlags)
    {
        source = Path.GetFullPath(source);
        output = Path.GetFullPath(output);
        lock (compileLock)
        {
            if (IsUpToDate(source, output))
                return output;
            var outDir = Path.GetDirectoryName(output)!;
            Directory.CreateDirectory(outDir);
            // Build beside the target and rename, so a reader never sees a half-written binary.
            var temp = Path.Combine(outDir, $".{Path.GetFileName(output)}.{Environment.ProcessId}.tmp");
            var result = Run(compiler,
                ["-static", "-O1", "-Wall", "-Werror", .. extraFlags, "-o", temp, source],
                DefaultTimeout, workingDirectory: Path.GetDirectoryName(source));
            if (result.ExitCode != 0)
            {
                File.Delete(temp);
                throw new CompileException($"compiling {source} failed\n{result.Describe()}");
            }
            File.Move(temp, output, overwrite: true);
            return output;
        }
    }

    /// <summary>
    /// Runs a host process with stdin at EOF, capturing stdout and stderr as UTF-8. Kills the
    /// whole process tree and throws <see cref="ProcessTimeoutException"/> after <paramref name="timeout"/>.
    /// </summary>
    public static ProcessResult Run(string file, IReadOnlyList<string> args, TimeSpan timeout,
        string? workingDirectory = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        if (environment is not null)
        {
            foreach (var (key, value) in environment)
            {
                if (value is null)
                    psi.Environment.Remove(key);
                else
                    psi.Environment[key] = value;
            }
        }

        var command = FormatCommand(file, args);
        var watch = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {command}");
        process.StandardInput.Close();
        var stdout = new MemoryStream();
        var stderr = new MemoryStream();
        // Raw byte copies keep the output exact (no line re-assembly) and drain both pipes so
        // neither can fill up and stall the child.
        var copyOut = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        var copyErr = process.StandardError.BaseStream.CopyToAsync(stderr);

        if (!process.WaitForExit(timeout))
        {
            try { process.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
            process.WaitForExit(5000);
            Task.WaitAll([copyOut, copyErr], TimeSpan.FromSeconds(5));
            throw new ProcessTimeoutException(command, timeout, Decode(stdout), Decode(stderr));
        }
        // A grandchild still holding the pipes must not hang the test either.
        var remaining = timeout - watch.Elapsed;
        if (!Task.WaitAll([copyOut, copyErr], remaining > TimeSpan.FromSeconds(5) ? remaining : TimeSpan.FromSeconds(5)))
            throw new ProcessTimeoutException(command + " (output still open after exit)", timeout, Decode(stdout), Decode(stderr));
        watch.Stop();
        return new ProcessResult(command, process.ExitCode, Decode(stdout), Decode(stderr), watch.Elapsed);
    }

    /// <summary>Makes sure the qemu -L prefix exists and maps /conformance to the out directory.</summary>
    public static void EnsureOracleRoot()
    {
        var link = Path.Combine(RepoPaths.OracleRoot, "conformance");
        lock (compileLock)
        {
            Directory.CreateDirectory(RepoPaths.OracleRoot);
            Directory.CreateDirectory(RepoPaths.ConformanceOut);
            var target = new FileInfo(link).LinkTarget;
            if (target == RepoPaths.ConformanceOut)
                return;
            if (target is not null || File.Exists(link))
                File.Delete(link);
            else if (Directory.Exists(link))
                Directory.Delete(link, recursive: true);
            Directory.CreateSymbolicLink(link, RepoPaths.ConformanceOut);
        }
    }

    /// <summary>The dotnet host running these tests, so the kernel runs on the same runtime.</summary>
    public static string DotnetHost()
    {
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet")
            return self;
        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    private static bool IsUpToDate(string source, string output)
    {
        if (!File.Exists(output))
            return false;
        var built = File.GetLastWriteTimeUtc(output);
        // Programs in native/ and kernel-only/ include the headers one level up ("../conformance.h") too.
        var dir = Path.GetDirectoryName(source)!;
        var inputs = Directory.GetFiles(dir, "*.h").Concat(Directory.GetFiles(Path.GetDirectoryName(dir)!, "*.h")).Append(source);
        return inputs.All(i => File.GetLastWriteTimeUtc(i) <= built);
    }

    private static string Decode(MemoryStream s) => Encoding.UTF8.GetString(s.GetBuffer(), 0, (int)s.Length);

    private static string FormatCommand(string file, IEnumerable<string> args) =>
        string.Join(' ', args.Prepend(file).Select(a =>
            a.Length > 0 && a.All(c => char.IsLetterOrDigit(c) || "/._-=:+,@%".Contains(c)) ? a : "'" + a.Replace("'", "'\\''") + "'"));
}
