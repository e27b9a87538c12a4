using Kernel.Actors.Vfs;

namespace Kernel.Actors;

// State of the descriptor calls (fdio), surviving a restart of the VFS actor like the rest of VfsState.
public sealed partial class VfsState
{
    /// <summary>Every fcntl record lock and flock lock of the sandbox, with the requests waiting for one.</summary>
    public FileLocks Locks { get; } = new();

    /// <summary>Every file lease of the sandbox (F_SETLEASE).</summary>
    public Leases Leases { get; } = new();
    /// <summary>fs.mqueue's limits (/proc/sys/fs/mqueue) and the RLIMIT_MSGQUEUE charges, for every IPC namespace.</summary>
    public MqueueLimits MqueueLimits { get; } = new();
    /// <summary>The internal mounts of the IPC namespaces' mqueue filesystems.</summary>
    internal Dictionary<MqueueFs, Mount> MqueueMounts { get; } = [];

    /// <summary>The unattached tmpfs that holds memfds (Linux's internal shm mount), made on first use.</summary>
    internal Mount? MemfdMount { get; set; }
    /// <summary>The internal hugetlbfs instances of MFD_HUGETLB memfds, by huge page size.</summary>
    internal Dictionary<ulong, Mount> HugetlbMounts { get; } = [];
}
