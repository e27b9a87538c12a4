using Kernel.Actors.Vfs;

namespace Kernel.Actors.Ipc;

/// <summary>
/// A System V shared memory segment (shmid_kernel). Its pages are an unlinked tmpfs file, mapped MAP_SHARED into each
/// attacher, so they are the same host pages everywhere and shared futexes in them meet across processes.
/// </summary>
public sealed class ShmSegment(int key, IpcCaller creator, int flags, long now, ulong size, TmpRegular pages) : IpcObject(key, creator, flags, now)
{
    public const uint Dest = 0x200;   // SHM_DEST: removed, destroyed at the last detach
    public const uint Locked = 0x400; // SHM_LOCKED

    public ulong Size { get; } = size;
    /// <summary>What /proc/[pid]/maps shows for an attach: the key at creation, as Linux names the segment's file.</summary>
    public string MapName { get; } = $"/SYSV{key:x8} (deleted)";
    public TmpRegular Pages { get; } = pages;
    public bool HugeTlb { get; init; }
    public int CreatorPid { get; } = creator.Pid;
    public int LastPid { get; set; }
    public long AttachTime { get; set; }
    public long DetachTime { get; set; }
    public ulong PageCount => (Size + 4095) / 4096;
}
