using System.Text.RegularExpressions;

namespace Kernel.Tests.EndToEnd;

/// <summary>ptrace from real tracers: Debian's strace follows a shell's children and counts a program's syscalls.</summary>
public sealed partial class EndToEndTests
{
    [Fact]
    public void Strace_follows_forks_and_filters_syscalls()
    {
        var r = RunInRootfs("/usr/bin/strace", "-f", "-e", "trace=execve,openat,write", "/bin/sh", "-c", "/bin/echo hi; exit 3");
        AssertExit(3, r); // strace exits as its tracee did
        Assert.Equal("hi\n", r.Stdout);
        var lines = r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches("""^execve\("/bin/sh", \["/bin/sh", "-c", "/bin/echo hi; exit 3"\], 0x[0-9a-f]+ /\* \d+ vars \*/\) = 0$""", lines[0]);
        var pid = Regex.Match(r.Stderr, """\[pid +(\d+)\] execve\("/bin/echo", \["/bin/echo", "hi"\]""").Groups[1].Value;
        Assert.True(pid.Length > 0, r.Describe());
        var child = lines.Where(l => Regex.IsMatch(l, $@"^\[pid +{pid}\] ")).Select(l => Regex.Replace(l, @"^\[pid +\d+\] ", "")).ToList();
        Assert.Contains(child, l => l.StartsWith("openat(AT_FDCWD, \"/lib/aarch64-linux-gnu/libc.so.6\", O_RDONLY|O_CLOEXEC) = 3", StringComparison.Ordinal));
        Assert.Contains(child, l => Regex.IsMatch(l, """^write\(1, "hi\\n", 3\) +=  ?3$"""));
        Assert.Equal("+++ exited with 0 +++", child[^1]);
        Assert.Equal("+++ exited with 3 +++", lines[^1]);
        // Nothing but the calls asked for, and the lines strace adds itself.
        Assert.All(lines, l => Assert.Matches(@"^(\[pid +\d+\] )?(execve|openat|write|clone|wait4|exit_group|---|\+\+\+|<\.\.\.|/usr/bin/strace: Process)", l));
    }

    [Fact]
    public void Strace_counts_syscalls()
    {
        var r = RunInRootfs("/usr/bin/strace", "-c", "/bin/echo", "hi");
        AssertExit(0, r);
        Assert.Equal("hi\n", r.Stdout);
        Assert.Contains("% time     seconds  usecs/call     calls    errors syscall", r.Stderr);
        int Calls(string name)
        {
            var m = Regex.Match(r.Stderr, $@"(?m)^ *[\d.]+ +[\d.]+ +\d+ +(\d+) +(\d+ +)?{name}$");
            Assert.True(m.Success, $"no row for {name}\n{r.Describe()}");
            return int.Parse(m.Groups[1].Value);
        }
        Assert.Equal(1, Calls("execve"));
        Assert.Equal(1, Calls("write"));
        Assert.True(Calls("openat") >= 2, r.Describe());
        var total = Regex.Match(r.Stderr, @"(?m)^100\.00 +[\d.]+ +\d+ +(\d+) +\d* *total$");
        Assert.True(total.Success, r.Describe());
        Assert.True(int.Parse(total.Groups[1].Value) > 10, r.Describe());
    }
}
