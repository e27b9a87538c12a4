using System.Threading;
using Akka.Actor;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>
/// Lets a vCPU thread run a request through a subsystem actor's own handler when the actor is idle, instead of a
/// round trip through its mailbox: two cross-thread wake-ups cost more than a short path walk (open, close, fstat).
/// The actor holds the gate while it handles any message, so its state still has one owner at a time; a caller
/// that finds the gate taken never waits and sends the request instead. One gate per subsystem, kept by the
/// sandbox, so it outlives the actor's restarts.
/// </summary>
public sealed class InlineGate
{
    private readonly Lock _lock = new();
    private volatile SubsystemActor? _actor;

    /// <summary>The incarnation that handles inline requests (set by each new incarnation).</summary>
    internal void Attach(SubsystemActor actor) => _actor = actor;

    /// <summary>Held by the actor's own thread around each message.</summary>
    internal Lock.Scope Enter() => _lock.EnterScope();

    /// <summary>
    /// Handles <paramref name="request"/> now, on this thread, if the actor is idle: true with the reply, or with
    /// null when the actor parked the request (it answers <paramref name="sender"/> later). False: the actor is
    /// busy or not started, and nothing was done.
    /// </summary>
    public bool TryHandle(KernelRequest request, IActorRef sender, out KernelReply? reply)
    {
        reply = null;
        if (!TryEnter(out var actor)) return false;
        try
        {
            reply = actor.HandleInline(request, sender);
            return true;
        }
        finally
        {
            _lock.Exit();
        }
    }

    /// <summary>
    /// Delivers a notification (not a request) to the actor now, on this thread, if it is idle: a file's waker
    /// can then complete a parked call itself, and only the reply crosses threads. False: nothing was done.
    /// </summary>
    public bool TryDeliver(object message)
    {
        if (!TryEnter(out var actor)) return false;
        try
        {
            actor.DeliverInline(message);
            return true;
        }
        finally
        {
            _lock.Exit();
        }
    }

    // Never re-entered from the actor's own handling (a notification raised while it handles a message waits
    // for the mailbox, as it would without the gate).
    private bool TryEnter(out SubsystemActor actor)
    {
        actor = _actor!;
        if (actor is null || _lock.IsHeldByCurrentThread || !_lock.TryEnter()) return false;
        return true;
    }
}
