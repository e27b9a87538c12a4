using Akka.TestKit.Xunit2;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

/// <summary>
/// The lock table behind fcntl and flock: what a single-process conformance program cannot show (a second process
/// waiting, waking, deadlocks). Owners are plain objects standing for fd tables; TestKit probes stand for the tasks.
/// </summary>
public sealed class FileLocksTests : TestKit
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(100);
    private readonly FileLocks _locks = new();
    private readonly object _file = new();
    private readonly object _a = new(), _b = new(), _c = new();

    private static RecordLock Posix(object owner, short type, long start, long end, int pid = 10) => new(owner, false, pid, type, start, end);

    [Fact]
    public void A_blocking_request_waits_until_the_conflicting_lock_goes()
    {
        Assert.Equal(0, _locks.SetRecord(_file, Posix(_a, RecordLock.Write, 0, 99), null));
        var waiter = CreateTestProbe();
        Assert.Equal(FileLocks.Parked, _locks.SetRecord(_file, Posix(_b, RecordLock.Read, 50, 59), new FileLocks.Waiting(waiter, _b)));
        Assert.Equal(1, _locks.WaiterCount);
        // Unlocking outside the wanted range wakes nobody.
        Assert.Equal(0, _locks.SetRecord(_file, Posix(_a, RecordLock.Unlock, 0, 9), null));
        waiter.ExpectNoMsg(Quiet);
        // Downgrading to a read lock ends the conflict: the waiter is granted its lock.
        Assert.Equal(0, _locks.SetRecord(_file, Posix(_a, RecordLock.Read, 40, 69), null));
        Assert.Equal(new Done(0), waiter.ExpectMsg<Done>());
        Assert.Equal(0, _locks.WaiterCount);
        var held = _locks.TestRecord(_file, Posix(_c, RecordLock.Write, 55, 55));
        Assert.NotNull(held);
        Assert.Equal(RecordLock.Read, held!.Type);
    }

    [Fact]
    public void Waiters_are_granted_in_arrival_order_as_far_as_they_fit()
    {
        _locks.SetRecord(_file, Posix(_a, RecordLock.Write, 0, long.MaxValue), null);
        var first = CreateTestProbe();
        var second = CreateTestProbe();
        _locks.SetRecord(_file, Posix(_b, RecordLock.Write, 0, 9), new FileLocks.Waiting(first, _b));
        _locks.SetRecord(_file, Posix(_c, RecordLock.Write, 5, 14), new FileLocks.Waiting(second, _c));
        _locks.ReleasePosix(_file, _a);
        first.ExpectMsg<Done>();
        second.ExpectNoMsg(Quiet); // it overlaps the lock just granted to the first
        _locks.SetRecord(_file, Posix(_b, RecordLock.Unlock, 0, long.MaxValue), null);
        second.ExpectMsg<Done>();
    }

    [Fact]
    public void Waiting_on_a_lock_whose_owner_waits_for_ours_is_EDEADLK()
    {
        _locks.SetRecord(_file, Posix(_a, RecordLock.Write, 0, 9), null);
        _locks.SetRecord(_file, Posix(_b, RecordLock.Write, 10, 19), null);
        var aWaits = CreateTestProbe();
        Assert.Equal(FileLocks.Parked, _locks.SetRecord(_file, Posix(_a, RecordLock.Write, 10, 10), new FileLocks.Waiting(aWaits, _a)));
        Assert.Equal(Err(Errno.EDEADLK), _locks.SetRecord(_file, Posix(_b, RecordLock.Write, 0, 0), new FileLocks.Waiting(CreateTestProbe(), _b)));
        // A longer cycle through a third owner is found too.
        _locks.SetRecord(_file, Posix(_c, RecordLock.Write, 20, 29), null);
        var bWaits = CreateTestProbe();
        Assert.Equal(FileLocks.Parked, _locks.SetRecord(_file, Posix(_b, RecordLock.Write, 25, 25), new FileLocks.Waiting(bWaits, _b)));
        Assert.Equal(Err(Errno.EDEADLK), _locks.SetRecord(_file, Posix(_c, RecordLock.Read, 5, 5), new FileLocks.Waiting(CreateTestProbe(), _c)));
        // Without waiting there is no deadlock to report, only the conflict.
        Assert.Equal(Err(Errno.EAGAIN), _locks.SetRecord(_file, Posix(_c, RecordLock.Read, 5, 5), null));
    }

    [Fact]
    public void OFD_locks_are_not_checked_for_deadlocks()
    {
        var (fileA, _) = Pipe.Create(0);
        var (fileB, _) = Pipe.Create(0);
        _locks.SetRecord(_file, new RecordLock(fileA, true, 0, RecordLock.Write, 0, 9), null);
        _locks.SetRecord(_file, new RecordLock(fileB, true, 0, RecordLock.Write, 10, 19), null);
        _locks.SetRecord(_file, new RecordLock(fileA, true, 0, RecordLock.Write, 10, 10), new FileLocks.Waiting(CreateTestProbe(), _a));
        Assert.Equal(FileLocks.Parked, _locks.SetRecord(_file, new RecordLock(fileB, true, 0, RecordLock.Write, 0, 0), new FileLocks.Waiting(CreateTestProbe(), _a)));
    }

    [Fact]
    public void A_process_that_ends_loses_its_locks_and_its_waits()
    {
        _locks.SetRecord(_file, Posix(_a, RecordLock.Write, 0, 9), null);
        var other = new object();
        _locks.SetRecord(other, Posix(_b, RecordLock.Write, 0, 9), null);
        var bWaits = CreateTestProbe();
        _locks.SetRecord(_file, Posix(_b, RecordLock.Write, 0, 0), new FileLocks.Waiting(bWaits, _b));
        var cWaits = CreateTestProbe();
        _locks.SetRecord(other, Posix(_c, RecordLock.Write, 5, 5), new FileLocks.Waiting(cWaits, _c));
        _locks.ReleaseProcess(_b);
        cWaits.ExpectMsg<Done>(); // b's lock on the other file went
        Assert.Equal(0, _locks.WaiterCount); // b's own wait was dropped, not granted
        bWaits.ExpectNoMsg(Quiet);
        Assert.NotNull(_locks.TestRecord(_file, Posix(_c, RecordLock.Write, 0, 0)));
    }

    [Fact]
    public void Flock_waiters_are_granted_when_the_holder_unlocks_or_closes()
    {
        // The two ends of one pipe: two open file descriptions of one file (the lock key of an anonymous pipe end).
        var (one, two) = Pipe.Create(0);
        var key = ((PipeEnd)one).Pipe;
        Assert.Equal(0, _locks.Flock(key, one, RecordLock.Write, null));
        Assert.Equal(Err(Errno.EAGAIN), _locks.Flock(key, two, RecordLock.Read, null));
        var twoWaits = CreateTestProbe();
        Assert.Equal(FileLocks.Parked, _locks.Flock(key, two, RecordLock.Read, new FileLocks.Waiting(twoWaits, _b)));
        Assert.Equal(0, _locks.Flock(key, one, RecordLock.Unlock, null));
        twoWaits.ExpectMsg<Done>();
        Assert.Equal(0, _locks.Flock(key, one, RecordLock.Read, null)); // shared with two's
        Assert.Equal(Err(Errno.EAGAIN), _locks.Flock(key, one, RecordLock.Write, null));
        // The failed upgrade dropped one's shared lock first, as Linux does; one now waits for two to go.
        var oneWaits = CreateTestProbe();
        Assert.Equal(FileLocks.Parked, _locks.Flock(key, one, RecordLock.Write, new FileLocks.Waiting(oneWaits, _a)));
        _locks.ReleaseDescription(two); // the last close of two's description
        oneWaits.ExpectMsg<Done>();
        Assert.Equal(Err(Errno.EAGAIN), _locks.Flock(key, two, RecordLock.Read, null));
    }

    [Fact]
    public void Ranges_split_and_merge_as_in_Linux()
    {
        _locks.SetRecord(_file, Posix(_a, RecordLock.Write, 0, 99), null);
        _locks.SetRecord(_file, Posix(_a, RecordLock.Read, 40, 59), null);
        Assert.Equal((0L, 39L), Range(_locks.TestRecord(_file, Posix(_b, RecordLock.Read, 0, long.MaxValue))));
        Assert.Equal((60L, 99L), Range(_locks.TestRecord(_file, Posix(_b, RecordLock.Read, 45, long.MaxValue))));
        Assert.Equal((40L, 59L), Range(_locks.TestRecord(_file, Posix(_b, RecordLock.Write, 45, 45))));
        // Writing over the read lock again leaves one lock: the pieces touch and merge.
        _locks.SetRecord(_file, Posix(_a, RecordLock.Write, 40, 59), null);
        Assert.Equal((0L, 99L), Range(_locks.TestRecord(_file, Posix(_b, RecordLock.Read, 0, long.MaxValue))));
        _locks.SetRecord(_file, Posix(_a, RecordLock.Unlock, 0, long.MaxValue), null);
        Assert.Null(_locks.TestRecord(_file, Posix(_b, RecordLock.Write, 0, long.MaxValue)));
    }

    private static (long, long) Range(RecordLock? l) => l is null ? (-1, -1) : (l.Start, l.End);
}
