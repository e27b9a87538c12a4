using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// An epoll instance. Each registration subscribes to its file's wait queue; a notification whose key matches the
/// registration puts it on the ready list (as ep_poll_callback does), and a harvest re-polls each ready item, reports
/// it, and keeps level-triggered items ready. The ready list is guarded by a lock because notifications come from
/// any thread; the registrations themselves are changed by the VFS actor only.
/// </summary>
public sealed class EpollFile : AnonymousFile, Kernel.Syscalls.IEpollInstance
{
    /// <summary>Deepest chain of epoll instances inside each other (EP_MAX_NESTS).</summary>
    public const int MaxNests = 4;
    private const int Add = 1, Del = 2, Mod = 3;
    // Nesting (which epoll contains which) changes rarely: one lock for all instances keeps the loop check simple.
    private static readonly Lock Topology = new();

    private readonly Lock _lock = new();
    private readonly Dictionary<(OpenFile File, int Fd), Item> _items = new();
    private readonly LinkedList<Item> _ready = new();
    private readonly List<EpollFile> _containers = []; // epoll instances that watch this one (one entry per registration)

    public EpollFile(int flags) : base(O_RDWR) { }

    /// <summary>Notified when an item becomes ready: epoll_wait callers wait here.</summary>
    public WaitQueue Callers { get; } = new();
    private readonly WaitQueue _pollers = new();
    /// <summary>Pollers of the epoll file itself (poll, select, an enclosing epoll).</summary>
    public override WaitQueue Readiness => _pollers;

    private sealed class Item(OpenFile file, int fd)
    {
        public readonly OpenFile File = file;
        public readonly int Fd = fd;
        public uint Events;
        public ulong Data;
        public LinkedListNode<Item>? ReadyNode;
        public WaitQueue.Waiter? Waiter;
        public Action<OpenFile>? OnClosed;
        public bool Removed;
        public bool Exclusive => (Events & Poll.EpollExclusive) != 0;
        public bool Enabled => (Events & ~Poll.EpollPrivateBits) != 0;
    }

    /// <summary>epoll_ctl after the descriptors were looked up: EEXIST, ENOENT, EINVAL, ELOOP or 0.</summary>
    public long Control(int op, OpenFile target, int fd, uint events, ulong data)
    {
        if (op is not (Add or Del or Mod)) return Err(Errno.EINVAL);
        if (op != Del && (events & Poll.EpollExclusive) != 0)
        {
            if (op == Mod) return Err(Errno.EINVAL);
            if (target is EpollFile || (events & ~Poll.EpollExclusiveOk) != 0) return Err(Errno.EINVAL);
        }
        if (op == Add && target is EpollFile inner)
        {
            lock (Topology)
            {
                if (inner.DepthBelow(this, 0) + 1 + DepthAbove(0) > MaxNests) return Err(Errno.ELOOP);
            }
        }
        Item? item;
        lock (_lock) _items.TryGetValue((target, fd), out item);
        switch (op)
        {
            case Add:
                if (item is not null) return Err(Errno.EEXIST);
                Insert(target, fd, events | (uint)(Poll.Err | Poll.Hup), data);
                return 0;
            case Del:
                if (item is null) return Err(Errno.ENOENT);
                Remove(item);
                return 0;
            default:
                if (item is null) return Err(Errno.ENOENT);
                if (item.Exclusive) return Err(Errno.EINVAL);
                Modify(item, events | (uint)(Poll.Err | Poll.Hup), data);
                return 0;
        }
    }

    private void Insert(OpenFile target, int fd, uint events, ulong data)
    {
        var item = new Item(target, fd) { Events = events, Data = data };
        lock (_lock) _items[(target, fd)] = item;
        if (target is EpollFile inner)
        {
            lock (Topology) inner._containers.Add(this);
        }
        item.OnClosed = _ => Remove(item);
        target.Closed += item.OnClosed;
        Subscribe(item);
        // Ready already: queue it now, as ep_insert does.
        if ((target.PollEvents() & item.Events) != 0) Queue(item);
    }

    private void Subscribe(Item item)
    {
        if (item.File.Readiness is { } queue)
        {
            item.Waiter = queue.Subscribe((int)(item.Events & ~Poll.EpollPrivateBits), key => OnNotified(item, key), item.Exclusive);
        }
    }

    private void Modify(Item item, uint events, ulong data)
    {
        lock (_lock)
        {
            item.Events = events;
            item.Data = data;
        }
        // Resubscribe with the new interest (a host fd is watched for what its waiters want).
        if (item.Waiter is { } old) item.File.Readiness?.Unsubscribe(old);
        Subscribe(item);
        if ((item.File.PollEvents() & item.Events) != 0) Queue(item);
    }

    private void Remove(Item item)
    {
        lock (_lock)
        {
            if (item.Removed) return;
            item.Removed = true;
            _items.Remove((item.File, item.Fd));
            if (item.ReadyNode is not null) _ready.Remove(item.ReadyNode);
            item.ReadyNode = null;
        }
        if (item.Waiter is { } w) item.File.Readiness?.Unsubscribe(w);
        if (item.OnClosed is { } c) item.File.Closed -= c;
        if (item.File is EpollFile inner)
        {
            lock (Topology) inner._containers.Remove(this);
        }
    }

    /// <summary>ep_poll_callback: returns whether a waiter was woken (how EPOLLEXCLUSIVE wakes only one instance).</summary>
    private bool OnNotified(Item item, int key)
    {
        lock (_lock)
        {
            if (item.Removed || !item.Enabled) return false;
            if (key != 0 && (key & (int)item.Events) == 0) return false;
        }
        Queue(item);
        if (!item.Exclusive) return true;
        if (!Callers.HasWaiters) return false;
        return (key & (Poll.In | Poll.Out)) switch
        {
            Poll.In => (item.Events & Poll.In) != 0,
            Poll.Out => (item.Events & Poll.Out) != 0,
            0 => true,
            _ => false,
        };
    }

    private void Queue(Item item)
    {
        lock (_lock)
        {
            if (item.Removed || item.ReadyNode is not null) return;
            item.ReadyNode = _ready.AddLast(item);
        }
        Callers.Notify(Poll.In);
        _pollers.Notify(Poll.In);
    }

    /// <summary>
    /// ep_send_events: reports up to <paramref name="max"/> ready items through <paramref name="emit"/> (which returns
    /// false when it cannot store the event: the item stays ready). Returns the number reported.
    /// </summary>
    public int Harvest(int max, Func<uint, ulong, bool> emit, out bool faulted)
    {
        faulted = false;
        int n = 0;
        lock (_lock)
        {
            var requeue = new List<Item>();
            while (_ready.First is { } node && n < max)
            {
                var item = node.Value;
                _ready.RemoveFirst();
                item.ReadyNode = null;
                var revents = (uint)item.File.PollEvents() & item.Events;
                if (revents == 0) continue;
                if (!emit(revents, item.Data))
                {
                    item.ReadyNode = _ready.AddFirst(item);
                    faulted = true;
                    break;
                }
                n++;
                if ((item.Events & Poll.EpollOneShot) != 0) item.Events &= Poll.EpollPrivateBits;
                else if ((item.Events & Poll.EpollEt) == 0) requeue.Add(item);
            }
            foreach (var item in requeue) item.ReadyNode ??= _ready.AddLast(item);
        }
        return n;
    }

    /// <summary>Readable when an item on the ready list is really ready; items that are not are dropped from it.</summary>
    public override int PollEvents()
    {
        lock (_lock)
        {
            var node = _ready.First;
            while (node is not null)
            {
                var next = node.Next;
                var item = node.Value;
                if (((uint)item.File.PollEvents() & item.Events) != 0) return Poll.Readable;
                _ready.Remove(node);
                item.ReadyNode = null;
                node = next;
            }
            return 0;
        }
    }

    /// <summary>The longest chain of epoll instances below this one (int.MaxValue when <paramref name="inserting"/> is among them).</summary>
    private int DepthBelow(EpollFile inserting, int depth)
    {
        if (ReferenceEquals(this, inserting) || depth > MaxNests) return int.MaxValue / 2;
        int result = 0;
        List<EpollFile> inner;
        lock (_lock) inner = _items.Values.Select(i => i.File).OfType<EpollFile>().ToList();
        foreach (var e in inner) result = Math.Max(result, e.DepthBelow(inserting, depth + 1) + 1);
        return Math.Min(result, int.MaxValue / 2);
    }

    /// <summary>The longest chain of epoll instances that contain this one.</summary>
    private int DepthAbove(int depth)
    {
        if (depth > MaxNests) return int.MaxValue / 2;
        int result = 0;
        foreach (var e in _containers) result = Math.Max(result, e.DepthAbove(depth + 1) + 1);
        return Math.Min(result, int.MaxValue / 2);
    }

    public override void Release()
    {
        List<Item> items;
        lock (_lock) items = [.. _items.Values];
        foreach (var item in items) Remove(item);
    }
}
