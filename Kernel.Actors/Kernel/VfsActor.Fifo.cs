using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// Blocking opens of a FIFO: a reader waits for a writer to open and a writer for a reader (fifo_open's
// wait_for_partner). The end is already counted, so the partner's open sees it and does not wait; the waiting
// open is parked like a blocking read and gets its descriptor once the partner came.
public sealed partial class VfsActor
{
    /// <summary>A FIFO end opened without its partner, waiting to be installed.</summary>
    private sealed record WaitFifoPartner(IKernelTask Task, PipeEnd End, bool CloseOnExec) : FdIoRequest(Task);

    /// <summary>Installs a newly opened file at the lowest free descriptor, or parks the open of a FIFO whose partner has not come.</summary>
    private KernelReply? InstallOpened(IKernelTask task, OpenFile file, bool closeOnExec, IActorRef sender)
    {
        if (file is PipeEnd { WaitsForPartner: true } end && !end.PartnerCame())
            return Start(new ParkedCall(new WaitFifoPartner(task, end, closeOnExec), sender, Self, null));
        var fd = P(task).Files.Install(file, closeOnExec);
        if (fd < 0) file.DropReference();
        return Result(fd);
    }

    private KernelReply? TryFifoOpen(ParkedCall call, WaitFifoPartner w)
    {
        if (!w.End.PartnerCame())
        {
            if (P(w.Task).IsExiting)
            {
                w.End.DropReference();
                return new Failed(Errno.EINTR);
            }
            // Look again once subscribed, so that an open between the check and the subscription is not lost.
            call.Watch(w.End.Pipe.Waiters, Poll.ReadWait | Poll.WriteWait);
            if (!w.End.PartnerCame()) return null;
        }
        var fd = P(w.Task).Files.Install(w.End, w.CloseOnExec);
        if (fd < 0) w.End.DropReference();
        return Result(fd);
    }
}
