using Kernel.Syscalls;

namespace Kernel.Actors.Tasks;

public sealed partial class KernelProcess
{
    /// <summary>Page faults and 512-byte blocks read and written by threads that have ended.</summary>
    internal (long Minor, long Major) EndedFaults;
    internal (long In, long Out) EndedBlocks;

    /// <summary>The fault and I/O counts of the live threads and the ended ones.</summary>
    private (long Minor, long Major, long In, long Out) FaultAndIoCounts()
    {
        Runner?.FlushUsage();
        var (minor, major) = EndedFaults;
        var (input, output) = EndedBlocks;
        foreach (var t in Threads)
        {
            minor += t.MinorFaults;
            major += t.MajorFaults;
            input += t.InBlocks;
            output += t.OutBlocks;
        }
        return (minor, major, input, output);
    }
}

public sealed partial class KernelTask
{
    /// <summary>This thread's page faults and 512-byte blocks read and written (charged by its runner).</summary>
    internal long MinorFaults, MajorFaults, InBlocks, OutBlocks;

    /// <summary>RUSAGE_THREAD.</summary>
    private Usage ThreadUsage()
    {
        Process.Runner?.FlushUsage();
        return new Usage(Micros(UserTicks), Micros(SystemTicks), Process.ResidentKb(), MinorFaults, VoluntarySwitches, InvoluntarySwitches)
        {
            MajorFaults = MajorFaults, InBlocks = InBlocks, OutBlocks = OutBlocks,
        };
    }
}
