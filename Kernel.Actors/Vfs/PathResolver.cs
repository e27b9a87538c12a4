using System.Text;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>
/// Linux path walking in guest space: components, "." and "..", mount crossings, symlinks (at most 40 per lookup,
/// absolute targets starting at the task's root), search permission on every directory passed.
/// </summary>
public sealed class PathResolver
{
    public const int MaxLinks = 40;
    private readonly VirtualFileSystem _vfs;

    internal PathResolver(VirtualFileSystem vfs)
    {
        _vfs = vfs;
    }

    /// <summary>
    /// Walks every component but the last. <paramref name="last"/> is the final name ("." for "/" itself),
    /// <paramref name="trailingSlash"/> tells whether the path ended in "/" (the target must then be a directory).
    /// </summary>
    public long WalkToParent(FsContext ctx, Location start, string path, ref int links, out Location parent, out string last, out bool trailingSlash)
    {
        parent = start;
        last = ".";
        trailingSlash = false;
        if (path.Length == 0) return -(long)Errno.ENOENT;
        if (Encoding.UTF8.GetByteCount(path) >= PATH_MAX) return -(long)Errno.ENAMETOOLONG;
        var cur = start;
        if (path[0] == '/')
        {
            // An absolute path or symlink is not allowed beneath a directory (RESOLVE_BENEATH).
            if ((ctx.Restrict & ResolveFlags.Beneath) != 0) return -(long)Errno.EXDEV;
            cur = ctx.Root;
        }
        var comps = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (comps.Length == 0)
        {
            parent = cur;
            trailingSlash = true;
            return 0;
        }
        for (int i = 0; i < comps.Length - 1; i++)
        {
            long r = Step(ctx, cur, comps[i], true, ref links, out var next);
            if (r < 0) return r;
            if (!next.IsDirectory) return -(long)Errno.ENOTDIR;
            cur = next;
        }
        parent = cur;
        last = comps[^1];
        trailingSlash = path[^1] == '/';
        return 0;
    }

    /// <summary>Looks <paramref name="name"/> up in <paramref name="dir"/>, crossing mounts and optionally following a symlink.</summary>
    public long Step(FsContext ctx, Location dir, string name, bool follow, ref int links, out Location next)
    {
        next = dir;
        if (!dir.IsDirectory) return -(long)Errno.ENOTDIR;
        long r = Permission.Check(dir.Inode, ctx.Creds, Permission.MayExec);
        if (r < 0) return r;
        if (name == ".") return 0;
        if (name == "..")
        {
            if ((ctx.Restrict & ResolveFlags.Beneath) != 0 && dir.Equals(ctx.Root)) return -(long)Errno.EXDEV;
            next = Parent(ctx, dir);
            if ((ctx.Restrict & ResolveFlags.NoXdev) != 0 && !ReferenceEquals(next.Mount, dir.Mount)) return -(long)Errno.EXDEV;
            return 0;
        }
        if (Encoding.UTF8.GetByteCount(name) > NAME_MAX) return -(long)Errno.ENAMETOOLONG;
        var mount = _vfs.MountAt(dir, name);
        if (mount is not null)
        {
            if ((ctx.Restrict & ResolveFlags.NoXdev) != 0) return -(long)Errno.EXDEV;
            next = (mount.Namespace ?? _vfs.Namespace).TopOf(mount.RootLocation);
        }
        else
        {
            r = dir.Inode.Lookup(name, out var child);
            if (r < 0) return r;
            next = new Location(dir.Mount, child!, dir, name);
        }
        if (follow && next.Inode.IsSymlink) return FollowLink(ctx, dir, next, ref links, out next);
        return 0;
    }

    /// <summary>Resolves the symlink at <paramref name="link"/> (found in <paramref name="linkDir"/>) to what it names.</summary>
    public long FollowLink(FsContext ctx, Location linkDir, Location link, ref int links, out Location target)
    {
        target = link;
        long r0 = MayFollow(ctx, link);
        if (r0 < 0) return r0;
        if (++links > MaxLinks) return -(long)Errno.ELOOP;
        if (link.Inode is IMagicLink magic) return magic.Jump(ctx, out target);
        long r = link.Inode.ReadLink(out var text);
        if (r < 0) return r;
        if (text.Length == 0) return -(long)Errno.ENOENT;
        // An absolute symlink jumps to the root: with RESOLVE_NO_XDEV only if that stays on the same mount.
        if (text[0] == '/' && (ctx.Restrict & ResolveFlags.NoXdev) != 0 && !ReferenceEquals(linkDir.Mount, ctx.Root.Mount))
            return -(long)Errno.EXDEV;
        return Resolve(ctx, linkDir, text, true, ref links, out target);
    }

    /// <summary>Resolves a whole path; a trailing slash forces following and requires a directory.</summary>
    public long Resolve(FsContext ctx, Location start, string path, bool followLast, ref int links, out Location loc)
    {
        loc = start;
        long r = WalkToParent(ctx, start, path, ref links, out var parent, out var last, out bool trailing);
        if (r < 0) return r;
        r = Step(ctx, parent, last, followLast || trailing, ref links, out loc);
        if (r < 0) return r;
        if (trailing && !loc.IsDirectory) return -(long)Errno.ENOTDIR;
        return 0;
    }

    /// <summary>RESOLVE_NO_SYMLINKS, RESOLVE_NO_MAGICLINKS and nosymfollow mounts refuse to follow a link (ELOOP).</summary>
    public static long MayFollow(FsContext ctx, Location link)
    {
        if ((ctx.Restrict & ResolveFlags.NoSymlinks) != 0) return -(long)Errno.ELOOP;
        if ((ctx.Restrict & ResolveFlags.NoMagicLinks) != 0 && link.Inode.IsMagicLink) return -(long)Errno.ELOOP;
        if ((link.Mount.Flags & MountFlags.NoSymFollow) != 0 && !link.Inode.IsMagicLink) return -(long)Errno.ELOOP;
        return 0;
    }

    /// <summary>"..": stays at the task's root and at the namespace root, leaves a mount for the directory holding its mount point.</summary>
    public static Location Parent(FsContext ctx, Location dir)
    {
        if (dir.Equals(ctx.Root)) return dir;
        if (dir.IsMountRoot)
        {
            var mp = dir.Mount.MountpointDir;
            if (mp is null) return dir;
            // Stacked on another mount's root: climb on from there (and stay put where that is the task's root).
            if (dir.Mount.Name.Length == 0) return mp.Equals(ctx.Root) ? dir : Parent(ctx, mp);
            return mp;
        }
        var up = dir.Inode.DirParent;
        return up is null ? dir : new Location(dir.Mount, up, null, up.DirName ?? "");
    }
}
