using Akka.Actor;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>
/// The sender of a request from a vCPU: the subsystem's reply runs <paramref name="onReply"/> on the replying
/// actor's thread, which hands it straight to the task's runner. Ask would route the reply through a task
/// continuation on the thread pool: one more thread wake-up on every blocking syscall.
/// </summary>
internal sealed class ReplySink(IActorRefProvider provider, ActorPath path, Action<KernelReply> onReply) : MinimalActorRef
{
    private int _answered;

    public override ActorPath Path { get; } = path;
    public override IActorRefProvider Provider { get; } = provider;

    protected override void TellInternal(object message, IActorRef sender)
    {
        // One reply per request; anything else (a second reply, a system message) is dropped.
        if (Interlocked.Exchange(ref _answered, 1) != 0) return;
        onReply(message as KernelReply ?? new Failed(Errno.EIO));
    }
}
