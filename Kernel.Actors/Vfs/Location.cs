using System.Text;

namespace Kernel.Actors.Vfs;

/// <summary>A position in the file tree: a mount and a node in it, plus the directory and name it was reached by (for paths of non-directories).</summary>
public sealed class Location : IEquatable<Location>
{
    internal Location(Mount mount, Inode inode, Location? parent, string name)
    {
        Mount = mount;
        Inode = inode;
        Parent = inode.IsDirectory ? null : parent;
        Name = name;
    }

    public Mount Mount { get; }
    public Inode Inode { get; }
    /// <summary>The directory a non-directory was found in (null for directories, whose inodes know their parent).</summary>
    internal Location? Parent { get; }
    internal string Name { get; }

    public bool IsDirectory => Inode.IsDirectory;
    public bool IsMountRoot => ReferenceEquals(Inode, Mount.Root);

    /// <summary>The absolute path as seen from the namespace root (for getcwd and /proc/self/fd links).</summary>
    public string GuestPath => PathFrom(null);

    /// <summary>
    /// The absolute path as seen from <paramref name="root"/> (a task's root after chroot; null: the namespace root).
    /// A location outside that root reads "(unreachable)/...", a removed directory ends in " (deleted)", as getcwd shows them.
    /// </summary>
    public string PathFrom(Location? root)
    {
        var parts = new List<string>();
        bool deleted = false, unreachable = false;
        Mount mount = Mount;
        Inode inode = Inode;
        if (!inode.IsDirectory && !ReferenceEquals(inode, mount.Root))
        {
            if (Parent is null) return "/" + Name;
            parts.Add(Name);
            mount = Parent.Mount;
            inode = Parent.Inode;
        }
        for (int guard = 0; guard < 4096; guard++)
        {
            if (root is not null && ReferenceEquals(mount, root.Mount) && ReferenceEquals(inode, root.Inode)) break;
            if (ReferenceEquals(inode, mount.Root))
            {
                if (mount.MountpointDir is null)
                {
                    unreachable = root is not null;
                    break;
                }
                if (mount.Name.Length > 0) parts.Add(mount.Name);
                var mp = mount.MountpointDir;
                mount = mp.Mount;
                inode = mp.Inode;
                continue;
            }
            var up = inode.DirParent;
            if (up is null || inode.DirName is null)
            {
                deleted = true;
                break;
            }
            parts.Add(inode.DirName);
            inode = up;
        }
        var sb = new StringBuilder();
        if (unreachable) sb.Append("(unreachable)");
        for (int i = parts.Count - 1; i >= 0; i--) sb.Append('/').Append(parts[i]);
        if (sb.Length == 0 || unreachable && parts.Count == 0) sb.Append('/');
        if (deleted) sb.Append(" (deleted)");
        return sb.ToString();
    }

    public bool Equals(Location? other) =>
        other is not null && ReferenceEquals(Mount, other.Mount) && ReferenceEquals(Inode, other.Inode);

    public override bool Equals(object? obj) => obj is Location l && Equals(l);
    public override int GetHashCode() => HashCode.Combine(Mount, Inode);
    public override string ToString() => GuestPath;
}
