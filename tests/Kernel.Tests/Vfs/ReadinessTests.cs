using System.IO.Pipes;
using Akka.TestKit.Xunit2;
using Kernel.Actors;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

/// <summary>The readiness API of open files: poll masks, wait-queue notifications across threads, host fds.</summary>
public sealed class ReadinessTests : TestKit
{
    private sealed record Nothing() : KernelRequest
    {
        public override Subsystem Subsystem => Subsystem.Vfs;
    }

    private static void OnAnotherThread(Action action)
    {
        var t = new Thread(() => action());
        t.Start();
        t.Join();
    }

    [Fact]
    public void PipeEndsReportLinuxPollMasks()
    {
        var (r, w) = Pipe.Create(0);
        Assert.True(r.Pollable && w.Pollable);
        Assert.Equal(0, r.PollEvents());
        Assert.Equal(Poll.Writable, w.PollEvents());
        w.Write("x"u8);
        Assert.Equal(Poll.Readable, r.PollEvents());
        w.Release();
        Assert.Equal(Poll.Readable | Poll.Hup, r.PollEvents());
        r.Read(new byte[1]);
        Assert.Equal(Poll.Hup, r.PollEvents());

        var (r2, w2) = Pipe.Create(0);
        r2.Release();
        Assert.Equal(Poll.Writable | Poll.Err, w2.PollEvents());
        // A full pipe is not writable, and becomes writable only when a page's worth is free again.
        var (r3, w3) = Pipe.Create(O_NONBLOCK);
        while (w3.Write(new byte[4096]) > 0) { }
        Assert.Equal(0, w3.PollEvents() & Poll.Out);
        r3.Read(new byte[100]);
        Assert.Equal(0, w3.PollEvents() & Poll.Out);
        r3.Read(new byte[4096]);
        Assert.Equal(Poll.Writable, w3.PollEvents());
    }

    [Fact]
    public void FilesWithoutPollAreAlwaysReady()
    {
        using var root = new VfsTestRoot();
        var f = root.Open(root.Root, "/file.txt");
        Assert.False(f.Pollable);
        Assert.Null(f.Readiness);
        Assert.Equal(Poll.DefaultMask, f.PollEvents());
        var dev = root.Open(root.Root, "/dev/null", O_RDWR);
        Assert.False(dev.Pollable);
        Assert.Equal(Poll.DefaultMask, dev.PollEvents());
        Assert.True(root.Open(root.Root, "/dev/random").Pollable);
        Assert.False(root.Open(root.Root, "/dev/urandom").Pollable);
    }

    [Fact]
    public void WaitQueueFiltersByInterestAndWakesOneExclusiveWaiter()
    {
        var q = new WaitQueue();
        var calls = new List<string>();
        q.Subscribe(Poll.In, _ => { calls.Add("reader"); return true; });
        q.Subscribe(Poll.Out, _ => { calls.Add("writer"); return true; });
        var idle = q.Subscribe(Poll.In, _ => { calls.Add("x1"); return false; }, exclusive: true);
        q.Subscribe(Poll.In, _ => { calls.Add("x2"); return true; }, exclusive: true);
        q.Subscribe(Poll.In, _ => { calls.Add("x3"); return true; }, exclusive: true);
        q.Notify(Poll.In);
        // Every plain waiter that wants the event; exclusive ones in turn until one reports a wake-up.
        Assert.Equal(["reader", "x1", "x2"], calls);
        calls.Clear();
        q.Notify(0);
        Assert.Equal(["writer", "reader", "x1", "x2"], calls);
        calls.Clear();
        q.Unsubscribe(idle);
        q.Notify(Poll.Out);
        Assert.Equal(["writer"], calls);
    }

    [Fact]
    public void AParkedCallIsWokenWhenAnotherThreadWritesThePipe()
    {
        var (r, w) = Pipe.Create(0);
        var call = new ParkedCall(new Nothing(), TestActor, TestActor, null);
        Assert.True(call.Watch(r.Readiness!, Poll.ReadWait));
        Assert.False(call.Watch(r.Readiness!, Poll.ReadWait)); // once per queue
        // A read on the same pipe wakes writers only: not this reader.
        OnAnotherThread(() => w.Write("hello"u8));
        var wake = ExpectMsg<ParkedCall.WakeMessage>();
        Assert.Same(call, wake.Call);
        // Further changes before the actor looked again are coalesced into the one message.
        w.Write("again"u8);
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        call.ClearWake();
        OnAnotherThread(w.Release);
        ExpectMsg<ParkedCall.WakeMessage>();
        call.Dispose();
        Assert.False(r.Readiness!.HasWaiters);
    }

    [Fact]
    public void ParkedCallDeadlinesHandleZeroAndVeryLongTimeouts()
    {
        Assert.False(new ParkedCall(new Nothing(), TestActor, TestActor, TimeSpan.Zero).MayWait);
        var forever = new ParkedCall(new Nothing(), TestActor, TestActor, null);
        Assert.True(forever.MayWait);
        Assert.Null(forever.Deadline);
        var twentyYears = new ParkedCall(new Nothing(), TestActor, TestActor, TimeSpan.FromDays(365 * 20));
        Assert.True(twentyYears.MayWait);
        Assert.InRange(twentyYears.Remaining, TimeSpan.FromDays(365 * 20 - 1), TimeSpan.FromDays(365 * 20));
    }

    [Fact]
    public void ParkedCallsIgnoreEventsTheyDoNotWaitFor()
    {
        var (r, w) = Pipe.Create(0);
        w.Write("x"u8);
        var call = new ParkedCall(new Nothing(), TestActor, TestActor, null);
        call.Watch(w.Readiness!, Poll.WriteWait);
        w.Write("y"u8); // wakes readers (POLLIN), not a waiting writer
        ExpectNoMsg(TimeSpan.FromMilliseconds(100));
        r.Read(new byte[1]);
        ExpectMsg<ParkedCall.WakeMessage>();
        call.Dispose();
    }

    [Fact]
    public void EventFdCountsAndNotifiesReadersAndWriters()
    {
        var e = new EventFdFile(0, O_NONBLOCK);
        var keys = new List<int>();
        e.Readiness.Subscribe(~0, k => { keys.Add(k); return true; });
        var buf = new byte[8];
        Assert.Equal(Err(Errno.EAGAIN), e.Read(buf));
        Assert.Equal(Poll.Out, e.PollEvents());
        Assert.Equal(8, e.Write(BitConverter.GetBytes(5UL)));
        Assert.Equal(Poll.In | Poll.Out, e.PollEvents());
        Assert.Equal(8, e.Read(buf));
        Assert.Equal(5UL, BitConverter.ToUInt64(buf));
        Assert.Equal([Poll.In, Poll.Out], keys);
        Assert.Equal(Err(Errno.EINVAL), e.Write(BitConverter.GetBytes(ulong.MaxValue)));
        Assert.Equal(8, e.Write(BitConverter.GetBytes(ulong.MaxValue - 1)));
        Assert.Equal(Err(Errno.EAGAIN), e.Write(BitConverter.GetBytes(1UL)));
        Assert.Equal(Poll.In, e.PollEvents());
    }

    [Fact]
    public void HostFdReadinessComesFromTheHostAndReadsNeverBlock()
    {
        using var server = new AnonymousPipeServerStream(PipeDirection.Out);
        using var client = new AnonymousPipeClientStream(PipeDirection.In, server.ClientSafePipeHandle);
        Assert.Equal(0, HostStdioFile.FromHostFd((int)client.SafePipeHandle.DangerousGetHandle(), O_RDONLY, out var reader));
        Assert.True(reader!.Pollable);
        Assert.Equal(0, reader.PollEvents() & Poll.In);
        // Nothing to read: EAGAIN at once (the kernel parks a blocking read instead of blocking a thread).
        Assert.Equal(Err(Errno.EAGAIN), reader.Read(new byte[4]));

        using var notified = new ManualResetEventSlim();
        int key = 0;
        reader.Readiness!.Subscribe(Poll.ReadWait, k => { key = k; notified.Set(); return true; });
        OnAnotherThread(() => { server.Write("hey"u8); server.Flush(); });
        Assert.True(notified.Wait(TimeSpan.FromSeconds(10)), "the host watcher did not report the data");
        Assert.NotEqual(0, key & Poll.In);
        Assert.NotEqual(0, reader.PollEvents() & Poll.In);
        var buf = new byte[8];
        Assert.Equal(3, reader.Read(buf));

        notified.Reset();
        Assert.Equal(Err(Errno.EAGAIN), reader.Read(buf)); // re-arms the watcher for the next data
        server.Dispose();
        Assert.True(notified.Wait(TimeSpan.FromSeconds(10)), "the host watcher did not report the hang-up");
        Assert.NotEqual(0, reader.PollEvents() & Poll.Hup);
        Assert.Equal(0, reader.Read(buf));
        reader.Release();
        Assert.Equal(Poll.Nval, reader.PollEvents());
    }

    [Fact]
    public void TimerFdCountsExpirationsFromTheClockAndWakesOnce()
    {
        var scheduled = new List<(TimeSpan Delay, Action Action)>();
        ScheduleOnce schedule = (d, a) => { scheduled.Add((d, a)); return () => { }; };
        var t = new TimerFdFile(Kernel.Syscalls.Handlers.Time.ClockMonotonic, O_NONBLOCK, schedule);
        var buf = new byte[8];
        Assert.Equal(Err(Errno.EAGAIN), t.Read(buf));
        var old = t.Set(0, 1_000_000, 1_000_000); // 1ms, every 1ms
        Assert.Equal((0L, 0L), old);
        Assert.Single(scheduled);
        int wakes = 0;
        t.Readiness.Subscribe(Poll.In, _ => { wakes++; return true; });
        Thread.Sleep(20);
        Assert.Equal(Poll.In, t.PollEvents());
        scheduled[0].Action();
        Assert.Equal(1, wakes);
        Assert.Single(scheduled); // no re-arming until the expirations are read
        Assert.Equal(8, t.Read(buf));
        Assert.True(BitConverter.ToUInt64(buf) >= 19);
        Assert.Equal(2, scheduled.Count);
        var (value, interval) = t.Get();
        Assert.InRange(value, 1, 1_000_000);
        Assert.Equal(1_000_000, interval);
    }
}
