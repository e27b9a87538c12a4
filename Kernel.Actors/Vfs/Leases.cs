using System.Diagnostics;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// File leases (fcntl F_SETLEASE/F_GETLEASE, Linux's fs/locks.c). A lease belongs to an open file description of a
/// regular file: a read lease while nobody has the file open for writing, a write lease while nothing else has it open.
/// An open that conflicts starts a break: the holder is signalled and has until the lease-break time to unlock or
/// downgrade, after which the break is forced. Changes notify <see cref="Changed"/>, where breaking opens wait.
/// Thread-safe: a holder's last close (on any thread) removes its lease.
/// </summary>
public sealed class Leases
{
    public const int Read = 0, Write = 1, Unlock = 2; // F_RDLCK, F_WRLCK, F_UNLCK

    /// <summary>fs.lease-break-time: seconds a holder has to answer a break.</summary>
    public int BreakSeconds { get; set; } = 45;

    public sealed class Lease(OpenFile file, int fd)
    {
        public OpenFile File { get; } = file;
        /// <summary>The descriptor that took the lease (si_fd of the break signal).</summary>
        public int Fd { get; internal set; } = fd;
        public int Type { get; internal set; }
        /// <summary>What a break in progress leaves (Read or Unlock); null when not breaking.</summary>
        public int? BreakingTo { get; internal set; }
        /// <summary>Stopwatch timestamp when a break in progress is forced.</summary>
        public long BreakDeadline { get; internal set; }
    }

    private readonly Lock _lock = new();
    private readonly Dictionary<Inode, List<Lease>> _byInode = new(ReferenceEqualityComparer.Instance);
    private int _count;

    /// <summary>Notified whenever a lease goes, is downgraded or finishes breaking.</summary>
    public WaitQueue Changed { get; } = new();

    /// <summary>Whether any lease exists (opens check for breaks only then).</summary>
    public bool Any => Volatile.Read(ref _count) > 0;

    /// <summary>F_GETLEASE: the lease's type, or what it is breaking to; F_UNLCK without one.</summary>
    public int TypeOf(OpenFile file)
    {
        lock (_lock) return Find(file) is { } l ? l.BreakingTo ?? l.Type : Unlock;
    }

    /// <summary>
    /// F_SETLEASE with F_RDLCK or F_WRLCK (generic_add_lease): -EAGAIN when the file is open for writing (read lease),
    /// open elsewhere (write lease), or another file's lease conflicts or is breaking.
    /// </summary>
    public long Set(OpenFile file, int fd, int type, bool openForWrite, int opens)
    {
        var inode = file.Location!.Inode;
        lock (_lock)
        {
            if (type == Read && openForWrite) return -(long)Errno.EAGAIN;
            if (type == Write && opens > 1) return -(long)Errno.EAGAIN;
            var own = Find(file);
            if (_byInode.TryGetValue(inode, out var list))
            {
                foreach (var other in list)
                {
                    if (ReferenceEquals(other, own)) continue;
                    if (other.BreakingTo is not null || other.Type == Write || type == Write) return -(long)Errno.EAGAIN;
                }
            }
            if (own is null)
            {
                own = new Lease(file, fd);
                if (list is null) _byInode[inode] = list = [];
                list.Add(own);
                _count++;
                file.Closed += Remove;
            }
            own.Fd = fd;
            own.Type = type;
            // Downgrading to what a break asks for ends the break.
            if (own.BreakingTo == Read && type == Read) own.BreakingTo = null;
        }
        Changed.Notify(0);
        return 0;
    }

    /// <summary>F_SETLEASE F_UNLCK: -EAGAIN when the file holds no lease.</summary>
    public long Unset(OpenFile file)
    {
        lock (_lock)
        {
            if (Find(file) is not { } lease) return -(long)Errno.EAGAIN;
            Drop(lease);
        }
        Changed.Notify(0);
        return 0;
    }

    /// <summary>
    /// An open of <paramref name="inode"/> (for writing, or only for reading) meets the leases it breaks: breaks not yet
    /// started are started (their holders are returned, to be signalled); expired ones are forced. Whether
    /// conflicting leases remain, and the earliest deadline among them.
    /// </summary>
    public (bool Blocked, long Deadline) Break(Inode inode, bool write, List<Lease> started)
    {
        bool forced = false;
        (bool, long) result;
        lock (_lock)
        {
            if (!_byInode.TryGetValue(inode, out var list)) return (false, 0);
            long now = Stopwatch.GetTimestamp();
            long deadline = long.MaxValue;
            bool blocked = false;
            foreach (var lease in list.ToList())
            {
                if (!write && lease.Type == Read) continue; // a reader conflicts with write leases only (leases_conflict)
                int target = write ? Unlock : Read;
                if (lease.BreakingTo is null || (target == Unlock && lease.BreakingTo == Read))
                {
                    if (lease.BreakingTo is null)
                    {
                        lease.BreakDeadline = now + (long)BreakSeconds * Stopwatch.Frequency;
                        started.Add(lease);
                    }
                    lease.BreakingTo = target;
                }
                if (now >= lease.BreakDeadline)
                {
                    // time_out_leases: the holder did not answer in time.
                    if (lease.BreakingTo == Unlock) Drop(lease);
                    else
                    {
                        lease.Type = Read;
                        lease.BreakingTo = null;
                    }
                    forced = true;
                    continue;
                }
                blocked = true;
                deadline = Math.Min(deadline, lease.BreakDeadline);
            }
            result = (blocked, deadline);
        }
        if (forced) Changed.Notify(0);
        return result;
    }

    private void Remove(OpenFile file)
    {
        bool removed;
        lock (_lock)
        {
            removed = Find(file) is { } lease && Drop(lease);
        }
        if (removed) Changed.Notify(0);
    }

    private Lease? Find(OpenFile file) =>
        file.Location is { } loc && _byInode.TryGetValue(loc.Inode, out var list) ? list.Find(l => ReferenceEquals(l.File, file)) : null;

    private bool Drop(Lease lease)
    {
        var inode = lease.File.Location!.Inode;
        if (!_byInode.TryGetValue(inode, out var list) || !list.Remove(lease)) return false;
        if (list.Count == 0) _byInode.Remove(inode);
        _count--;
        lease.File.Closed -= Remove;
        return true;
    }
}
