using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Actors.Vfs.TtyIoctl;

namespace Kernel.Actors;

// Terminals: the ioctls that need the calling process (controlling terminal, foreground group, session, a new
// descriptor for TIOCGPTPEER).
public sealed partial class VfsActor
{
    /// <summary>Terminal ioctls; null when the request is not one (or the file is the host's stdio, which serves its own).</summary>
    private KernelReply? TerminalIoctl(IoctlFile r, OpenFile file)
    {
        if (ArgumentSize(r.Request) is not { } size) return file is TerminalFile t ? new Failed(t.HungUp ? Errno.EIO : Errno.ENOTTY) : null;
        if (file is HostStdioFile { Terminal: { } host })
        {
            // The host terminal keeps its own settings; the sandbox keeps its session and foreground group.
            return JobControlIoctl(r, P(r.Task), host, host, master: false, file.CanRead);
        }
        if (file is not TerminalFile tty)
        {
            // A terminal ioctl on something else fails before its argument is touched; FIONREAD also suits pipes.
            return file is HostStdioFile || r.Request == FIONREAD ? null : new Failed(Errno.ENOTTY);
        }
        if (tty.HungUp) return new Failed(r.Request == TIOCSPGRP ? Errno.ENOTTY : Errno.EIO);
        bool master = tty is PtyMasterFile;
        // The master-only requests; TIOCGPTPEER is served for every terminal and fails EIO on the others (ptm_open_peer).
        if (!master && r.Request is TIOCGPTN or TIOCSPTLCK or TIOCGPTLCK or TIOCPKT or TIOCGPKT or TIOCSIG or TIOCGPTPEER)
            return new Failed(r.Request == TIOCGPTPEER ? Errno.EIO : Errno.ENOTTY);
        var process = P(r.Task);
        var mem = process.Mm;
        if (JobControlIoctl(r, process, tty.Terminal, tty.RealTerminal, master, tty.CanRead) is { } reply) return reply;
        switch (r.Request)
        {
            case TIOCGPTPEER:
                return OpenPeer(process, (PtyMasterFile)tty, (int)r.Argument);
            case TIOCVHANGUP:
                if (!r.Task.Settings.Has(Capabilities.SysAdmin)) return new Failed(Errno.EPERM);
                ((TerminalFile)tty).VHangup();
                return new Done(0);
            case TIOCSTI when !ReferenceEquals(process.ControllingTerminal, tty.Terminal) && !process.Creds.IsRoot:
                return new Failed(Errno.EPERM);
            case TCSETS or TCSETSW or TCSETSF or TCSETA or TCSETAW or TCSETAF or TCSETS2 or TCSETSW2 or TCSETSF2 or TCFLSH or TCXONC:
            {
                var e = CheckForeground(r.Task, process, tty.RealTerminal);
                if (e < 0) return Result(e);
                break;
            }
        }
        var argIn = new byte[size.In];
        var argOut = new byte[size.Out];
        if (size.In > 0 && mem.Read(r.Argument, argIn) != Errno.None) return new Failed(Errno.EFAULT);
        var result = tty.Ioctl(r.Request, argIn, argOut, r.Argument);
        if (result < 0) return Result(result);
        if (size.Out > 0 && mem.Write(r.Argument, argOut) != Errno.None) return new Failed(Errno.EFAULT);
        return new Done(result);
    }

    /// <summary>
    /// The ioctls about sessions and process groups, for any terminal: <paramref name="tty"/> is the file's own
    /// terminal, <paramref name="real"/> the one job control acts on. Null for other requests.
    /// </summary>
    private KernelReply? JobControlIoctl(IoctlFile r, KernelProcess process, Terminal tty, Terminal real, bool master, bool readable)
    {
        switch (r.Request)
        {
            case TIOCSCTTY:
                return Result(SetControllingTerminal(process, tty, readable, (long)r.Argument));
            case TIOCNOTTY:
                return Result(GiveUpControllingTerminal(process, tty));
            case TIOCGPGRP or TIOCGSID:
            {
                if (!master && !ReferenceEquals(process.ControllingTerminal, real)) return new Failed(Errno.ENOTTY);
                int value = r.Request == TIOCGPGRP ? real.ForegroundGroup : real.Session;
                if (r.Request == TIOCGSID && value == 0) return new Failed(Errno.ENOTTY);
                return CopyOutInt(process.Mm, r.Argument, value);
            }
            case TIOCSPGRP:
                return SetForegroundGroup(r, process, real);
            default:
                return null;
        }
    }

    private static KernelReply CopyOutInt(Mm.AddressSpace mem, ulong address, int value) =>
        mem.Write(address, BitConverter.GetBytes(value)) == Errno.None ? new Done(0) : new Failed(Errno.EFAULT);

    /// <summary>TIOCSCTTY: a session leader without a terminal takes this one; root may steal it (argument 1).</summary>
    private long SetControllingTerminal(KernelProcess process, Terminal tty, bool readable, long steal)
    {
        bool leader = process.Pid == process.Sid;
        if (leader && tty.Session == process.Sid) return 0;
        if (!leader || process.ControllingTerminal is not null) return -(long)Errno.EPERM;
        if (tty.Session != 0)
        {
            if (steal != 1 || !process.Creds.IsRoot) return -(long)Errno.EPERM;
            ClearSessionTerminal(tty.Session);
        }
        if (!readable && !process.Creds.IsRoot) return -(long)Errno.EPERM;
        tty.Attach(process);
        return 0;
    }

    private void ClearSessionTerminal(int sid)
    {
        foreach (var p in sandbox.AllProcesses())
        {
            if (p.Sid == sid) p.ControllingTerminal = null;
        }
    }

    /// <summary>TIOCNOTTY: the caller gives up its controlling terminal; a session leader takes it from the whole session.</summary>
    private long GiveUpControllingTerminal(KernelProcess process, Terminal tty)
    {
        if (!ReferenceEquals(process.ControllingTerminal, tty)) return -(long)Errno.ENOTTY;
        if (process.Pid == process.Sid)
        {
            if (tty.ForegroundGroup > 0)
            {
                sandbox.Supervisor.Tell(new SignalActor.SignalGroup(tty.ForegroundGroup, Sig.SIGHUP));
                sandbox.Supervisor.Tell(new SignalActor.SignalGroup(tty.ForegroundGroup, Sig.SIGCONT));
            }
            tty.Detach();
            ClearSessionTerminal(process.Sid);
        }
        process.ControllingTerminal = null;
        return 0;
    }

    /// <summary>
    /// tty_check_change: a background process may change its controlling terminal only with SIGTTOU ignored or
    /// blocked. Otherwise its group gets SIGTTOU and the call restarts once it is continued; an orphaned group, which
    /// nobody would continue, gets EIO instead.
    /// </summary>
    private long CheckForeground(IKernelTask task, KernelProcess process, Terminal tty)
    {
        if (!ReferenceEquals(process.ControllingTerminal, tty) || tty.ForegroundGroup == 0 || tty.ForegroundGroup == process.Pgid) return 0;
        bool ignored = process.SignalActions[Sig.SIGTTOU].Handler == SignalAction.Ignore;
        bool blocked = (task.SignalMask & (1UL << (Sig.SIGTTOU - 1))) != 0;
        if (ignored || blocked) return 0;
        if (sandbox.IsOrphanedGroup(process.Pgid)) return -(long)Errno.EIO;
        sandbox.Supervisor.Tell(new SignalActor.SignalGroup(process.Pgid, Sig.SIGTTOU));
        return -(long)Errno.ERESTARTSYS;
    }

    /// <summary>TIOCSPGRP: the caller's own controlling terminal gets a foreground group of the caller's session.</summary>
    private KernelReply SetForegroundGroup(IoctlFile r, KernelProcess process, Terminal tty)
    {
        var e = CheckForeground(r.Task, process, tty);
        if (e < 0) return new Failed(e == -(long)Errno.EIO ? Errno.ENOTTY : (Errno)(-e));
        if (!ReferenceEquals(process.ControllingTerminal, tty) || tty.Session != process.Sid) return new Failed(Errno.ENOTTY);
        var raw = new byte[4];
        if (process.Mm.Read(r.Argument, raw) != Errno.None) return new Failed(Errno.EFAULT);
        int pgrp = BitConverter.ToInt32(raw);
        if (pgrp < 0) return new Failed(Errno.EINVAL);
        // Linux takes the session of the group, or of the process with that pid when the group is empty.
        var owner = sandbox.AllProcesses().FirstOrDefault(p => p.Pgid == pgrp) ?? sandbox.FindThread(pgrp);
        if (owner is null) return new Failed(Errno.ESRCH);
        if (owner.Sid != process.Sid) return new Failed(Errno.EPERM);
        tty.ForegroundGroup = pgrp;
        return new Done(0);
    }

    /// <summary>vhangup (tty_vhangup_self): the caller's controlling terminal hangs up; a host terminal only for the sandbox's session.</summary>
    private KernelReply HangUpControlling(HangUpControllingTerminal r)
    {
        switch (P(r.Task).ControllingTerminal)
        {
            case PtyTerminal { IsMaster: false } slave:
                slave.Pty.VHangup(master: false);
                break;
            case PtyTerminal master:
                master.Pty.VHangup(master: true);
                break;
            case { } other:
                sandbox.Vfs.Devpts.Host?.HangUp(other);
                break;
        }
        return new Done(0);
    }

    /// <summary>TIOCGPTPEER: a new descriptor open on the master's slave, without going through /dev/pts by name.</summary>
    private KernelReply OpenPeer(KernelProcess process, PtyMasterFile master, int flags)
    {
        var pty = master.Pty;
        // The slave's path as /proc/self/fd shows it; a process whose root hides /dev/pts gets a file without one.
        Location? location = sandbox.Vfs.Resolve(process.Fs, null, $"/dev/pts/{pty.Index}", AtFlags.AT_SYMLINK_NOFOLLOW, out var loc) == 0
            && ReferenceEquals(loc.Inode, pty.Node) ? loc : null;
        long e;
        OpenFile? file;
        // As Linux's ptm_open_peer, no permission check: holding the master is enough.
        using (DeviceOpen.For(process)) e = pty.OpenSlave(location, flags & ~OpenFlags.O_CLOEXEC, out file);
        if (e < 0) return Result(e);
        var fd = process.Files.Install(file!, (flags & OpenFlags.O_CLOEXEC) != 0);
        if (fd < 0) file!.DropReference();
        return Result(fd);
    }
}
