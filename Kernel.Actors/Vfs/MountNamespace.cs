using System.Text;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A mount table: which mount hangs at which name of which directory. Mounts on the same place stack (the last is on
/// top and hides the others until it goes). Each mount belongs to one table; unshare(CLONE_NEWNS) copies a table with
/// copies of its mounts, so that later mounts and unmounts in either stay there.
/// </summary>
public sealed class MountNamespace
{
    /// <summary>The namespace's inode number (/proc/[pid]/ns/mnt); the sandbox's first is Linux's usual 4026531841.</summary>
    public uint Ino { get; } = 0xF0000001;
    // Keyed by the parent mount, the directory in it and the name; "" is the slot on a mount's own root (a mount
    // stacked on the namespace root, as switch_root's MS_MOVE onto "/" makes).
    private readonly Dictionary<(Mount, Inode, string), List<Mount>> _attached = new();
    // Every attached mount in the order it was mounted (/proc/mounts order).
    private readonly List<Mount> _order = [];

    internal MountNamespace(Mount root)
    {
        Root = root;
        root.Namespace = this;
        _order.Add(root);
    }

    private MountNamespace(uint ino, Mount root) : this(root) => Ino = ino;

    /// <summary>
    /// copy_mnt_ns: a new table with a copy of every attached mount, hung at the same places of the copies;
    /// <paramref name="copies"/> maps each mount to its copy (to move a task's root and cwd over).
    /// </summary>
    public MountNamespace Copy(out Dictionary<Mount, Mount> copies)
    {
        copies = new Dictionary<Mount, Mount>(ReferenceEqualityComparer.Instance);
        var ns = new MountNamespace(Kernel.Actors.Tasks.NamespaceIds.Next(), Root.CopyDetached());
        copies[Root] = ns.Root;
        foreach (var m in _order)
        {
            if (ReferenceEquals(m, Root) || m.MountpointDir is not { } dir || !copies.TryGetValue(dir.Mount, out var parent)) continue;
            var copy = m.CopyDetached();
            copies[m] = copy;
            ns.Attach(copy, new Location(parent, dir.Inode, null, dir.Name), m.Name);
        }
        return ns;
    }

    /// <summary>The same place in the copy of its mount (a location in a mount the copy left out stays as it is).</summary>
    public static Location Translate(Location loc, Dictionary<Mount, Mount> copies) =>
        copies.TryGetValue(loc.Mount, out var m) ? new Location(m, loc.Inode, loc.Parent, loc.Name) : loc;

    /// <summary>The namespace's top mount ("/" of a task that never chrooted).</summary>
    public Mount Root { get; private set; }

    /// <summary>Attached mounts in mount order, the root first.</summary>
    public IReadOnlyList<Mount> Mounts => _order;

    /// <summary>The mount on top at <paramref name="name"/> in <paramref name="dir"/>, if any.</summary>
    public Mount? MountAt(Location dir, string name) =>
        _attached.TryGetValue((dir.Mount, dir.Inode, name), out var stack) && stack.Count > 0 ? stack[^1] : null;

    /// <summary>The mounts on names of <paramref name="dir"/> (readdir shows them even where the directory lacks the name).</summary>
    public IEnumerable<Mount> MountsOn(Location dir)
    {
        foreach (var ((m, i, name), stack) in _attached)
            if (name.Length > 0 && stack.Count > 0 && ReferenceEquals(m, dir.Mount) && ReferenceEquals(i, dir.Inode)) yield return stack[^1];
    }

    /// <summary>Follows mounts stacked on a mount's root (what a lookup that ends on a mount point finds, as LOOKUP_MOUNTPOINT).</summary>
    public Location TopOf(Location loc)
    {
        for (int guard = 0; guard < 64 && loc.IsMountRoot; guard++)
        {
            var over = MountAt(loc, "");
            if (over is null) break;
            loc = over.RootLocation;
        }
        return loc;
    }

    /// <summary>Where a mount on <paramref name="target"/> hangs: the directory and name holding it.</summary>
    internal static (Location Dir, string Name)? PlaceOf(Location target)
    {
        // On a mount's root the new mount stacks on that mount (its child), as on Linux.
        if (target.IsMountRoot) return (target, "");
        if (target.IsDirectory)
        {
            var up = target.Inode.DirParent;
            if (up is null || target.Inode.DirName is null) return null; // removed
            return (new Location(target.Mount, up, null, up.DirName ?? ""), target.Inode.DirName);
        }
        return target.Parent is { } p ? (p, target.Name) : null;
    }

    /// <summary>Attaches <paramref name="mount"/> on top of whatever hangs at <paramref name="name"/> of <paramref name="dir"/>.</summary>
    internal void Attach(Mount mount, Location dir, string name)
    {
        mount.Namespace = this;
        mount.MountpointDir = dir;
        mount.Name = name;
        mount.Detached = false;
        var key = (dir.Mount, dir.Inode, name);
        if (!_attached.TryGetValue(key, out var stack)) _attached[key] = stack = [];
        stack.Add(mount);
        _order.Add(mount);
    }

    /// <summary>Takes one mount out of the table (its children stay attached to it).</summary>
    internal void Unhash(Mount mount)
    {
        if (mount.MountpointDir is { } dir)
        {
            var key = (dir.Mount, dir.Inode, mount.Name);
            if (_attached.TryGetValue(key, out var stack))
            {
                stack.Remove(mount);
                if (stack.Count == 0) _attached.Remove(key);
            }
        }
        _order.Remove(mount);
    }

    /// <summary>The mounts attached directly to <paramref name="parent"/>.</summary>
    public IEnumerable<Mount> Children(Mount parent) =>
        _order.Where(m => m.MountpointDir is { } d && ReferenceEquals(d.Mount, parent) && !ReferenceEquals(m, Root)).ToList();

    /// <summary><paramref name="mount"/> and every mount beneath it, parents first.</summary>
    public List<Mount> Subtree(Mount mount)
    {
        var result = new List<Mount> { mount };
        for (int i = 0; i < result.Count; i++) result.AddRange(Children(result[i]));
        return result;
    }

    /// <summary>Detaches <paramref name="mount"/> and everything mounted beneath it (umount, MNT_DETACH).</summary>
    internal void DetachTree(Mount mount)
    {
        var all = Subtree(mount);
        Unhash(mount);
        mount.MountpointDir = null;
        mount.Detached = true;
        // Submounts stay attached to their (now unreachable) parents, as Linux keeps a detached tree whole.
        foreach (var m in all.Skip(1))
        {
            _order.Remove(m);
            m.Detached = true;
        }
    }

    /// <summary>Makes <paramref name="mount"/> the namespace root (pivot_root).</summary>
    internal void SetRoot(Mount mount)
    {
        Root = mount;
        mount.Namespace = this;
        mount.MountpointDir = null;
        mount.Name = "";
        if (!_order.Contains(mount)) _order.Insert(0, mount);
    }

    /// <summary>True when <paramref name="inner"/> is <paramref name="outer"/> or lies beneath it.</summary>
    public static bool IsBeneath(Location inner, Location outer)
    {
        var loc = inner;
        for (int guard = 0; guard < 4096; guard++)
        {
            if (loc.Equals(outer)) return true;
            Location? up;
            if (loc.IsMountRoot) up = loc.Mount.MountpointDir;
            else if (loc.IsDirectory)
                up = loc.Inode.DirParent is { } p ? new Location(loc.Mount, p, null, p.DirName ?? "") : null;
            else up = loc.Parent;
            if (up is null || up.Equals(loc)) return false;
            loc = up;
        }
        return false;
    }

    /// <summary>The text of /proc/mounts as seen from <paramref name="root"/>: "source target type options 0 0" lines.</summary>
    public string Format(Location root)
    {
        var sb = new StringBuilder();
        foreach (var m in _order)
        {
            if (!IsBeneath(m.RootLocation, root)) continue;
            string path = m.RootLocation.PathFrom(root);
            sb.Append(Escape(m.Source)).Append(' ').Append(Escape(path)).Append(' ').Append(m.Fs.Type).Append(' ')
              .Append(Options(m)).Append(" 0 0\n");
        }
        return sb.ToString();
    }

    /// <summary>The option string of a mount: per-mount flags, then the filesystem's own options.</summary>
    public static string Options(Mount m)
    {
        var fsOptions = m.Fs.MountOptions;
        return fsOptions.Length > 0 ? MountFlagOptions(m) + "," + fsOptions : MountFlagOptions(m);
    }

    /// <summary>The per-mount part of the options (mountinfo's field 6): ro/rw, nosuid, nodev, noexec, the atime mode.</summary>
    public static string MountFlagOptions(Mount m)
    {
        var o = new List<string> { m.ReadOnly ? "ro" : "rw" };
        if ((m.Flags & MountFlags.NoSuid) != 0) o.Add("nosuid");
        if ((m.Flags & MountFlags.NoDev) != 0) o.Add("nodev");
        if ((m.Flags & MountFlags.NoExec) != 0) o.Add("noexec");
        if ((m.Flags & MountFlags.NoAtime) != 0) o.Add("noatime");
        else if ((m.Flags & MountFlags.RelAtime) != 0) o.Add("relatime");
        if ((m.Flags & MountFlags.NoDirAtime) != 0) o.Add("nodiratime");
        if ((m.Flags & MountFlags.NoSymFollow) != 0) o.Add("nosymfollow");
        return string.Join(',', o);
    }

    private static string Escape(string s) =>
        s.Replace("\\", "\\134").Replace(" ", "\\040").Replace("\t", "\\011").Replace("\n", "\\012");
}
