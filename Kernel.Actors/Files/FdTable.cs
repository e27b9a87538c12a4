using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Files;

/// <summary>One slot of a file descriptor table.</summary>
public sealed record FdEntry(OpenFile File, bool CloseOnExec);

/// <summary>
/// A process's file descriptor table (shared by CLONE_FILES). Lookups are lock-free reads of one slot (a
/// reference, written whole), so the read/write fast path on a task's thread never waits; changes write slots
/// under a lock and copy the array only to grow it.
/// </summary>
public sealed class FdTable
{
    private volatile FdEntry?[] _slots = new FdEntry?[64];
    private readonly Lock _gate = new();

    public int Limit { get; set; } = 1024; // RLIMIT_NOFILE soft limit
    /// <summary>How many descriptors the table has room for now (Linux's max_fds, which select clamps to).</summary>
    public int Capacity => _slots.Length;

    public FdEntry? Get(int fd)
    {
        var slots = _slots;
        return (uint)fd < (uint)slots.Length ? slots[fd] : null;
    }

    public OpenFile? GetFile(int fd) => Get(fd)?.File;

    /// <summary>Installs at the lowest free descriptor >= <paramref name="minimum"/>; -EMFILE when full.</summary>
    public long Install(OpenFile file, bool closeOnExec, int minimum = 0)
    {
        lock (_gate)
        {
            var slots = _slots;
            for (var fd = minimum; fd < Limit; fd++)
            {
                if (fd < slots.Length && slots[fd] is not null) continue;
                Set(fd, new FdEntry(file, closeOnExec));
                return fd;
            }
            return -(long)Errno.EMFILE;
        }
    }

    /// <summary>Whether a descriptor is free below the limit (open reserves one before it creates anything, as Linux does).</summary>
    public bool HasFree()
    {
        var slots = _slots;
        for (var fd = 0; fd < Limit; fd++)
            if (fd >= slots.Length || slots[fd] is null) return true;
        return false;
    }

    /// <summary>Puts a file at exactly <paramref name="fd"/>, returning what was there (for dup2/dup3).</summary>
    public FdEntry? Replace(int fd, FdEntry entry)
    {
        lock (_gate)
        {
            var old = Get(fd);
            Set(fd, entry);
            return old;
        }
    }

    public FdEntry? Remove(int fd)
    {
        lock (_gate)
        {
            var old = Get(fd);
            if (old is not null) Volatile.Write(ref _slots[fd], null);
            return old;
        }
    }

    public void SetCloseOnExec(int fd, bool value)
    {
        lock (_gate)
        {
            if (Get(fd) is { } e) Set(fd, e with { CloseOnExec = value });
        }
    }

    public IEnumerable<(int Fd, FdEntry Entry)> All()
    {
        var slots = _slots;
        for (var i = 0; i < slots.Length; i++)
        {
            if (slots[i] is { } e) yield return (i, e);
        }
    }

    public FdTable Clone()
    {
        var copy = new FdTable { Limit = Limit };
        lock (_gate) copy._slots = (FdEntry?[])_slots.Clone();
        foreach (var (_, e) in copy.All()) e.File.AddReference();
        return copy;
    }

    private void Set(int fd, FdEntry entry)
    {
        var slots = _slots;
        if (fd < slots.Length)
        {
            Volatile.Write(ref slots[fd], entry);
            return;
        }
        var grown = new FdEntry?[Math.Max(fd + 1, slots.Length * 2)];
        Array.Copy(slots, grown, slots.Length);
        grown[fd] = entry;
        _slots = grown;
    }
}
