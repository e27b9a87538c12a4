using System.Text.RegularExpressions;
using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.EndToEnd;

/// <summary>
/// Real Debian arm64 programs from the default root filesystem (scripts/setup.sh), run through
/// the `kernel run` command line out of process. Expectations come from the host side of the
/// rootfs where they can, so the tests do not hard-code its contents.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed partial class EndToEndTests
{
    [Fact]
    public void Busybox_shell_arithmetic()
    {
        var r = RunInRootfs("/bin/busybox", "sh", "-c", "echo $((6*7))");
        AssertExit(0, r);
        Assert.Equal("42\n", r.Stdout);
    }

    [Fact]
    public void Busybox_cat_prints_passwd_exactly()
    {
        var r = RunInRootfs("/bin/busybox", "cat", "/etc/passwd");
        AssertExit(0, r);
        Assert.Equal(File.ReadAllText(HostPath("/etc/passwd")), r.Stdout);
    }

    [Fact]
    public void Busybox_wc_counts_passwd_lines()
    {
        var expected = File.ReadAllText(HostPath("/etc/passwd")).Count(c => c == '\n');
        var r = RunInRootfs("/bin/busybox", "wc", "-l", "/etc/passwd");
        AssertExit(0, r);
        var fields = r.Stdout.Split((char[])[' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries);
        Assert.True(fields.Length == 2 && fields[1] == "/etc/passwd", r.Describe());
        Assert.Equal(expected, int.Parse(fields[0]));
    }

    [Fact]
    public void Busybox_ls_lists_the_root()
    {
        var r = RunInRootfs("/bin/busybox", "ls", "-l", "/");
        AssertExit(0, r);
        AssertListsRoot(r);
    }

    [Fact]
    public void Coreutils_ls_lists_the_root()
    {
        // /bin/ls is dynamically linked: this exercises the ELF interpreter and shared libraries.
        var r = RunInRootfs("/bin/ls", "-la", "/");
        AssertExit(0, r);
        AssertListsRoot(r);
        Assert.Matches(@"(?m)\s\.$", r.Stdout);
        Assert.Matches(@"(?m)\s\.\.$", r.Stdout);
    }

    [Fact]
    public void Python_prints_version_and_cwd()
    {
        var r = RunInRootfs("/usr/bin/python3", "-c", "import sys, os; print(sys.version, os.getcwd())");
        AssertExit(0, r);
        var line = Assert.Single(r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("3.11", line);
        Assert.EndsWith(" /", line);
    }

    [Fact]
    public void Missing_program_exits_127_with_one_line_message()
    {
        RequireRootfs();
        var r = GuestRunner.RunKernel("run", "--", "/no/such/program");
        AssertExit(127, r);
        Assert.Equal("", r.Stdout);
        AssertCleanError(r, "/no/such/program");
        Assert.True(!r.Stderr.TrimEnd('\n').Contains('\n'), $"expected a one-line message\n{r.Describe()}");
    }

    [Fact]
    public void Non_elf_program_fails_clearly()
    {
        RequireRootfs();
        var r = GuestRunner.RunKernel("run", "--", "/etc/passwd");
        Assert.True(r.ExitCode != 0, $"expected a non-zero exit status\n{r.Describe()}");
        Assert.Equal("", r.Stdout);
        AssertCleanError(r, "/etc/passwd");
    }

    [Fact]
    public void Missing_rootfs_fails_before_starting()
    {
        var r = GuestRunner.RunKernel("run", "--rootfs", "/nonexistent", "--", "/bin/busybox", "echo", "started");
        Assert.True(r.ExitCode != 0, $"expected a non-zero exit status\n{r.Describe()}");
        Assert.DoesNotContain("started", r.Stdout);
        AssertCleanError(r, "/nonexistent");
    }

    [Fact]
    public void Exit_status_is_passed_through()
    {
        var r = RunInRootfs("/bin/busybox", "sh", "-c", "exit 5");
        AssertExit(5, r);
    }

    [Fact]
    public void Killed_guest_exits_128_plus_signal()
    {
        var r = RunInRootfs("/bin/busybox", "sh", "-c", "kill -9 $$");
        AssertExit(137, r);
    }

    private static ProcessResult RunInRootfs(params string[] program)
    {
        RequireRootfs();
        return GuestRunner.RunKernel(["run", "--", .. program]);
    }

    private static void RequireRootfs() =>
        Assert.True(Directory.Exists(RepoPaths.Rootfs),
            $"guest root filesystem {RepoPaths.Rootfs} does not exist: build it with scripts/setup.sh or set KERNEL_ROOTFS");

    /// <summary>The host path of a guest path in the default rootfs (test-side only; the kernel resolves its own).</summary>
    private static string HostPath(string guestPath)
    {
        RequireRootfs();
        return Path.Join(RepoPaths.Rootfs, guestPath);
    }

    private static void AssertExit(int expected, ProcessResult r) =>
        Assert.True(r.ExitCode == expected, $"expected exit status {expected}\n{r.Describe()}");

    /// <summary>The listing shows the usrmerge link and every (non-hidden) top-level entry of the host-side rootfs.</summary>
    private static void AssertListsRoot(ProcessResult r)
    {
        Assert.True(r.Stdout.Contains("bin -> usr/bin"), $"no 'bin -> usr/bin'\n{r.Describe()}");
        var expected = new[] { "usr", "etc", "tmp" }
            .Concat(Directory.EnumerateFileSystemEntries(RepoPaths.Rootfs).Select(Path.GetFileName).OfType<string>().Where(n => !n.StartsWith('.')))
            .Distinct();
        foreach (var name in expected)
        {
            Assert.True(Regex.IsMatch(r.Stdout, $@"(?m)\s{Regex.Escape(name)}( -> .*)?$"),
                $"'{name}' missing from the listing\n{r.Describe()}");
        }
    }

    /// <summary>A clear error: something on stderr that names the culprit, and no .NET stack trace.</summary>
    private static void AssertCleanError(ProcessResult r, string mention)
    {
        Assert.True(r.Stderr.Trim().Length > 0, $"expected an error message on stderr\n{r.Describe()}");
        Assert.True(r.Stderr.Contains(mention), $"the message should name {mention}\n{r.Describe()}");
        Assert.True(!StackFrame().IsMatch(r.Stderr) && !r.Stderr.Contains("Unhandled exception"),
            $"expected a message, not a stack trace\n{r.Describe()}");
    }

    [GeneratedRegex(@"(?m)^\s+at \S+\(")]
    private static partial Regex StackFrame();
}
