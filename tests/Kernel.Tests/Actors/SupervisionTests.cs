using Akka.Actor;
using Akka.TestKit.Xunit2;
using Kernel.Actors;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Serilog;

namespace Kernel.Tests.Actors;

/// <summary>The dispatcher's routing and the kernel supervisor's restart of a failed subsystem, with Akka's TestKit.</summary>
public sealed class SupervisionTests : TestKit
{
    private sealed record Count(Subsystem Target) : KernelRequest
    {
        public override Subsystem Subsystem => Target;
    }

    private sealed record Boom : KernelRequest
    {
        public override Subsystem Subsystem => Subsystem.Vfs;
    }

    private sealed record Park : KernelRequest
    {
        public override Subsystem Subsystem => Subsystem.Vfs;
    }

    private sealed record Release;

    /// <summary>Keeps the actor busy until the event is set (a long handler, for the inline gate's test).</summary>
    private sealed record Hold(ManualResetEventSlim Until, ManualResetEventSlim Entered) : KernelRequest
    {
        public override Subsystem Subsystem => Subsystem.Vfs;
    }

    /// <summary>State that outlives the actor, as every subsystem's does.</summary>
    private sealed class CounterState
    {
        public int Requests;
        public int Incarnations;
        public readonly List<IActorRef> Parked = [];
        public int LastThread;
    }

    /// <summary>A subsystem that counts requests in its state, throws on Boom and parks Park until Release.</summary>
    private sealed class CounterSubsystem : SubsystemActor
    {
        private readonly CounterState _state;

        public CounterSubsystem(CounterState state, InlineGate? gate = null) : base(Serilog.Core.Logger.None, gate)
        {
            _state = state;
            _state.Incarnations++;
        }

        protected override KernelReply? Handle(KernelRequest request, IActorRef sender)
        {
            switch (request)
            {
                case Boom:
                    throw new InvalidOperationException("injected fault");
                case Park:
                    _state.Parked.Add(sender);
                    return null;
                case Hold h:
                    h.Entered.Set();
                    h.Until.Wait(TimeSpan.FromSeconds(10));
                    return new Done(0);
                default:
                    _state.LastThread = Environment.CurrentManagedThreadId;
                    return new Done(++_state.Requests);
            }
        }

        protected override void OnOther(object message)
        {
            if (message is not Release) return;
            foreach (var waiter in _state.Parked) waiter.Tell(new Done(-1));
            _state.Parked.Clear();
        }
    }

    /// <summary>A parent with the kernel supervisor's strategy, so the real decider is what is tested.</summary>
    private sealed class Parent : UntypedActor
    {
        public Parent(Props child) => Context.ActorOf(child, "child");

        protected override SupervisorStrategy SupervisorStrategy() => KernelSupervisor.Strategy();

        protected override void OnReceive(object message) => Context.Child("child").Forward(message);
    }

    [Fact]
    public void Dispatcher_forwards_each_request_to_its_subsystem_and_the_reply_reaches_the_caller()
    {
        var vfs = CreateTestProbe();
        var mm = CreateTestProbe();
        var routes = new Dictionary<Subsystem, IActorRef> { [Subsystem.Vfs] = vfs.Ref, [Subsystem.Mm] = mm.Ref };
        var dispatcher = Sys.ActorOf(Props.Create(() => new Dispatcher(routes)));

        dispatcher.Tell(new Count(Subsystem.Mm), TestActor);
        mm.ExpectMsg<Count>();
        mm.Reply(new Done(7));
        ExpectMsg<Done>(d => d.Value == 7);
        vfs.ExpectNoMsg(TimeSpan.FromMilliseconds(100));

        dispatcher.Tell(new Count(Subsystem.Vfs), TestActor);
        vfs.ExpectMsg<Count>();
        Assert.Equal(TestActor, vfs.LastSender);
    }

    [Fact]
    public void Dispatcher_answers_ENOSYS_for_a_subsystem_without_an_actor()
    {
        var dispatcher = Sys.ActorOf(Props.Create(() => new Dispatcher(new Dictionary<Subsystem, IActorRef>())));
        dispatcher.Tell(new Count(Subsystem.Net), TestActor);
        ExpectMsg<Failed>(f => f.Errno == Errno.ENOSYS);
    }

    [Fact]
    public void A_throwing_handler_is_answered_EIO_and_the_restarted_actor_keeps_its_state()
    {
        var state = new CounterState();
        var parent = Sys.ActorOf(Props.Create(() => new Parent(Props.Create(() => new CounterSubsystem(state)))));

        parent.Tell(new Count(Subsystem.Vfs), TestActor);
        ExpectMsg<Done>(d => d.Value == 1);
        parent.Tell(new Count(Subsystem.Vfs), TestActor);
        ExpectMsg<Done>(d => d.Value == 2);

        parent.Tell(new Boom(), TestActor);
        ExpectMsg<Failed>(f => f.Errno == Errno.EIO);

        // The next request is served by a new incarnation that sees the same state.
        parent.Tell(new Count(Subsystem.Vfs), TestActor);
        ExpectMsg<Done>(d => d.Value == 3);
        Assert.Equal(2, state.Incarnations);

        // Repeated faults are each answered and each restart the actor: it never gives up and stops.
        for (var i = 0; i < 5; i++)
        {
            parent.Tell(new Boom(), TestActor);
            ExpectMsg<Failed>(f => f.Errno == Errno.EIO);
        }
        parent.Tell(new Count(Subsystem.Vfs), TestActor);
        ExpectMsg<Done>(d => d.Value == 4);
        Assert.Equal(7, state.Incarnations);
    }

    [Fact]
    public void A_parked_request_survives_a_restart_and_is_answered_later()
    {
        var state = new CounterState();
        var parent = Sys.ActorOf(Props.Create(() => new Parent(Props.Create(() => new CounterSubsystem(state)))));

        parent.Tell(new Park(), TestActor);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        parent.Tell(new Boom(), TestActor);
        ExpectMsg<Failed>(f => f.Errno == Errno.EIO);

        parent.Tell(new Release(), TestActor);
        ExpectMsg<Done>(d => d.Value == -1);
    }

    [Fact]
    public void An_idle_actor_handles_a_request_inline_and_a_busy_one_declines()
    {
        var state = new CounterState();
        var gate = new InlineGate();
        var parent = Sys.ActorOf(Props.Create(() => new Parent(Props.Create(() => new CounterSubsystem(state, gate)))));
        parent.Tell(new Count(Subsystem.Vfs), TestActor);
        ExpectMsg<Done>(d => d.Value == 1);

        // Idle: the handler runs on this thread and its reply comes back at once.
        Assert.True(gate.TryHandle(new Count(Subsystem.Vfs), TestActor, out var reply));
        Assert.Equal(2, Assert.IsType<Done>(reply).Value);
        Assert.Equal(Environment.CurrentManagedThreadId, state.LastThread);

        // Parked inline: no reply now; the actor answers the sender later, from its own thread.
        Assert.True(gate.TryHandle(new Park(), TestActor, out reply));
        Assert.Null(reply);
        parent.Tell(new Release(), TestActor);
        ExpectMsg<Done>(d => d.Value == -1);

        // Busy: the caller is turned away at once, and nothing of its request is done.
        using var until = new ManualResetEventSlim();
        using var entered = new ManualResetEventSlim();
        parent.Tell(new Hold(until, entered), TestActor);
        Assert.True(entered.Wait(TimeSpan.FromSeconds(10)));
        Assert.False(gate.TryHandle(new Count(Subsystem.Vfs), TestActor, out _));
        until.Set();
        ExpectMsg<Done>(d => d.Value == 0);
        Assert.True(gate.TryHandle(new Count(Subsystem.Vfs), TestActor, out reply));
        Assert.Equal(3, Assert.IsType<Done>(reply).Value);
    }

    [Fact]
    public void A_fault_in_an_inline_request_is_answered_EIO_and_restarts_the_actor()
    {
        var state = new CounterState();
        var gate = new InlineGate();
        var parent = Sys.ActorOf(Props.Create(() => new Parent(Props.Create(() => new CounterSubsystem(state, gate)))));
        parent.Tell(new Count(Subsystem.Vfs), TestActor);
        ExpectMsg<Done>(d => d.Value == 1);

        Assert.True(gate.TryHandle(new Boom(), TestActor, out var reply));
        Assert.Equal(Errno.EIO, Assert.IsType<Failed>(reply).Errno);
        AwaitCondition(() => state.Incarnations == 2, TimeSpan.FromSeconds(10));

        // The new incarnation serves both paths, with the state kept.
        parent.Tell(new Count(Subsystem.Vfs), TestActor);
        ExpectMsg<Done>(d => d.Value == 2);
        AwaitAssert(() =>
        {
            Assert.True(gate.TryHandle(new Count(Subsystem.Vfs), TestActor, out var r));
            Assert.IsType<Done>(r);
        }, TimeSpan.FromSeconds(10));
    }
}
