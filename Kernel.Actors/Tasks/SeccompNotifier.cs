using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Seccomp;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Tasks;

/// <summary>
/// The notifications of one filter's listener (Linux's struct notification): syscalls waiting for the supervisor and
/// supervisors waiting in SECCOMP_IOCTL_NOTIF_RECV. The VFS actor changes it (VfsActor.Seccomp); a descriptor's last
/// close detaches it from any thread, so everything is under <see cref="Gate"/>.
/// </summary>
public sealed class SeccompNotifier : SeccompListener
{
    internal enum Phase { Init, Sent }

    /// <summary>One waiting syscall: its thread, its seccomp_data and where its answer goes.</summary>
    internal sealed class Notification(ulong id, KernelTask task, AwaitSeccompReply request, IActorRef waiter)
    {
        public ulong Id { get; } = id;
        public KernelTask Task { get; } = task;
        public AwaitSeccompReply Request { get; } = request;
        public IActorRef Waiter { get; } = waiter;
        public Phase Phase { get; set; }
        /// <summary>A thread killed while it waited has no notification any more (Linux's waiter removes it as it dies).</summary>
        public bool Alive => Task.State != TaskState.Exited && !Task.Process.IsExiting;
    }

    /// <summary>A supervisor's SECCOMP_IOCTL_NOTIF_RECV waiting for a notification.</summary>
    internal sealed record Receiver(SeccompListenerIoctl Request, IActorRef Sender);

    private readonly Sandbox _sandbox;
    private readonly Dictionary<KernelProcess, WaitQueue.Waiter> _watched = [];
    private ulong _nextId = (ulong)Random.Shared.NextInt64(); // Linux starts at a random id too
    private volatile bool _detached;

    internal SeccompNotifier(Sandbox sandbox, bool waitKillableRecv)
    {
        _sandbox = sandbox;
        WaitKillableRecv = waitKillableRecv;
        Readiness = new ListenerQueue(this);
    }

    internal Lock Gate { get; } = new();
    internal List<Notification> Notifications { get; } = [];
    internal List<Receiver> Receivers { get; } = [];
    /// <summary>SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: once received, only a fatal signal ends the wait.</summary>
    internal bool WaitKillableRecv { get; }
    /// <summary>SECCOMP_IOCTL_NOTIF_SET_FLAGS (SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP: a scheduling hint only).</summary>
    internal ulong Flags { get; set; }
    public WaitQueue Readiness { get; }
    public override bool Detached => _detached;

    internal ulong NextId() => _nextId++;

    /// <summary>The notification with <paramref name="id"/>; notifications of dead threads are dropped on the way.</summary>
    internal Notification? Find(ulong id)
    {
        Notifications.RemoveAll(n => !n.Alive);
        return Notifications.Find(n => n.Id == id);
    }

    /// <summary>seccomp_notify_poll: readable with an unreceived notification, writable with an unanswered one, hung up without users.</summary>
    public int PollEvents()
    {
        var events = 0;
        lock (Gate)
        {
            foreach (var n in Notifications)
            {
                if (!n.Alive) continue;
                events |= n.Phase == Phase.Init ? Poll.In | Poll.RdNorm : Poll.Out | Poll.WrNorm;
            }
        }
        return HasUsers() ? events : events | Poll.Hup;
    }

    /// <summary>Whether a live thread still runs under the filter (Linux's filter->users).</summary>
    private bool HasUsers() => Filter is not { } f || Users().Any();

    private IEnumerable<KernelProcess> Users() =>
        _sandbox.AllProcesses().Where(p => !p.IsExiting && p.Threads.Any(t => t.Settings.SeccompFilter?.Descends(Filter) == true));

    /// <summary>
    /// A poller subscribed: it must hear when the last user goes, so the listener watches the exits of the processes
    /// that use the filter now (a child forked later is picked up when one of them exits).
    /// </summary>
    private void WatchUsers()
    {
        if (Filter is null || _detached) return;
        lock (_watched)
        {
            foreach (var p in Users())
            {
                if (_watched.ContainsKey(p)) continue;
                _watched[p] = p.ExitQueue.Subscribe(-1, _ =>
                {
                    lock (_watched)
                    {
                        if (_watched.Remove(p, out var w)) p.ExitQueue.Unsubscribe(w);
                    }
                    WatchUsers();
                    Readiness.Notify(Poll.Hup);
                    return true;
                });
            }
        }
    }

    /// <summary>The listener descriptor's last close: each unanswered notification fails with ENOSYS.</summary>
    internal void Detach()
    {
        List<Notification> pending;
        lock (Gate)
        {
            _detached = true;
            pending = [.. Notifications];
            Notifications.Clear();
        }
        lock (_watched)
        {
            foreach (var (p, w) in _watched) p.ExitQueue.Unsubscribe(w);
            _watched.Clear();
        }
        foreach (var n in pending) n.Waiter.Tell(new Done(-(long)Errno.ENOSYS));
    }

    private sealed class ListenerQueue(SeccompNotifier owner) : WaitQueue
    {
        protected override void OnSubscribed(int interest) => owner.WatchUsers();
    }
}

/// <summary>A user-notification descriptor ("anon_inode:seccomp notify"); its ioctls are the seccomp family's.</summary>
public sealed class SeccompListenerFile(SeccompNotifier notifier) : AnonymousFile(O_RDWR), ISeccompListenerFile
{
    public SeccompNotifier Notifier { get; } = notifier;
    public SeccompListener Listener => Notifier;

    public override string AnonymousName => "anon_inode:seccomp notify";
    public override WaitQueue Readiness => Notifier.Readiness;
    public override int PollEvents() => Notifier.PollEvents();
    public override void Release() => Notifier.Detach();
}
