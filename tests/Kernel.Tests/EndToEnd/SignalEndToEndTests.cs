using System.Diagnostics;
using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.EndToEnd;

/// <summary>
/// Real programs that rely on signals and timers: coreutils timeout, bash traps and job control, python's signal
/// module (alarm, setitimer, a SIGINT handler, PEP 475 sleeps) and faulthandler.
/// </summary>
public sealed partial class EndToEndTests
{
    [Fact]
    public void Timeout_kills_a_sleep_after_a_second_with_status_124()
    {
        var watch = Stopwatch.StartNew();
        var r = RunInRootfs("/usr/bin/timeout", "1", "/bin/sleep", "10");
        watch.Stop();
        AssertExit(124, r);
        Assert.InRange(watch.Elapsed.TotalSeconds, 1.0, 8.0); // start-up included; far less than the 10 s sleep
    }

    [Fact]
    public void Bash_runs_its_traps_and_reports_killed_and_stopped_jobs()
    {
        const string script = """
            trap 'echo trapped INT' INT
            trap 'echo trapped TERM' TERM
            kill -INT $$
            kill -TERM $$
            sleep 100 & kill %1; wait %1; echo "terminated $?"
            sleep 100 & p=$!; kill -STOP $p; kill -CONT $p; kill -KILL $p; wait $p; echo "killed $?"
            start=$(date +%s%N); sleep 0.2; end=$(date +%s%N)
            ms=$(( (end - start) / 1000000 )); [ $ms -ge 190 ] && [ $ms -lt 3000 ] && echo "slept 0.2"
            """;
        var r = RunInRootfs("/bin/bash", "-c", script);
        AssertExit(0, r);
        Assert.Equal("trapped INT\ntrapped TERM\nterminated 143\nkilled 137\nslept 0.2\n", r.Stdout);
    }

    [Fact]
    public void Python_alarm_setitimer_keyboard_interrupt_and_faulthandler_work()
    {
        const string code = """
            import signal, subprocess, sys, time
            t0 = time.monotonic()
            signal.signal(signal.SIGALRM, lambda s, f: print("alarm"))
            signal.alarm(1)
            time.sleep(1.5)
            print("sleep resumed after the handler:", time.monotonic() - t0 >= 1.45)
            ticks = [0]
            def tick(s, f): ticks[0] += 1
            signal.signal(signal.SIGALRM, tick)
            signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
            time.sleep(0.5)
            signal.setitimer(signal.ITIMER_REAL, 0)
            print("itimer ticked:", 5 <= ticks[0] <= 60)  # 50 periods; a busy machine may merge some
            signal.signal(signal.SIGINT, signal.default_int_handler)
            try:
                signal.raise_signal(signal.SIGINT)
                time.sleep(5)
            except KeyboardInterrupt:
                print("KeyboardInterrupt")
            r = subprocess.run([sys.executable, "-c", "import faulthandler, ctypes; faulthandler.enable(); ctypes.string_at(0)"],
                               capture_output=True, text=True)
            print("faulthandler:", r.returncode, "Fatal Python error: Segmentation fault" in r.stderr)
            """;
        var r = RunInRootfs("/usr/bin/python3", "-c", code);
        AssertExit(0, r);
        Assert.Equal("alarm\nsleep resumed after the handler: True\nitimer ticked: True\nKeyboardInterrupt\nfaulthandler: -11 True\n", r.Stdout);
    }
}
