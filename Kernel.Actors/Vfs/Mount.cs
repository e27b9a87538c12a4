namespace Kernel.Actors.Vfs;

/// <summary>A filesystem attached at a name in a directory of a parent mount (the top mount has no parent).</summary>
public sealed class Mount
{
    private static int _nextId;

    internal Mount(VirtualFileSystem vfs, Filesystem fs, bool readOnly, Location? mountpointDir, string name)
    {
        Vfs = vfs;
        Fs = fs;
        ReadOnly = readOnly || fs.ReadOnly;
        MountpointDir = mountpointDir;
        Name = name;
        Id = Interlocked.Increment(ref _nextId);
    }

    /// <summary>The mount ID of /proc/[pid]/mountinfo and fdinfo's mnt_id.</summary>
    public int Id { get; }

    public VirtualFileSystem Vfs { get; }
    public Filesystem Fs { get; }
    public bool ReadOnly { get; }
    /// <summary>The directory holding the mount point in the parent mount (null for the top mount).</summary>
    public Location? MountpointDir { get; }
    /// <summary>The name of the mount point in <see cref="MountpointDir"/>.</summary>
    public string Name { get; }
    public Inode Root => Fs.Root;
    public Location RootLocation => new(this, Fs.Root, null, "");
}
