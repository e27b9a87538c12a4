using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A terminal a session may have as its controlling terminal: its session and foreground process group
/// (Linux's tty->ctrl). Changed only by the VFS actor, read from any thread.
/// </summary>
public abstract class Terminal
{
    private volatile int _session;
    private volatile int _foreground;

    /// <summary>The session this is the controlling terminal of (0: none).</summary>
    public int Session
    {
        get => _session;
        set => _session = value;
    }

    /// <summary>The foreground process group (0: none), which terminal-generated signals go to.</summary>
    public int ForegroundGroup
    {
        get => _foreground;
        set => _foreground = value;
    }

    /// <summary>/dev/tty: a new open file description of this terminal, at <paramref name="location"/>.</summary>
    public abstract long OpenAgain(Location location, int flags, out OpenFile? file);

    /// <summary>Whether this terminal can become a controlling terminal when opened without O_NOCTTY (a pty master cannot).</summary>
    public virtual bool AcquiredOnOpen => true;

    /// <summary>
    /// Opening a terminal without O_NOCTTY makes it the controlling terminal of a session leader that has none,
    /// if no session has it yet (tty_open_proc_set_tty).
    /// </summary>
    public void AttachOnOpen(int flags, IDeviceOpener? opener)
    {
        if ((flags & OpenFlags.O_NOCTTY) != 0 || opener is null || !AcquiredOnOpen) return;
        if (opener.Pid != opener.Sid || opener.ControllingTerminal is not null || Session != 0) return;
        Attach(opener);
    }

    /// <summary>Makes this the controlling terminal of the opener's session, its process group in the foreground.</summary>
    public void Attach(IDeviceOpener opener)
    {
        Session = opener.Sid;
        ForegroundGroup = opener.Pgid;
        opener.ControllingTerminal = this;
    }

    /// <summary>No session owns this terminal any more.</summary>
    public void Detach()
    {
        Session = 0;
        ForegroundGroup = 0;
    }
}

/// <summary>The process side of terminals: where signals go and who loses a terminal that hangs up.</summary>
public interface ITerminalHost
{
    /// <summary>Sends <paramref name="signal"/> to every process of group <paramref name="pgid"/>.</summary>
    void SignalGroup(int pgid, int signal);

    /// <summary>
    /// The terminal hung up (its pty master closed): the processes that have it as their controlling terminal lose
    /// it, and their session leader gets SIGHUP and SIGCONT (tty_signal_session_leader).
    /// </summary>
    void HangUp(Terminal terminal);

    /// <summary>
    /// The terminal's last open file closed: the processes of its session lose it as their controlling terminal
    /// (tty_release's session_clear_tty), though the terminal still records the session.
    /// </summary>
    void LastClose(Terminal terminal);
}

/// <summary>The process a device is opened for: terminals need its ids, session and controlling terminal.</summary>
public interface IDeviceOpener
{
    int Pid { get; }
    int Pgid { get; }
    int Sid { get; }
    Credentials Creds { get; }
    Terminal? ControllingTerminal { get; set; }
}

/// <summary>
/// The process a VFS open runs for, set by the VFS actor around the call (devices such as /dev/tty and the pty
/// slaves depend on it; the VFS library itself knows nothing of processes). Thread-local, so opens from other
/// threads (the loader's) see none.
/// </summary>
public static class DeviceOpen
{
    [ThreadStatic] private static IDeviceOpener? _current;

    public static IDeviceOpener? Current => _current;

    /// <summary>Sets the opener until the returned scope is disposed.</summary>
    public static Scope For(IDeviceOpener? opener)
    {
        var previous = _current;
        _current = opener;
        return new Scope(previous);
    }

    public readonly struct Scope(IDeviceOpener? previous) : IDisposable
    {
        public void Dispose() => _current = previous;
    }
}
