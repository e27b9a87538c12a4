namespace Kernel.Actors.Vfs;

// What the descriptor calls (fdio: locks, F_SETOWN, splice and friends) keep on an open file description.
public abstract partial class OpenFile
{
    private FileLocks? _lockTable;

    /// <summary>Set once the description holds OFD or flock locks: its last close (<see cref="Closed"/>) releases them there.</summary>
    internal FileLocks? LockTable
    {
        get => _lockTable;
        set
        {
            if (_lockTable is null && value is not null) Closed += value.ReleaseDescription;
            _lockTable = value;
        }
    }

    /// <summary>
    /// What locks are keyed by: the inode (every open of a file shares its locks), the pipe of an anonymous pipe,
    /// or the description itself for files without either.
    /// </summary>
    internal object LockKey => (object?)Location?.Inode ?? (this is PipeEnd p ? p.Pipe : this);

    /// <summary>F_SETOWN/F_SETOWN_EX: who gets SIGIO/SIGURG (F_OWNER_TID 0, F_OWNER_PID 1, F_OWNER_PGRP 2).</summary>
    internal (int Type, int Id) SignalOwner { get; set; } = (1, 0);

    /// <summary>F_SETSIG: the signal sent instead of SIGIO (0: SIGIO).</summary>
    internal int IoSignal { get; set; }

    private WaitQueue.Waiter? _asyncWaiter;

    /// <summary>O_ASYNC on: every readiness change calls <paramref name="send"/> (with the descriptor it was set through).</summary>
    internal void EnableAsync(int fd, Action<OpenFile, int, int> send)
    {
        DisableAsync();
        if (!Pollable || Readiness is not { } queue) return;
        _asyncWaiter = queue.Subscribe(~0, events =>
        {
            var now = PollEvents();
            if ((now & (events == 0 ? ~0 : events)) != 0) send(this, fd, now);
            return false;
        });
        if (!_asyncCloseHooked) Closed += _ => DisableAsync();
        _asyncCloseHooked = true;
    }

    private bool _asyncCloseHooked;

    internal void DisableAsync()
    {
        if (_asyncWaiter is { } w) Readiness?.Unsubscribe(w);
        _asyncWaiter = null;
    }
}
