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
}
