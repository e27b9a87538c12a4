using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.EndToEnd;

/// <summary>
/// Programs on a pseudo-terminal: python's pty module (openpty through /dev/ptmx, fork, login_tty's setsid and
/// TIOCSCTTY) with a child reading a line in canonical mode, and coreutils stty reading the window size.
/// </summary>
public sealed partial class EndToEndTests
{
    [Fact]
    public void Python_pty_fork_child_reads_a_line_on_its_controlling_terminal()
    {
        const string code = """
            import os, pty
            pid, fd = pty.fork()
            if pid == 0:
                line = input()
                os.write(1, f"got {line.upper()} {os.isatty(0)} {os.tcgetpgrp(0) == os.getpgrp()} {os.getsid(0) == os.getpid()}\n".encode())
                os._exit(3)
            os.write(fd, b"hello\n")
            out = b""
            while True:
                try:
                    data = os.read(fd, 1024)
                except OSError:  # EIO: the child's side closed
                    break
                if not data:
                    break
                out += data
            _, status = os.waitpid(pid, 0)
            print(repr(out), os.WEXITSTATUS(status))
            """;
        var r = RunInRootfs("/usr/bin/python3", "-c", code);
        AssertExit(0, r);
        Assert.Equal("b'hello\\r\\ngot HELLO True True True\\r\\n' 3\n", r.Stdout);
    }

    [Fact]
    public void Stty_reports_the_window_size_set_on_the_master()
    {
        const string code = """
            import os, fcntl, termios, struct
            m, s = os.openpty()
            fcntl.ioctl(m, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 100, 0, 0))
            pid = os.fork()
            if pid == 0:
                os.close(m)
                os.login_tty(s)
                os.execv("/bin/stty", ["stty", "size"])
            os.close(s)
            out = b""
            while True:
                try:
                    d = os.read(m, 1024)
                except OSError:
                    break
                if not d:
                    break
                out += d
            print(repr(out), os.waitpid(pid, 0)[1] >> 8)
            """;
        var r = RunInRootfs("/usr/bin/python3", "-c", code);
        AssertExit(0, r);
        Assert.Equal("b'30 100\\r\\n' 0\n", r.Stdout);
    }

    [Fact]
    public void A_kernel_started_on_a_terminal_makes_it_the_first_sessions_controlling_terminal()
    {
        RequireRootfs();
        // util-linux script(1) runs the kernel on a fresh host pty, as an interactive user would start it.
        const string guest = "exec 3</dev/tty && echo opened; test -t 1 && echo stdout-is-tty; " +
            "/usr/bin/python3 -c \"import os; print(os.tcgetpgrp(0) == os.getpgrp(), os.getsid(0))\"";
        var command = $"'{GuestRunner.DotnetHost()}' '{RepoPaths.KernelDll}' run -- /bin/sh -c '{guest}'";
        var env = new Dictionary<string, string?> { ["KERNEL_ROOTFS"] = RepoPaths.Rootfs };
        var r = GuestRunner.Run("script", ["-q", "-e", "-c", command, "/dev/null"], GuestRunner.DefaultTimeout, "/", env);
        AssertExit(0, r);
        Assert.Equal("opened\r\nstdout-is-tty\r\nTrue 1\r\n", r.Stdout);
    }
}
