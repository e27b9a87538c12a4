using Akka.Actor;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Serilog;

namespace Kernel.Actors;

/// <summary>
/// Base of the subsystem actors. The subsystem's state lives in an object the supervisor hands to every
/// incarnation, so a restart loses nothing; a request whose handler throws is answered EIO (never left hanging),
/// logged, and the exception then restarts the actor.
/// </summary>
public abstract class SubsystemActor : UntypedActor
{
    private readonly InlineGate? _gate;

    protected ILogger Log { get; }

    /// <summary>This actor's reference, captured at construction: handlers also run inline on vCPU threads, where Akka's Self is not available.</summary>
    protected new IActorRef Self { get; }

    /// <summary>The actor system's scheduler, captured for the same reason.</summary>
    protected IScheduler Scheduler { get; }

    protected SubsystemActor(ILogger log, InlineGate? gate = null)
    {
        Log = log.ForContext("Subsystem", GetType().Name);
        Self = Context.Self;
        Scheduler = Context.System.Scheduler;
        _gate = gate;
        gate?.Attach(this);
    }

    /// <summary>Answers the request (a reply) or parks it (null: the actor replies later through the sender it kept).</summary>
    protected abstract KernelReply? Handle(KernelRequest request, IActorRef sender);

    /// <summary>Non-request messages (timers, notifications).</summary>
    protected virtual void OnOther(object message) => Unhandled(message);

    /// <summary>A signal interrupts a call this actor parked: answer it now (ERESTARTSYS, EINTR) if it still waits.</summary>
    public sealed record InterruptCall(KernelRequest Request);

    /// <summary>Answers the parked <paramref name="request"/> as interrupted; nothing when it is no longer parked here.</summary>
    protected virtual void OnInterrupt(KernelRequest request)
    {
    }

    /// <summary>A handler that ran inline threw: the actor restarts on its own thread, as if it had thrown there.</summary>
    private sealed record InlineFault(Exception Exception);

    protected override void OnReceive(object message)
    {
        if (_gate is null)
        {
            Deliver(message);
            return;
        }
        using (_gate.Enter()) Deliver(message);
    }

    private void Deliver(object message)
    {
        if (message is InlineFault f) throw new InvalidOperationException("a request handled inline failed", f.Exception);
        if (message is InterruptCall interrupt)
        {
            OnInterrupt(interrupt.Request);
            return;
        }
        if (message is not KernelRequest request)
        {
            OnOther(message);
            return;
        }
        var sender = Sender;
        KernelReply? reply;
        try
        {
            reply = Handle(request, sender);
        }
        catch (Exception e)
        {
            Log.Error(e, "{Request} failed in the kernel; answering EIO and restarting", request.GetType().Name);
            sender.Tell(new Failed(Errno.EIO));
            throw;
        }
        if (reply is not null) sender.Tell(reply);
    }

    /// <summary>Runs a request on a vCPU thread (under the gate): a fault answers EIO and restarts the actor.</summary>
    internal KernelReply? HandleInline(KernelRequest request, IActorRef sender)
    {
        try
        {
            return Handle(request, sender);
        }
        catch (Exception e)
        {
            Log.Error(e, "{Request} failed in the kernel; answering EIO and restarting", request.GetType().Name);
            Self.Tell(new InlineFault(e));
            return new Failed(Errno.EIO);
        }
    }

    /// <summary>Delivers a notification on another thread (under the gate): a fault restarts the actor.</summary>
    internal void DeliverInline(object message)
    {
        try
        {
            OnOther(message);
        }
        catch (Exception e)
        {
            Log.Error(e, "{Message} failed in the kernel; restarting", message.GetType().Name);
            Self.Tell(new InlineFault(e));
        }
    }

    /// <summary>The gate through which other threads may run this actor's handlers, if it has one.</summary>
    protected InlineGate? Gate => _gate;

    protected static KernelReply Result(long value) => value < 0 ? new Failed((Errno)(-value)) : new Done(value);
}

/// <summary>Routes each request to the actor of its subsystem, keeping the original sender for the reply.</summary>
public sealed class Dispatcher(IReadOnlyDictionary<Subsystem, IActorRef> routes) : UntypedActor
{
    protected override void OnReceive(object message)
    {
        if (message is KernelRequest r && routes.TryGetValue(r.Subsystem, out var target)) target.Forward(r);
        else if (message is KernelRequest) Sender.Tell(new Failed(Errno.ENOSYS));
        else Unhandled(message);
    }
}

/// <summary>A subsystem with no requests defined yet: answers ENOSYS.</summary>
public sealed class EmptySubsystemActor(ILogger log) : SubsystemActor(log)
{
    protected override KernelReply? Handle(KernelRequest request, IActorRef sender) => new Failed(Errno.ENOSYS);
}

/// <summary>
/// The kernel's root: starts the dispatcher and one actor per subsystem, and restarts a failed subsystem
/// (its state object survives) without touching the others.
/// </summary>
public sealed class KernelSupervisor : UntypedActor
{
    public sealed record GetDispatcher;
    public sealed record GetRoutes;

    private readonly IActorRef _dispatcher;
    private readonly IActorRef _task;
    private readonly IActorRef _signal;
    private readonly Dictionary<Subsystem, IActorRef> _routes;

    public KernelSupervisor(Sandbox sandbox)
    {
        var routes = new Dictionary<Subsystem, IActorRef>
        {
            [Subsystem.Vfs] = Context.ActorOf(Props.Create(() => new VfsActor(sandbox)), "vfs"),
            [Subsystem.Mm] = Context.ActorOf(Props.Create(() => new MmActor(sandbox)), "mm"),
            [Subsystem.Task] = Context.ActorOf(Props.Create(() => new TaskActor(sandbox)), "task"),
            [Subsystem.Signal] = Context.ActorOf(Props.Create(() => new SignalActor(sandbox)), "signal"),
            [Subsystem.Ipc] = Context.ActorOf(Props.Create(() => new IpcActor(sandbox)), "ipc"),
            [Subsystem.Net] = Context.ActorOf(Props.Create(() => new EmptySubsystemActor(sandbox.Log)), "net"),
        };
        _task = routes[Subsystem.Task];
        _signal = routes[Subsystem.Signal];
        _routes = routes;
        _dispatcher = Context.ActorOf(Props.Create(() => new Dispatcher(routes)), "dispatcher");
    }

    protected override SupervisorStrategy SupervisorStrategy() => Strategy();

    /// <summary>
    /// Restart only the subsystem that failed, every time: its state object survives, and a subsystem that
    /// stopped for good would leave later requests unanswered.
    /// </summary>
    public static SupervisorStrategy Strategy() =>
        new OneForOneStrategy(maxNrOfRetries: -1, withinTimeRange: Timeout.InfiniteTimeSpan, localOnlyDecider: _ => Directive.Restart);

    protected override void OnReceive(object message)
    {
        if (message is GetDispatcher) Sender.Tell(_dispatcher);
        else if (message is GetRoutes) Sender.Tell((IReadOnlyDictionary<Subsystem, IActorRef>)_routes);
        else if (message is TaskActor.ProcessExited) _task.Forward(message); // wakes wait4 callers
        else if (message is SignalActor.SignalGroup or SignalActor.SignalProcess) _signal.Forward(message); // from terminals
        else Unhandled(message);
    }
}
