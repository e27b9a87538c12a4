namespace Kernel.Actors.Vfs;

/// <summary>Per-mount flags (MS_* values of mount(2), as recorded in the mount and shown in /proc/mounts).</summary>
[Flags]
public enum MountFlags : uint
{
    None = 0,
    ReadOnly = 1,        // MS_RDONLY
    NoSuid = 2,          // MS_NOSUID
    NoDev = 4,           // MS_NODEV
    NoExec = 8,          // MS_NOEXEC
    NoAtime = 1024,      // MS_NOATIME
    NoDirAtime = 2048,   // MS_NODIRATIME
    RelAtime = 1 << 21,  // MS_RELATIME
    StrictAtime = 1 << 24, // MS_STRICTATIME
    NoSymFollow = 256,   // MS_NOSYMFOLLOW
}

/// <summary>
/// A filesystem (or, for a bind mount, a subtree of one) attached at a name in a directory of a parent mount.
/// The namespace's top mount has no parent. Mounts move (MS_MOVE, pivot_root), so where they hang is mutable.
/// </summary>
public sealed class Mount
{
    private static int _nextId;

    internal Mount(VirtualFileSystem vfs, Filesystem fs, bool readOnly, Location? mountpointDir, string name)
        : this(vfs, fs, fs.Root, readOnly ? MountFlags.ReadOnly : MountFlags.None, mountpointDir, name, "none")
    {
    }

    internal Mount(VirtualFileSystem vfs, Filesystem fs, Inode root, MountFlags flags, Location? mountpointDir, string name, string source)
    {
        Vfs = vfs;
        Fs = fs;
        Root = root;
        Flags = flags;
        MountpointDir = mountpointDir;
        Name = name;
        Source = source;
        Id = Interlocked.Increment(ref _nextId);
    }

    public VirtualFileSystem Vfs { get; }
    public Filesystem Fs { get; }
    /// <summary>The mount's root: the filesystem's root, or the directory (or file) a bind mount shows.</summary>
    public Inode Root { get; }
    public MountFlags Flags { get; internal set; }
    public bool ReadOnly => (Flags & MountFlags.ReadOnly) != 0 || Fs.ReadOnly || Fs.SuperReadOnly;
    public bool NoExec => (Flags & MountFlags.NoExec) != 0;
    public bool NoDev => (Flags & MountFlags.NoDev) != 0;
    /// <summary>The directory holding the mount point in the parent mount (null for the top mount and detached mounts).</summary>
    public Location? MountpointDir { get; internal set; }
    /// <summary>The name of the mount point in <see cref="MountpointDir"/> ("" when stacked on a mount's root itself).</summary>
    public string Name { get; internal set; }
    /// <summary>The source shown in /proc/mounts (the device or "none", "tmpfs"...).</summary>
    public string Source { get; }
    /// <summary>A number unique in the sandbox (mountinfo's mount ID).</summary>
    public int Id { get; }
    /// <summary>Unmounted with MNT_DETACH (or pivoted away and detached): still usable by whoever holds it, unreachable by paths.</summary>
    public bool Detached { get; internal set; }
    /// <summary>The mount table this mount belongs to (a path walk from it finds the mounts of that table only).</summary>
    public MountNamespace? Namespace { get; internal set; }
    /// <summary>MNT_EXPIRE marks a mount on the first call and unmounts it on the second.</summary>
    internal bool ExpiryMark { get; set; }
    public Location RootLocation => new(this, Root, null, "");

    /// <summary>A mount of the same filesystem, subtree and flags, attached nowhere yet (a namespace copy's).</summary>
    internal Mount CopyDetached() => new(Vfs, Fs, Root, Flags, null, Name, Source);
}
