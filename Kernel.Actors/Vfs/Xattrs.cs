using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>The extended attributes of one in-memory node (tmpfs, the overlay's upper layer).</summary>
public sealed class XattrStore
{
    public const int XATTR_CREATE = 1;
    public const int XATTR_REPLACE = 2;

    // Insertion order is kept so that listxattr is stable between calls.
    private readonly List<KeyValuePair<string, byte[]>> _items = [];
    private readonly object _lock = new();

    public long Get(string name, out byte[] value)
    {
        lock (_lock)
        {
            int i = IndexOf(name);
            value = i < 0 ? [] : _items[i].Value;
            return i < 0 ? -(long)Errno.ENODATA : 0;
        }
    }

    public List<string> Names()
    {
        lock (_lock) return _items.Select(kv => kv.Key).ToList();
    }

    public long Set(string name, byte[] value, int flags)
    {
        lock (_lock)
        {
            int i = IndexOf(name);
            if (i >= 0 && (flags & XATTR_CREATE) != 0) return -(long)Errno.EEXIST;
            if (i < 0 && (flags & XATTR_REPLACE) != 0) return -(long)Errno.ENODATA;
            var copy = (byte[])value.Clone();
            if (i >= 0) _items[i] = new(name, copy);
            else _items.Add(new(name, copy));
            return 0;
        }
    }

    public long Remove(string name)
    {
        lock (_lock)
        {
            int i = IndexOf(name);
            if (i < 0) return -(long)Errno.ENODATA;
            _items.RemoveAt(i);
            return 0;
        }
    }

    private int IndexOf(string name) => _items.FindIndex(kv => kv.Key == name);
}

/// <summary>Linux's xattr namespace and permission rules (fs/xattr.c), shared by every filesystem.</summary>
public static class XattrRules
{
    public const int NameMax = 255;
    public const int SizeMax = 65536;
    public const int ListMax = 65536;
    public const string User = "user.";
    public const string Trusted = "trusted.";
    /// <summary>The overlay keeps its own metadata in this namespace on Linux; it is never shown to the guest.</summary>
    public const string OverlayPrivate = "trusted.overlay.";

    /// <summary>Namespaces our filesystems store: user.* and trusted.*; other prefixes give EOPNOTSUPP, a bare prefix EINVAL.</summary>
    public static long CheckNamespace(string name)
    {
        foreach (var prefix in (ReadOnlySpan<string>)[User, Trusted])
            if (name.StartsWith(prefix, StringComparison.Ordinal))
                return name.Length == prefix.Length ? -(long)Errno.EINVAL : 0;
        return -(long)Errno.EOPNOTSUPP;
    }

    /// <summary>
    /// xattr_permission: trusted.* needs privilege (reads then see ENODATA, writes EPERM); user.* lives only on regular
    /// files and directories (ENODATA/EPERM elsewhere) and on sticky directories only their owner may write it; then the
    /// file's own read or write permission applies.
    /// </summary>
    public static long CheckPermission(Inode inode, Credentials creds, string name, bool write)
    {
        if (write && (inode.IsImmutable || inode.IsAppendOnly)) return -(long)Errno.EPERM;
        bool isSecurityOrSystem = name.StartsWith("security.", StringComparison.Ordinal) || name.StartsWith("system.", StringComparison.Ordinal);
        if (isSecurityOrSystem) return 0;
        if (name.StartsWith(Trusted, StringComparison.Ordinal))
            return creds.Euid == 0 ? 0 : write ? -(long)Errno.EPERM : -(long)Errno.ENODATA; // CAP_SYS_ADMIN
        if (name.StartsWith(User, StringComparison.Ordinal))
        {
            if (!inode.IsRegular && !inode.IsDirectory) return write ? -(long)Errno.EPERM : -(long)Errno.ENODATA;
            if (write && inode.IsDirectory && (inode.Mode & S_ISVTX) != 0 && !creds.IsRoot && creds.Fsuid != inode.Uid)
                return -(long)Errno.EPERM;
        }
        return Permission.Check(inode, creds, write ? Permission.MayWrite : Permission.MayRead);
    }

    /// <summary>Names a caller may see in a list: trusted.* only for a privileged caller.</summary>
    public static bool Visible(string name, Credentials creds) =>
        !name.StartsWith(Trusted, StringComparison.Ordinal) || creds.Euid == 0;
}
