using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// File handles of our filesystems (Linux's export operations). A handle is FILEID_INO32_GEN-style: a generation
/// (always 0: inode numbers are never reused within a filesystem here) and the 64-bit inode number. tmpfs finds
/// the inode again by walking its tree, so a handle follows renames and goes stale with the file's last link. Other
/// filesystems that decode (the host-backed root) remember the path, from their root, of each inode they gave a
/// handle for, look it up again with <see cref="Inode.Lookup"/> and check the inode is still the one there: any
/// filesystem whose lookups are stable can join by being named in <see cref="CanDecode"/>.
/// </summary>
internal static class FileHandleCodec
{
    public const int MaxHandleSize = 128;
    public const int FileIdInvalid = 255;
    public const int FileIdIno64Gen = 1;
    public const int HandleSize = 12;

    private static readonly ConditionalWeakTable<Filesystem, Dictionary<ulong, string[]>> Paths = new();

    /// <summary>Whether the filesystem can decode what it encodes (s_export_op).</summary>
    public static bool CanDecode(Filesystem fs) => fs is Tmpfs or HostFilesystem;

    public static byte[] Encode(Location loc)
    {
        var ino = loc.Inode.Ino;
        var handle = new byte[HandleSize];
        BinaryPrimitives.WriteUInt64LittleEndian(handle.AsSpan(4), ino);
        if (loc.Mount.Fs is not Tmpfs && PathFromRoot(loc) is { } names)
        {
            var paths = Paths.GetOrCreateValue(loc.Mount.Fs);
            lock (paths) paths[ino] = names;
        }
        return handle;
    }

    /// <summary>The names that lead from the filesystem's root to <paramref name="loc"/>; null if it is not reachable (deleted).</summary>
    private static string[]? PathFromRoot(Location loc)
    {
        var names = new List<string>();
        var node = loc.Inode;
        if (!node.IsDirectory)
        {
            if (loc.Parent is null) return null;
            names.Add(loc.Name);
            node = loc.Parent.Inode;
        }
        var root = loc.Mount.Fs.Root;
        for (var guard = 0; !ReferenceEquals(node, root); guard++)
        {
            if (node.DirParent is not { } up || node.DirName is not { } name || guard > 4096) return null;
            names.Add(name);
            node = up;
        }
        names.Reverse();
        return [.. names];
    }

    /// <summary>Finds the file a handle names on <paramref name="mount"/>'s filesystem; ESTALE when it is gone or was never there.</summary>
    public static long Decode(Mount mount, int type, ReadOnlySpan<byte> handle, out Location? location)
    {
        location = null;
        if (type != FileIdIno64Gen || handle.Length < HandleSize || BinaryPrimitives.ReadUInt32LittleEndian(handle) != 0)
        {
            return -(long)Errno.ESTALE;
        }
        var ino = BinaryPrimitives.ReadUInt64LittleEndian(handle[4..]);
        var fs = mount.Fs;
        if (ino == fs.Root.Ino)
        {
            location = mount.RootLocation;
            return 0;
        }
        return fs switch
        {
            Tmpfs => FindInTmpfs(mount, ino, out location),
            _ when CanDecode(fs) => FindByPath(mount, ino, out location),
            _ => -(long)Errno.ESTALE,
        };
    }

    /// <summary>A breadth-first walk from the root: every linked inode of a tmpfs is reachable by a name.</summary>
    private static long FindInTmpfs(Mount mount, ulong ino, out Location? location)
    {
        location = null;
        var queue = new Queue<TmpDirectory>();
        queue.Enqueue((TmpDirectory)mount.Fs.Root);
        while (queue.Count > 0)
        {
            var dir = queue.Dequeue();
            foreach (var (name, node) in dir.Entries)
            {
                if (node.Ino == ino)
                {
                    location = At(mount, dir, node, name);
                    return 0;
                }
                if (node is TmpDirectory sub) queue.Enqueue(sub);
            }
        }
        return -(long)Errno.ESTALE;
    }

    private static long FindByPath(Mount mount, ulong ino, out Location? location)
    {
        location = null;
        string[]? names;
        var paths = Paths.GetOrCreateValue(mount.Fs);
        lock (paths)
        {
            if (!paths.TryGetValue(ino, out names)) return -(long)Errno.ESTALE;
        }
        Inode dir = mount.Fs.Root, node = dir;
        var name = "";
        foreach (var part in names)
        {
            dir = node;
            name = part;
            if (node.Lookup(part, out var child) < 0) return -(long)Errno.ESTALE;
            node = child!;
        }
        if (node.Ino != ino) return -(long)Errno.ESTALE; // something else lives at that path now
        location = At(mount, dir, node, name);
        return 0;
    }

    private static Location At(Mount mount, Inode dir, Inode node, string name)
    {
        var parent = ReferenceEquals(dir, mount.Fs.Root) ? mount.RootLocation : new Location(mount, dir, null, dir.DirName ?? "");
        return new Location(mount, node, parent, name);
    }
}
