using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// Controlling terminals of sessions (the terminal's hang-up and last close, a session leader's exit), and the
/// terminals' way to signal process groups. setsid and setpgid live with the sandbox's process table.
/// </summary>
public sealed class Sessions(Sandbox sandbox) : ITerminalHost
{
    public void SignalGroup(int pgid, int signal) => SignalGroup(sandbox, pgid, signal);

    private static void SignalGroup(Sandbox sandbox, int pgid, int signal) =>
        sandbox.Supervisor.Tell(new SignalActor.SignalGroup(pgid, signal));

    public void HangUp(Terminal terminal)
    {
        // tty_signal_session_leader: the session's processes lose the terminal; its leader gets SIGHUP and SIGCONT,
        // and then the foreground group SIGHUP.
        int session = terminal.Session, foreground = terminal.ForegroundGroup;
        bool leaderFound = false;
        foreach (var p in sandbox.AllProcesses())
        {
            if (session == 0 || p.Sid != session) continue;
            if (ReferenceEquals(p.ControllingTerminal, terminal)) p.ControllingTerminal = null;
            if (p.Pid != p.Sid) continue;
            leaderFound = true;
            sandbox.Supervisor.Tell(new SignalActor.SignalProcess(p.Pid, Sig.SIGHUP));
            sandbox.Supervisor.Tell(new SignalActor.SignalProcess(p.Pid, Sig.SIGCONT));
        }
        if (leaderFound && foreground > 0) SignalGroup(foreground, Sig.SIGHUP);
        terminal.Detach();
    }

    public void LastClose(Terminal terminal)
    {
        foreach (var p in sandbox.AllProcesses())
        {
            if (ReferenceEquals(p.ControllingTerminal, terminal)) p.ControllingTerminal = null;
        }
    }

    /// <summary>A session leader that exits takes the terminal from its session; the foreground group gets SIGHUP.</summary>
    public static void ProcessExited(Sandbox sandbox, KernelProcess process)
    {
        if (process.Pid != process.Sid || process.ControllingTerminal is not { } terminal) return;
        if (terminal.ForegroundGroup > 0) SignalGroup(sandbox, terminal.ForegroundGroup, Sig.SIGHUP);
        terminal.Detach();
        foreach (var p in sandbox.AllProcesses())
        {
            if (p.Sid == process.Sid) p.ControllingTerminal = null;
        }
    }
}
