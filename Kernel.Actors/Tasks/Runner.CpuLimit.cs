using System.Diagnostics;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;

namespace Kernel.Actors.Tasks;

// RLIMIT_CPU, checked where the vCPU accounts CPU time (as check_process_timers does at the tick): the process's
// user and system time past the soft limit sends SIGXCPU and moves the soft limit one second on, so the signal
// repeats each second; past the hard limit the process gets SIGKILL.
public sealed partial class Runner
{
    private const long NsPerSecond = 1_000_000_000;

    private void CheckCpuLimit()
    {
        if (_process.IsExiting) return;
        var (soft, hard) = _process.GetLimit(Limits.Cpu);
        if (soft == Limits.Infinity) return;
        var used = ProcessTimers.ProcessCpu(_process, prof: true);
        if (hard != Limits.Infinity && (ulong)used >= Seconds(hard))
        {
            Queue(SigInfo.Kernel(Sig.SIGKILL), null);
            return;
        }
        if ((ulong)used < Seconds(soft)) return;
        _process.SetLimit(Limits.Cpu, soft + 1, hard);
        Queue(SigInfo.Kernel(Sig.SIGXCPU), null);
    }

    /// <summary>
    /// RLIMIT_RTTIME (check_thread_timers): a SCHED_FIFO or SCHED_RR thread's CPU time since it last blocked, in
    /// microseconds, past the soft limit sends the process SIGXCPU and moves the soft limit one second on; past the
    /// hard limit, SIGKILL.
    /// </summary>
    private void CheckRtTimeLimit(KernelTask task)
    {
        if (_process.IsExiting || task.Settings.Policy is not (TaskSettings.SchedFifo or TaskSettings.SchedRr)) return;
        var (soft, hard) = _process.GetLimit(Limits.RtTime);
        var micros = (ulong)(task.RunTicksSinceBlock * 1_000_000 / Stopwatch.Frequency);
        if (hard != Limits.Infinity && micros >= hard)
        {
            Queue(SigInfo.Kernel(Sig.SIGKILL), null);
            return;
        }
        if (soft == Limits.Infinity || micros < soft) return;
        _process.SetLimit(Limits.RtTime, soft + 1_000_000, hard);
        Queue(SigInfo.Kernel(Sig.SIGXCPU), null);
    }

    /// <summary>A limit in seconds as nanoseconds of CPU time (saturating: a huge limit is never reached).</summary>
    private static ulong Seconds(ulong limit) => limit > ulong.MaxValue / NsPerSecond ? ulong.MaxValue : limit * NsPerSecond;
}
