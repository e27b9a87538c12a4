using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors;

// O_ASYNC (fcntl F_SETFL or FIOASYNC): while it is set, every readiness change of the file sends SIGIO (or the
// F_SETSIG signal, with POLL_* siginfo) to the owner F_SETOWN named, as Linux's fasync/send_sigio do.
public sealed partial class VfsActor
{
    /// <summary>Sets or clears O_ASYNC on <paramref name="file"/> (descriptor <paramref name="fd"/>), subscribing to its readiness.</summary>
    private void SetAsync(OpenFile file, int fd, bool on)
    {
        file.StatusFlags = on ? file.StatusFlags | OpenFlags.O_ASYNC : file.StatusFlags & ~OpenFlags.O_ASYNC;
        if (on) file.EnableAsync(fd, SendIoSignal);
        else file.DisableAsync();
    }

    /// <summary>send_sigio: to a thread, a process or a process group; F_SETSIG's signal carries si_fd and the band.</summary>
    private void SendIoSignal(OpenFile file, int fd, int events) => SendIoSignal(file, fd, events, BandCode(events));

    /// <summary>send_sigio with an explicit si_code (POLL_MSG for a lease break).</summary>
    private void SendIoSignal(OpenFile file, int fd, int events, int code)
    {
        var (type, id) = file.SignalOwner;
        if (id == 0) return;
        var sig = file.IoSignal;
        var info = sig == 0
            ? SigInfo.Kernel(Sig.SIGIO)
            : new SigInfo(sig, code) { Band = events, Fd = fd };
        switch (type)
        {
            case 0 when sandbox.FindThread(id) is { } p:
                SignalActor.Post(p, info, p.Threads.FirstOrDefault(t => t.Tid == id));
                break;
            case 1 when sandbox.FindProcess(id) is { } p:
                SignalActor.Post(p, info, null);
                break;
            case 2:
                foreach (var p in sandbox.AllProcesses().Where(p => p.Pgid == id).ToList()) SignalActor.Post(p, info, null);
                break;
        }
    }

    /// <summary>The si_code of an I/O signal: POLL_IN, POLL_OUT, POLL_ERR, POLL_PRI or POLL_HUP.</summary>
    private static int BandCode(int events) =>
        (events & Poll.Err) != 0 ? 4 : (events & Poll.Hup) != 0 ? 6 : (events & Poll.Pri) != 0 ? 5 : (events & Poll.In) != 0 ? 1 : 2;
}
