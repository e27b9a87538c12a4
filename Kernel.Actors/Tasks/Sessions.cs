using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// Sessions, process groups and controlling terminals (setsid, setpgid, the terminal's hang-up and a session
/// leader's exit), and the terminals' way to signal process groups. The calls run in the VFS actor, which also
/// serves the terminal ioctls that read and change the same state.
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

    /// <summary>setsid: a new session and process group led by the caller, without a controlling terminal.</summary>
    public static long CreateSession(Sandbox sandbox, KernelProcess caller)
    {
        // A group leader (or a caller whose pid names some group) cannot start a session.
        if (caller.Pid == caller.Sid || sandbox.AllProcesses().Any(p => p.Pgid == caller.Pid)) return -(long)Errno.EPERM;
        caller.Sid = caller.Pid;
        caller.Pgid = caller.Pid;
        caller.ControllingTerminal = null;
        return caller.Pid;
    }

    /// <summary>setpgid: moves the caller or a child of it (pid 0: the caller) into group <paramref name="pgid"/> (0: its own pid).</summary>
    public static long SetProcessGroup(Sandbox sandbox, KernelProcess caller, int pid, int pgid)
    {
        if (pid == 0) pid = caller.Pid;
        if (pgid == 0) pgid = pid;
        if (pgid < 0) return -(long)Errno.EINVAL;
        var target = sandbox.FindProcess(pid);
        if (target is null) return sandbox.FindThread(pid) is null ? -(long)Errno.ESRCH : -(long)Errno.EINVAL;
        if (target.Ppid == caller.Pid && target != caller)
        {
            if (target.Sid != caller.Sid) return -(long)Errno.EPERM;
            if (target.HasExeced) return -(long)Errno.EACCES;
        }
        else if (target != caller)
        {
            return -(long)Errno.ESRCH;
        }
        if (target.Pid == target.Sid) return -(long)Errno.EPERM;
        if (pgid != pid && !sandbox.AllProcesses().Any(p => p.Pgid == pgid && p.Sid == caller.Sid)) return -(long)Errno.EPERM;
        target.Pgid = pgid;
        return 0;
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

    /// <summary>Whether some process of session <paramref name="sid"/> is in group <paramref name="pgid"/>.</summary>
    public static bool GroupInSession(Sandbox sandbox, int pgid, int sid) =>
        sandbox.AllProcesses().Any(p => p.Pgid == pgid && p.Sid == sid && !p.IsExiting);
}
