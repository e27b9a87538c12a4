using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>The xattr calls on a resolved file, in Linux's order: read-only mount, namespace permission, namespace support.</summary>
public sealed partial class VirtualFileSystem
{
    public long GetXattr(FsContext ctx, Location loc, string name, out byte[] value)
    {
        value = [];
        long r = XattrRules.CheckPermission(loc.Inode, ctx.Creds, name, write: false);
        if (r < 0) return r;
        r = XattrRules.CheckNamespace(name);
        return r < 0 ? r : loc.Inode.GetXattr(name, out value);
    }

    /// <summary>The names visible to the caller (trusted.* only for root).</summary>
    public long ListXattr(FsContext ctx, Location loc, out List<string> names)
    {
        long r = loc.Inode.ListXattr(out names);
        names = names.Where(n => XattrRules.Visible(n, ctx.Creds)).ToList();
        return r;
    }

    public long SetXattr(FsContext ctx, Location loc, string name, byte[] value, int flags)
    {
        if (loc.Mount.ReadOnly) return -(long)Errno.EROFS;
        long r = XattrRules.CheckPermission(loc.Inode, ctx.Creds, name, write: true);
        if (r < 0) return r;
        r = XattrRules.CheckNamespace(name);
        return r < 0 ? r : loc.Inode.SetXattr(name, value, flags);
    }

    public long RemoveXattr(FsContext ctx, Location loc, string name)
    {
        if (loc.Mount.ReadOnly) return -(long)Errno.EROFS;
        long r = XattrRules.CheckPermission(loc.Inode, ctx.Creds, name, write: true);
        if (r < 0) return r;
        r = XattrRules.CheckNamespace(name);
        return r < 0 ? r : loc.Inode.RemoveXattr(name);
    }

    /// <summary>fchmodat2: AT_SYMLINK_NOFOLLOW (a symlink's mode cannot change: EOPNOTSUPP) and AT_EMPTY_PATH.</summary>
    public long ChmodAt(FsContext ctx, Location? dirAt, string path, int mode, int atFlags)
    {
        if ((atFlags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return -(long)Errno.EINVAL;
        long r = Resolve(ctx, dirAt, path, atFlags, out var loc);
        if (r < 0) return r;
        if (loc.Inode.IsSymlink) return loc.Mount.ReadOnly ? -(long)Errno.EROFS : -(long)Errno.EOPNOTSUPP;
        return SetMode(ctx, loc, mode);
    }
}
