using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// File handles of our filesystems (Linux's export operations). A handle is FILEID_INO32_GEN-style: a generation
/// (always 0: inode numbers are never reused within a filesystem here) and the 64-bit inode number. tmpfs finds
/// the inode again by walking its tree, so a handle follows renames and goes stale with the file's last link. The
/// other filesystems that decode (the overlay root, host directories) remember each inode they gave a handle for:
/// while it is still linked where its parent says (a rename moves it), that is the file; otherwise the path it had
/// is looked up again and must still lead to the same inode number. Any filesystem with stable lookups can join by
/// being named in <see cref="CanDecode"/>.
/// </summary>
internal static class FileHandleCodec
{
    public const int MaxHandleSize = 128;
    public const int FileIdInvalid = 255;
    public const int FileIdIno64Gen = 1;
    public const int HandleSize = 12;

    private sealed record Recorded(WeakReference<Inode> Node, string[] Names);

    private static readonly ConditionalWeakTable<Filesystem, Dictionary<ulong, Recorded>> Records = new();

    /// <summary>Whether the filesystem can decode what it encodes (s_export_op).</summary>
    public static bool CanDecode(Filesystem fs) => fs is Tmpfs or HostFilesystem or OverlayFilesystem;

    public static byte[] Encode(Location loc)
    {
        var ino = loc.Inode.Ino;
        var handle = new byte[HandleSize];
        BinaryPrimitives.WriteUInt64LittleEndian(handle.AsSpan(4), ino);
        if (loc.Mount.Fs is not Tmpfs && PathFromRoot(loc) is { } names)
        {
            var records = Records.GetOrCreateValue(loc.Mount.Fs);
            lock (records) records[ino] = new Recorded(new WeakReference<Inode>(loc.Inode), names);
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
            _ when CanDecode(fs) => FindRecorded(mount, ino, out location),
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

    private static long FindRecorded(Mount mount, ulong ino, out Location? location)
    {
        location = null;
        Recorded? record;
        var records = Records.GetOrCreateValue(mount.Fs);
        lock (records)
        {
            if (!records.TryGetValue(ino, out record)) return -(long)Errno.ESTALE;
        }
        if (record.Node.TryGetTarget(out var known) && known.DirParent is { } parent && known.DirName is { } linkedAs &&
            IsLinked(mount.Fs.Root, known))
        {
            location = At(mount, parent, known, linkedAs);
            return 0;
        }
        Inode dir = mount.Fs.Root, node = dir;
        var name = "";
        foreach (var part in record.Names)
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

    /// <summary>Whether each step from <paramref name="node"/> up to the root is still an entry of its parent.</summary>
    private static bool IsLinked(Inode root, Inode node)
    {
        for (var guard = 0; !ReferenceEquals(node, root); guard++)
        {
            if (node.DirParent is not { } up || node.DirName is not { } name || guard > 4096) return false;
            if (up.Lookup(name, out var found) < 0 || !ReferenceEquals(found, node)) return false;
            node = up;
        }
        return true;
    }

    private static Location At(Mount mount, Inode dir, Inode node, string name)
    {
        var parent = ReferenceEquals(dir, mount.Fs.Root) ? mount.RootLocation : new Location(mount, dir, null, dir.DirName ?? "");
        return new Location(mount, node, parent, name);
    }
}
