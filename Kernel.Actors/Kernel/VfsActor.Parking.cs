using System.Diagnostics;
using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// Parking: one mechanism for every call that waits on files (blocking reads and writes, poll, select, epoll_wait).
// A call is attempted; if it must wait, it subscribes to the wait queues of the files it needs (ParkedCall.Watch)
// and stays in VfsState until a notification or its deadline makes another attempt complete it.
public sealed partial class VfsActor
{
    private sealed record ExpireParked(ParkedCall Call);

    /// <summary>Attempts the call now; parks it (null) when it must wait.</summary>
    private KernelReply? Start(ParkedCall call)
    {
        KernelReply? reply;
        try
        {
            reply = Attempt(call);
        }
        catch
        {
            call.Dispose(); // the base answers EIO; the subscriptions must not outlive the call
            throw;
        }
        if (reply is not null)
        {
            call.Dispose();
            return reply;
        }
        State.Parked.Add(call);
        call.Gate = Gate;
        if (call.Deadline is not null) ScheduleExpiry(call);
        return null;
    }

    /// <summary>One attempt: a reply, or null to go on waiting (after subscribing to what may change the outcome).</summary>
    private KernelReply? Attempt(ParkedCall call) => call.Request switch
    {
        ReadFile or WriteFile => TryIo(call),
        EventsRequest => TryEvents(call),
        FdIoRequest => TryFdIo(call),
        MqueueRequest => TryMqueue(call),
        _ => throw new ArgumentException($"{call.Request.GetType().Name} cannot wait"),
    };

    private void ScheduleExpiry(ParkedCall call)
    {
        call.Timer?.Cancel();
        // At most a day at a time: a longer wait is rescheduled when the message comes early.
        var delay = call.Remaining < TimeSpan.FromDays(1) ? call.Remaining : TimeSpan.FromDays(1);
        call.Timer = Scheduler.ScheduleTellOnceCancelable(delay, Self, new ExpireParked(call), Self);
    }

    protected override void OnOther(object message)
    {
        switch (message)
        {
            case ParkedCall.WakeMessage w:
                w.Call.ClearWake();
                Resume(w.Call);
                break;
            case ExpireParked x:
                if (!State.Parked.Contains(x.Call)) return;
                // The scheduler's ticks are coarse: never end a wait early.
                if (x.Call.Remaining > TimeSpan.Zero)
                {
                    ScheduleExpiry(x.Call);
                    return;
                }
                x.Call.TimedOut = true;
                Resume(x.Call);
                break;
            default:
                Unhandled(message);
                break;
        }
    }

    protected override void OnInterrupt(KernelRequest request)
    {
        if (request is SeccompRequest seccomp)
        {
            InterruptSeccomp(seccomp);
            return;
        }
        if (request is GetAioEvents aio)
        {
            FindAio(aio.Task, aio.Context)?.Interrupt(aio);
            return;
        }
        var call = State.Parked.FirstOrDefault(c => ReferenceEquals(c.Request, request));
        if (call is null) return;
        // Reads, writes and lock waits restart under SA_RESTART; poll, select and epoll_wait never do.
        Finish(call, new Failed(request is EventsRequest ? Errno.ERESTARTNOHAND : Errno.ERESTARTSYS));
    }

    private void Resume(ParkedCall call)
    {
        if (!State.Parked.Contains(call)) return;
        KernelReply? reply;
        try
        {
            reply = Attempt(call);
        }
        catch
        {
            Finish(call, new Failed(Errno.EIO));
            throw;
        }
        if (reply is not null) Finish(call, reply);
        else if (call.Deadline is not null && call.Timer is null) ScheduleExpiry(call); // the attempt moved the deadline
    }

    private void Finish(ParkedCall call, KernelReply reply)
    {
        State.Parked.Remove(call);
        call.Dispose();
        call.Sender.Tell(reply);
    }
}

/// <summary>
/// A call that may wait in the VFS actor: its request, whom to answer, its subscriptions and its deadline.
/// Kept in <see cref="VfsState"/>, so it survives a restart of the actor. Only <see cref="Wake"/> runs on other threads.
/// </summary>
public sealed class ParkedCall(KernelRequest request, IActorRef sender, IActorRef actor, TimeSpan? timeout)
{
    private readonly Dictionary<WaitQueue, WaitQueue.Waiter> _watches = new(ReferenceEqualityComparer.Instance);
    private int _wakeQueued;

    public KernelRequest Request { get; } = request;
    public IActorRef Sender { get; } = sender;
    /// <summary>Stopwatch timestamp of the call's arrival.</summary>
    public long Started { get; } = Stopwatch.GetTimestamp();
    /// <summary>Stopwatch timestamp after which the call stops waiting; null waits for ever.</summary>
    public long? Deadline { get; private set; } = timeout is { } t ? Stopwatch.GetTimestamp() + (long)(Math.Min(t.TotalSeconds, 1e9) * Stopwatch.Frequency) : null;
    /// <summary>The deadline passed while the call was parked.</summary>
    public bool TimedOut { get; set; }
    internal ICancelable? Timer { get; set; }
    /// <summary>Per-call state of the request's handler (what epoll_wait or poll keeps between attempts).</summary>
    public object? Context { get; set; }

    public TimeSpan Remaining => Deadline is { } d ? Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), d) : TimeSpan.MaxValue;

    /// <summary>Whether the call may still wait (no zero timeout, deadline not passed).</summary>
    public bool MayWait => !TimedOut && Remaining > TimeSpan.Zero;

    /// <summary>
    /// Moves the deadline from an attempt (a terminal's VTIME counts from the last byte received); the actor schedules
    /// the new one when the attempt parks the call again.
    /// </summary>
    public void SetDeadline(long? deadline)
    {
        if (deadline == Deadline) return;
        Deadline = deadline;
        TimedOut = false;
        Timer?.Cancel();
        Timer = null;
    }

    /// <summary>Wakes the call when <paramref name="queue"/> reports any of <paramref name="interest"/>; true when newly subscribed.</summary>
    public bool Watch(WaitQueue queue, int interest, bool exclusive = false)
    {
        if (_watches.ContainsKey(queue)) return false;
        _watches[queue] = queue.Subscribe(interest, _ =>
        {
            Wake();
            return true;
        }, exclusive);
        return true;
    }

    /// <summary>The actor's inline gate: a wake-up attempts the call on the waking thread when the actor is idle.</summary>
    internal InlineGate? Gate { get; set; }

    /// <summary>Asks the actor for another attempt (at most one request in flight).</summary>
    public void Wake()
    {
        if (Interlocked.Exchange(ref _wakeQueued, 1) != 0) return;
        var wake = new WakeMessage(this);
        if (Gate?.TryDeliver(wake) != true) actor.Tell(wake);
    }

    /// <summary>The actor is about to attempt the call: the next notification asks again.</summary>
    public void ClearWake() => Volatile.Write(ref _wakeQueued, 0);

    /// <summary>Drops every subscription and the timer.</summary>
    public void Dispose()
    {
        foreach (var (queue, waiter) in _watches) queue.Unsubscribe(waiter);
        _watches.Clear();
        Timer?.Cancel();
        Timer = null;
    }

    /// <summary>Tells the VFS actor to attempt the call again.</summary>
    public sealed record WakeMessage(ParkedCall Call);
}
