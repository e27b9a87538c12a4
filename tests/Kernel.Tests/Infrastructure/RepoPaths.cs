namespace Kernel.Tests.Infrastructure;

/// <summary>Well-known paths of the repository and of the test environment.</summary>
public static class RepoPaths
{
    public const string DefaultRootfs = "/var/cache/kernel/rootfs-bookworm-arm64";

    /// <summary>Guest path at which the conformance binaries are mounted.</summary>
    public const string GuestConformanceDir = "/conformance";

    private static readonly Lazy<string> root = new(FindRoot);

    /// <summary>The repository (worktree) root: the nearest ancestor of the test binaries holding Kernel.sln.</summary>
    public static string Root => root.Value;

    public static string ConformanceSources => Path.Combine(Root, "tests", "conformance");

    /// <summary>Compiled conformance binaries (gitignored), mounted read-only at /conformance in the guest.</summary>
    public static string ConformanceOut => Path.Combine(ConformanceSources, "out");

    /// <summary>
    /// The prefix given to qemu-aarch64 with -L (gitignored). qemu looks guest absolute paths up
    /// under it first, so its "conformance" link makes /conformance resolve to <see cref="ConformanceOut"/>
    /// exactly as our kernel's --mount does; every other path falls through to the host.
    /// </summary>
    public static string OracleRoot => Path.Combine(ConformanceSources, ".oracle-root");

    /// <summary>The guest root filesystem: $KERNEL_ROOTFS, else the default that scripts/setup.sh builds.</summary>
    public static string Rootfs =>
        Environment.GetEnvironmentVariable("KERNEL_ROOTFS") is { Length: > 0 } env ? env : DefaultRootfs;

    /// <summary>The kernel command line, copied next to the tests because the test project references Kernel.Host.</summary>
    public static string KernelDll => Path.Combine(AppContext.BaseDirectory, "kernel.dll");

    /// <summary>Names (without .c) of every conformance program, sorted.</summary>
    public static IReadOnlyList<string> ConformancePrograms() =>
        Directory.GetFiles(ConformanceSources, "*.c")
            .Select(Path.GetFileNameWithoutExtension)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();

    public static string ConformanceSource(string name) => Path.Combine(ConformanceSources, name + ".c");

    public static string ConformanceBinary(string name) => Path.Combine(ConformanceOut, name);

    /// <summary>
    /// The output a real Linux kernel gives for a program whose calls qemu-user does not implement (io_uring, AIO):
    /// tests/conformance/NAME.expected. It stands in for qemu as the oracle; OracleProgramsTests checks it against
    /// the program built for the host and run on the host's kernel.
    /// </summary>
    public static string ConformanceExpected(string name) => Path.Combine(ConformanceSources, name + ".expected");

    /// <summary>A conformance program built for the host (gitignored), for the programs with an expected output.</summary>
    public static string ConformanceNativeBinary(string name) => Path.Combine(ConformanceOut, "native", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Kernel.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"Kernel.sln not found above {AppContext.BaseDirectory}");
    }
}
