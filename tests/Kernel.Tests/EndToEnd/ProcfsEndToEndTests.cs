using System.Text.RegularExpressions;
using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.EndToEnd;

/// <summary>/proc as real Debian programs use it: ps, free, cat of maps, python's view of its descriptors and CPU.</summary>
public sealed partial class EndToEndTests
{
    [Fact]
    public void Busybox_ps_lists_the_sandbox_process_not_the_host()
    {
        var r = RunInRootfs("/bin/busybox", "ps", "-o", "pid,ppid,user,stat,comm,args");
        AssertExit(0, r);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 2, $"expected the header and one process (the sandbox has one)\n{r.Describe()}");
        Assert.Matches(@"^\s*1\s+0\s+root\s+R\s+busybox\s+/bin/busybox ps -o pid,ppid,user,stat,comm,args$", lines[1]);
    }

    [Fact]
    public void Busybox_ps_and_proc_show_a_shells_children()
    {
        var r = RunInRootfs("/bin/busybox", "sh", "-c",
            "/bin/busybox sleep 2 & /bin/busybox ps -o pid,ppid,comm,args; readlink /proc/$!/exe; tr '\\0' ' ' < /proc/$!/cmdline; echo; " +
            "ls /proc/$!/task");
        AssertExit(0, r);
        var lines = r.Stdout.Split('\n');
        Assert.Matches(@"^\s*1\s+0\s+busybox\s+/bin/busybox sh -c", lines[1]);
        Assert.Matches(@"^\s*2\s+1\s+busybox\s+/bin/busybox sleep 2$", lines[2]);
        Assert.Matches(@"^\s*3\s+1\s+busybox\s+/bin/busybox ps -o pid,ppid,comm,args$", lines[3]);
        Assert.Equal(["/usr/bin/busybox", "/bin/busybox sleep 2 ", "2"], lines[4..7]);
    }

    [Fact]
    public void Python_threads_are_listed_in_task_and_see_their_thread_self()
    {
        var r = RunInRootfs("/usr/bin/python3", "-c", """
            import threading, os
            ev, out = threading.Event(), []
            def f():
                out.append((threading.get_native_id(), os.readlink('/proc/thread-self'), open('/proc/thread-self/status').read().split('\n')[5]))
                ev.wait()
            t = threading.Thread(target=f)
            t.start()
            while not out: pass
            print(sorted(os.listdir('/proc/self/task')), out[0])
            print([l for l in open('/proc/self/status') if l.startswith('Threads')])
            ev.set()
            t.join()
            """);
        AssertExit(0, r);
        Assert.Equal("['1', '2'] (2, '1/task/2', 'Pid:\\t2')\n['Threads:\\t2\\n']\n", r.Stdout);
    }

    [Fact]
    public void Coreutils_cat_prints_its_maps_in_linux_layout()
    {
        var r = RunInRootfs("/bin/cat", "/proc/self/maps");
        AssertExit(0, r);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var line in lines)
        {
            var m = MapsLine().Match(line);
            Assert.True(m.Success, $"not a maps line: '{line}'\n{r.Describe()}");
            // The name starts at column 73, as Linux pads it.
            if (m.Groups["name"].Success) Assert.True(m.Groups["name"].Index == 73, $"name not at column 73: '{line}'");
        }
        // Symlinks resolved (/bin is a link to usr/bin), code and data of the program and of the libraries it loaded.
        Assert.Contains(lines, l => Regex.IsMatch(l, @" r-xp 00000000 [0-9a-f]{2}:[0-9a-f]{2} [1-9]\d* +/usr/bin/cat$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @" rw-p [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} [1-9]\d* +/usr/bin/cat$"));
        Assert.Contains(lines, l => l.EndsWith("/usr/lib/aarch64-linux-gnu/libc.so.6") && l.Contains(" r-xp "));
        Assert.Contains(lines, l => l.EndsWith("/usr/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"));
        Assert.Contains(lines, l => l.EndsWith(" [stack]") && l.Contains(" rw-p "));
        Assert.Contains(lines, l => l.EndsWith(" [heap]"));
        Assert.DoesNotContain(RepoPaths.Rootfs, r.Stdout);
    }

    [Fact]
    public void Busybox_free_reports_the_configured_memory()
    {
        var r = RunWithConfig("memory = 1g", "/bin/busybox", "free");
        AssertExit(0, r);
        var mem = Regex.Match(r.Stdout, @"(?m)^Mem:\s+(\d+)\s+(\d+)\s+(\d+)");
        Assert.True(mem.Success, r.Describe());
        var (total, used, free) = (long.Parse(mem.Groups[1].Value), long.Parse(mem.Groups[2].Value), long.Parse(mem.Groups[3].Value));
        Assert.Equal(1L << 20, total);
        Assert.InRange(used, 1, 64 << 10); // busybox holds a few MiB at most
        Assert.Equal(total, used + free);
    }

    [Fact]
    public void Python_lists_its_descriptors_and_finds_its_executable()
    {
        var r = RunInRootfs("/usr/bin/python3", "-c",
            "import os; print(sorted(os.listdir('/proc/self/fd'))); print(os.readlink('/proc/self/exe')); " +
            "print(os.readlink('/proc/self/fd/0')); print(open('/proc/self/comm').read().strip())");
        AssertExit(0, r);
        var lines = r.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("['0', '1', '2', '3']", lines[0]);
        Assert.Equal("/usr/bin/python3.11", lines[1]);
        Assert.Matches(@"^pipe:\[\d+\]$", lines[2]); // the test's stdin is a pipe; never a host path
        Assert.Equal("python3", lines[3]);
    }

    [Fact]
    public void Shell_writes_to_dev_stdout_and_dev_stderr()
    {
        // /dev/stdout is a link to /proc/self/fd/1: the shell's open follows it to the file of fd 1 and reopens it.
        var r = RunInRootfs("/bin/busybox", "sh", "-c", "echo out > /dev/stdout; echo err > /dev/stderr; read x < /dev/stdin; echo \"[$x]\"");
        AssertExit(0, r);
        Assert.Equal("out\n[]\n", r.Stdout);
        Assert.Equal("err\n", r.Stderr);
    }

    [Fact]
    public void Cpuinfo_features_are_the_hwcap_the_loader_reports()
    {
        var r = RunInRootfs("/usr/bin/python3", "-c",
            "import ctypes; libc = ctypes.CDLL(None); libc.getauxval.restype = ctypes.c_ulong; " +
            "print(libc.getauxval(16), libc.getauxval(26)); print(open('/proc/cpuinfo').read(), end='')");
        AssertExit(0, r);
        var lines = r.Stdout.Split('\n');
        var caps = lines[0].Split(' ').Select(ulong.Parse).ToArray();
        string[] hwcap =
        [
            "fp", "asimd", "evtstrm", "aes", "pmull", "sha1", "sha2", "crc32", "atomics", "fphp", "asimdhp", "cpuid", "asimdrdm",
            "jscvt", "fcma", "lrcpc", "dcpop", "sha3", "sm3", "sm4", "asimddp", "sha512", "sve", "asimdfhm", "dit", "uscat",
            "ilrcpc", "flagm", "ssbs", "sb", "paca", "pacg",
        ];
        string[] hwcap2 = ["dcpodp", "sve2", "sveaes", "svepmull", "svebitperm", "svesha3", "svesm4", "flagm2", "frint"];
        var expected = Enumerable.Range(0, hwcap.Length).Where(i => (caps[0] & (1UL << i)) != 0).Select(i => hwcap[i])
            .Concat(Enumerable.Range(0, hwcap2.Length).Where(i => (caps[1] & (1UL << i)) != 0).Select(i => hwcap2[i]));
        Assert.Equal("Features\t: " + string.Join(' ', expected), lines.Single(l => l.StartsWith("Features")));
        Assert.Equal("processor\t: 0", lines[1]);
        Assert.Single(lines, l => l.StartsWith("processor"));
        Assert.Contains("CPU architecture: 8", lines);
    }

    [Fact]
    public void Proc_shows_no_host_path()
    {
        var r = RunInRootfs("/usr/bin/python3", "-c",
            "import os\nfor f in ['/proc/self/mountinfo', '/proc/mounts', '/proc/self/maps', '/proc/self/environ', '/proc/self/cmdline']:\n" +
            "    print(open(f).read())\nfor l in ['/proc/self/exe', '/proc/self/cwd', '/proc/self/root', '/proc/self/fd/0', '/proc/self/fd/1']:\n" +
            "    print(os.readlink(l))");
        AssertExit(0, r);
        Assert.Contains("/proc proc rw,nosuid,nodev,noexec,relatime", r.Stdout);
        Assert.DoesNotContain(RepoPaths.Rootfs, r.Stdout);
        Assert.DoesNotContain("/var/cache", r.Stdout);
        Assert.DoesNotContain(Environment.CurrentDirectory, r.Stdout);
    }

    [Fact]
    public void Root_may_set_the_hostname_through_proc_sys()
    {
        var r = RunWithConfig("hostname = \"before\"", "/usr/bin/python3", "-c",
            "import os; print(os.uname().nodename); open('/proc/sys/kernel/hostname', 'w').write('after\\n'); " +
            "print(os.uname().nodename); print(open('/proc/sys/kernel/hostname').read(), end='')");
        AssertExit(0, r);
        Assert.Equal("before\nafter\nafter\n", r.Stdout);
    }

    [Fact]
    public void Sysctls_of_the_host_kind_cannot_be_written_even_by_root()
    {
        var r = RunInRootfs("/bin/busybox", "sh", "-c", "echo 5 > /proc/sys/kernel/pid_max");
        Assert.True(r.ExitCode != 0, r.Describe());
        Assert.Contains("Permission denied", r.Stderr);
    }

    [Fact]
    public void An_unprivileged_guest_sees_its_own_ids_and_cannot_set_the_hostname()
    {
        var r = RunWithConfig("uid = 1000, gid = 1000", "/usr/bin/python3", "-c",
            "import os\nfor l in open('/proc/self/status'):\n    if l.split(':')[0] in ('Uid', 'Gid', 'CapEff'): print(l, end='')\n" +
            "print(os.stat('/proc/self').st_uid, oct(os.stat('/proc/self/fd').st_mode))\n" +
            "try: open('/proc/sys/kernel/hostname', 'w')\nexcept PermissionError: print('hostname: denied')\n" +
            "try: open('/proc/sys/kernel/pid_max', 'w')\nexcept PermissionError: print('pid_max: denied')");
        AssertExit(0, r);
        Assert.Equal("Uid:\t1000\t1000\t1000\t1000\nGid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\n" +
            "1000 0o40500\nhostname: denied\npid_max: denied\n", r.Stdout);
    }

    /// <summary>Runs a program with the repository's settings plus <paramref name="settings"/> in the kernel block.</summary>
    private static ProcessResult RunWithConfig(string settings, params string[] program)
    {
        RequireRootfs();
        var conf = Path.Combine(Path.GetTempPath(), $"kernel-e2e-{Guid.NewGuid():N}.conf");
        File.WriteAllText(conf, File.ReadAllText(Path.Combine(RepoPaths.Root, "config", "kernel.conf")) + $"\nkernel {{ {settings} }}\n");
        try
        {
            return GuestRunner.RunKernel(["run", "--config", conf, "--", .. program]);
        }
        finally
        {
            File.Delete(conf);
        }
    }

    [GeneratedRegex(@"^[0-9a-f]{8,}-[0-9a-f]{8,} [r-][w-][x-][ps] [0-9a-f]{8} [0-9a-f]{2}:[0-9a-f]{2} \d+ ( +(?<name>\S.*))?$")]
    private static partial Regex MapsLine();
}
