using Kernel.Actors.Tasks;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

public sealed partial class VfsActor
{
    // Path walks through /proc/self and /proc/thread-self depend on who is asking: the requesting task is
    // current while its request is handled.
    protected override void OnReceive(object message)
    {
        using var scope = CurrentTask.Enter(message is VfsRequest { Task: KernelTask task } ? task : null);
        base.OnReceive(message);
    }
}
