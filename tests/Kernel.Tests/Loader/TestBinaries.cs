using System.Diagnostics;

namespace Kernel.Tests.Loader;

/// <summary>Real arm64 programs built once per test run with the cross compiler.</summary>
public sealed class TestBinaries : IDisposable
{
    public const string HostLdSo = "/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1";

    private const string Source = """
        #include <stdio.h>
        int initialized = 0x12345678;
        char zeroed[70000];
        int main(int argc, char **argv) {
            zeroed[argc] = 1;
            printf("%d %s %d\n", initialized, argv[0], zeroed[1]);
            return 0;
        }
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("kernel-loader-tests-").FullName;

    public byte[] StaticNoPie { get; }
    public byte[] StaticPie { get; }
    public byte[] DynamicPie { get; }
    public byte[] LdSo { get; } = File.ReadAllBytes(HostLdSo);

    public TestBinaries()
    {
        File.WriteAllText(Path.Combine(_dir, "prog.c"), Source);
        StaticNoPie = Compile("static", "-static", "-no-pie");
        StaticPie = Compile("static-pie", "-static-pie");
        DynamicPie = Compile("dynamic", "-pie", "-fPIE");
    }

    private byte[] Compile(string name, params string[] flags)
    {
        string output = Path.Combine(_dir, name);
        var psi = new ProcessStartInfo("aarch64-linux-gnu-gcc") { RedirectStandardError = true, WorkingDirectory = _dir };
        foreach (var a in flags.Concat(["-O1", "-o", output, "prog.c"]))
            psi.ArgumentList.Add(a);
        using var gcc = Process.Start(psi)!;
        string errors = gcc.StandardError.ReadToEnd();
        gcc.WaitForExit();
        Assert.True(gcc.ExitCode == 0, $"aarch64-linux-gnu-gcc {string.Join(' ', flags)} failed: {errors}");
        return File.ReadAllBytes(output);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
