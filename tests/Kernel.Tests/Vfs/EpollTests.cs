using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

/// <summary>epoll instances as the VFS actor drives them; the parts no single-threaded guest program can show.</summary>
public sealed class EpollTests
{
    private const int Add = 1, Del = 2, Mod = 3;
    private const uint In = (uint)Poll.In, Out = (uint)Poll.Out;

    private static List<(uint Events, ulong Data)> Harvest(EpollFile ep, int max = 16)
    {
        var got = new List<(uint, ulong)>();
        ep.Harvest(max, (e, d) => { got.Add((e, d)); return true; }, out _);
        return got;
    }

    [Fact]
    public void ExclusiveRegistrationsWakeOneWaitingInstance()
    {
        var e = new EventFdFile(0, O_NONBLOCK);
        var a = new EpollFile(0);
        var b = new EpollFile(0);
        Assert.Equal(0, a.Control(Add, e, 3, In | Poll.EpollExclusive, 1));
        Assert.Equal(0, b.Control(Add, e, 3, In | Poll.EpollExclusive, 2));
        int wokenA = 0, wokenB = 0;
        a.Callers.Subscribe(Poll.In, _ => { wokenA++; return true; });
        b.Callers.Subscribe(Poll.In, _ => { wokenB++; return true; });
        e.Write(BitConverter.GetBytes(1UL));
        // Only the first instance with a waiter hears of it (and queues the item).
        Assert.Equal((1, 0), (wokenA, wokenB));
        Assert.Single(Harvest(a));
        Assert.Empty(Harvest(b));
    }

    [Fact]
    public void AnExclusiveInstanceWithoutWaitersPassesTheWakeUpOn()
    {
        var e = new EventFdFile(0, O_NONBLOCK);
        var a = new EpollFile(0);
        var b = new EpollFile(0);
        a.Control(Add, e, 3, In | Poll.EpollExclusive, 1);
        b.Control(Add, e, 3, In | Poll.EpollExclusive, 2);
        int wokenB = 0;
        b.Callers.Subscribe(Poll.In, _ => { wokenB++; return true; });
        e.Write(BitConverter.GetBytes(1UL));
        Assert.Equal(1, wokenB);
        Assert.Single(Harvest(a)); // queued too: it just woke nobody
        Assert.Single(Harvest(b));
    }

    [Fact]
    public void LevelEdgeAndOneShot()
    {
        var (r, w) = Pipe.Create(O_NONBLOCK);
        var ep = new EpollFile(0);
        Assert.Equal(0, ep.Control(Add, r, 4, In, 7));
        Assert.Equal(Err(Errno.EEXIST), ep.Control(Add, r, 4, In, 7));
        Assert.Empty(Harvest(ep));
        w.Write("ab"u8);
        Assert.Equal([(In, 7UL)], Harvest(ep));
        Assert.Equal([(In, 7UL)], Harvest(ep));
        Assert.Equal(0, ep.Control(Mod, r, 4, In | Poll.EpollEt, 8));
        Assert.Single(Harvest(ep));
        Assert.Empty(Harvest(ep));
        r.Read(new byte[1]); // wakes writers only
        Assert.Empty(Harvest(ep));
        Assert.Equal(0, ep.Control(Mod, r, 4, In | Poll.EpollOneShot, 9));
        Assert.Single(Harvest(ep));
        w.Write("c"u8);
        Assert.Empty(Harvest(ep));
        Assert.Equal(0, ep.Control(Del, r, 4, 0, 0));
        Assert.Equal(Err(Errno.ENOENT), ep.Control(Del, r, 4, 0, 0));
        Assert.False(r.Readiness!.HasWaiters);
    }

    [Fact]
    public void RegistrationsEndWithTheirFile()
    {
        var e = new EventFdFile(1, 0);
        var ep = new EpollFile(0);
        ep.Control(Add, e, 3, In, 1);
        Assert.Equal(Poll.Readable, ep.PollEvents());
        e.DropReference(); // the last descriptor
        Assert.Empty(Harvest(ep));
        Assert.Equal(0, ep.PollEvents());
        ep.DropReference();
        Assert.False(e.Readiness.HasWaiters);
    }

    [Fact]
    public void NestedInstancesWakeTheirContainersAndRefuseLoops()
    {
        var e = new EventFdFile(0, O_NONBLOCK);
        var inner = new EpollFile(0);
        var outer = new EpollFile(0);
        inner.Control(Add, e, 3, In, 1);
        Assert.Equal(0, outer.Control(Add, inner, 4, In, 2));
        int woken = 0;
        outer.Callers.Subscribe(Poll.In, _ => { woken++; return true; });
        e.Write(BitConverter.GetBytes(1UL));
        Assert.Equal(1, woken);
        Assert.Equal([(In, 2UL)], Harvest(outer));
        Assert.Equal(Err(Errno.ELOOP), inner.Control(Add, outer, 5, In, 0));
        e.Read(new byte[8]);
        Assert.Empty(Harvest(outer));
    }
}
