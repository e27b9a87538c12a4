using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.EndToEnd;

/// <summary>
/// Programs that create processes and threads: shells run pipelines, subshells and background jobs with
/// fork, execve, pipes, dup and wait4; python starts threads and subprocesses.
/// </summary>
public sealed partial class EndToEndTests
{
    [Fact]
    public void Bash_runs_pipelines_subshells_heredocs_and_background_jobs()
    {
        const string script = """
            for i in 1 2 3; do echo $i; done | sort -r | tr '\n' ,
            echo
            (cd /tmp && pwd)
            x=$(echo sub | tr a-z A-Z); echo "$x"
            cat <<EOF
            here $((6*7))
            EOF
            echo data > /tmp/f && cat /tmp/f
            (exit 3); echo "status $?"
            sleep 0.1 & wait $!; echo "waited $?"
            """;
        var r = RunInRootfs("/bin/bash", "-c", script);
        AssertExit(0, r);
        Assert.Equal("3,2,1,\n/tmp\nSUB\nhere 42\ndata\nstatus 3\nwaited 0\n", r.Stdout);
    }

    [Fact]
    public void Busybox_sh_runs_pipelines_and_command_substitution()
    {
        var r = RunInRootfs("/bin/busybox", "sh", "-c", "echo hi | /bin/busybox tr a-z A-Z; v=$(/bin/busybox echo inner); echo $v; /bin/busybox false || echo failed");
        AssertExit(0, r);
        Assert.Equal("HI\ninner\nfailed\n", r.Stdout);
    }

    [Fact]
    public void Exit_status_of_a_child_reaches_the_shell()
    {
        var r = RunInRootfs("/bin/bash", "-c", "/bin/sh -c 'exit 7'; echo $?; /bin/busybox sh -c 'kill -9 $$'; echo $?");
        AssertExit(0, r);
        Assert.Equal("7\n137\n", r.Stdout);
    }

    [Fact]
    public void Python_threads_share_a_lock_and_subprocess_runs_a_child()
    {
        const string code = """
            import subprocess, threading
            n = [0]
            lock = threading.Lock()
            def work():
                for _ in range(2000):
                    with lock:
                        n[0] += 1
            ts = [threading.Thread(target=work) for _ in range(4)]
            for t in ts: t.start()
            for t in ts: t.join()
            print(n[0])
            print(subprocess.run(["/bin/sh", "-c", "exit 5"]).returncode)
            """;
        var r = RunInRootfs("/usr/bin/python3", "-c", code);
        AssertExit(0, r);
        Assert.Equal("8000\n5\n", r.Stdout);
    }

    [Fact]
    public void Python_multiprocessing_pool_of_four_returns_the_results()
    {
        // Pool's workers are forked processes that share semaphores (futexes in /dev/shm memory) with the parent.
        const string code = """
            import multiprocessing as mp
            def sq(x): return x * x
            if __name__ == "__main__":
                with mp.Pool(4) as p:
                    print(sum(p.map(sq, range(100))))
                    print(p.apply_async(sq, (12,)).get(timeout=60))
            """;
        var r = RunInRootfs("/usr/bin/python3", "-c", code);
        AssertExit(0, r);
        Assert.Equal("328350\n144\n", r.Stdout);
    }
}
