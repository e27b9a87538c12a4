namespace Kernel.Actors.Tasks;

/// <summary>How a process ended, in wait(2) status terms.</summary>
public readonly record struct ProcessExit(int Code, int Signal, bool CoreDumped = false)
{
    /// <summary>The status word wait4 reports.</summary>
    public int WaitStatus => Signal != 0 ? Signal | (CoreDumped ? 0x80 : 0) : (Code & 0xff) << 8;

    /// <summary>The host exit status of the `kernel run` command: the code, or 128+N for signal N.</summary>
    public int HostExitStatus => Signal != 0 ? 128 + Signal : Code & 0xff;

    public static ProcessExit Exited(int code) => new(code & 0xff, 0);
    public static ProcessExit Killed(int signal, bool core = false) => new(0, signal, core);
}
