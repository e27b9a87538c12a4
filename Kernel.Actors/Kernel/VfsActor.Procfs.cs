using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

public sealed partial class VfsActor
{
    // Path walks through /proc/self and /proc/thread-self depend on who is asking: the requesting task is
    // current while its request is handled (on the actor's thread or inline on the task's own).
    protected override KernelReply? Handle(KernelRequest request, IActorRef sender)
    {
        using var scope = CurrentTask.Enter(request is VfsRequest { Task: KernelTask task } ? task : null);
        return HandleRequest(request, sender);
    }
}
