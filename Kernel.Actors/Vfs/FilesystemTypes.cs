using System.Globalization;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>Makes a new filesystem instance for mount(2) from its source and its option string (the data argument).</summary>
public delegate long FilesystemFactory(string source, string options, out Filesystem? fs);

/// <summary>
/// The filesystem types mount(2) knows, by name (<c>-t tmpfs</c>, <c>-t proc</c>...). A subsystem that provides a
/// filesystem registers a factory here; an unknown type gives ENODEV, as Linux does.
/// </summary>
public sealed class FilesystemTypes
{
    private readonly Dictionary<string, FilesystemFactory> _types = new(StringComparer.Ordinal);

    public FilesystemTypes()
    {
        Register("tmpfs", (string _, string options, out Filesystem? fs) => CreateTmpfs(options, out fs));
        // The VFS actor mounts the caller's IPC namespace's own instance; this factory only names the type.
        Register("mqueue", (string _, string _, out Filesystem? fs) =>
        {
            fs = null;
            return -(long)Errno.ENODEV;
        });
    }

    /// <summary>Memory the sandbox reports; tmpfs's size=N% and nr_inodes=N% are relative to it.</summary>
    public ulong MemoryBytes { get; set; } = 4UL << 30;

    /// <summary>Registers (or replaces) the factory of <paramref name="name"/>.</summary>
    public void Register(string name, FilesystemFactory factory) => _types[name] = factory;

    public bool IsRegistered(string name) => _types.ContainsKey(name);

    /// <summary>The registered names, for /proc/filesystems.</summary>
    public IEnumerable<string> Names => _types.Keys.Order(StringComparer.Ordinal);

    public long Create(string type, string source, string options, out Filesystem? fs)
    {
        fs = null;
        return _types.TryGetValue(type, out var factory) ? factory(source, options, out fs) : -(long)Errno.ENODEV;
    }

    private long CreateTmpfs(string options, out Filesystem? fs)
    {
        fs = null;
        long r = TmpfsOptions.Parse(options, MemoryBytes, out var o);
        if (r < 0) return r;
        var t = new Tmpfs("tmpfs", o.Mode ?? 0x3FF /* 01777 */, o.Uid ?? 0, o.Gid ?? 0);
        r = t.Configure(o, MemoryBytes);
        if (r < 0) return r;
        fs = t;
        return 0;
    }
}

/// <summary>tmpfs mount options: size=, nr_blocks=, nr_inodes=, mode=, uid=, gid= (and a few accepted as no-ops).</summary>
public sealed record TmpfsOptions(long? MaxPages, long? MaxInodes, uint? Mode, uint? Uid, uint? Gid)
{
    private const long PageSize = 4096;

    /// <summary>Parses a comma-separated option string; an unknown option or a bad value gives EINVAL.</summary>
    public static long Parse(string options, ulong memoryBytes, out TmpfsOptions result)
    {
        result = new TmpfsOptions(null, null, null, null, null);
        foreach (var item in options.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = item.IndexOf('=');
            string key = eq < 0 ? item : item[..eq];
            string? value = eq < 0 ? null : item[(eq + 1)..];
            switch (key)
            {
                case "size" when value is not null:
                {
                    if (!ParseSize(value, memoryBytes, out long bytes)) return -(long)Errno.EINVAL;
                    result = result with { MaxPages = (bytes + PageSize - 1) / PageSize };
                    break;
                }
                case "nr_blocks" when value is not null:
                {
                    if (!ParseSize(value, 0, out long blocks)) return -(long)Errno.EINVAL;
                    result = result with { MaxPages = blocks };
                    break;
                }
                case "nr_inodes" when value is not null:
                {
                    if (!ParseSize(value, memoryBytes / PageSize / 2, out long inodes)) return -(long)Errno.EINVAL;
                    result = result with { MaxInodes = inodes };
                    break;
                }
                case "mode" when value is not null:
                {
                    if (!TryOctal(value, out uint mode) || mode > 0xFFF /* 07777 */) return -(long)Errno.EINVAL;
                    result = result with { Mode = mode };
                    break;
                }
                case "uid" when value is not null:
                    if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint uid) || uid == uint.MaxValue) return -(long)Errno.EINVAL;
                    result = result with { Uid = uid };
                    break;
                case "gid" when value is not null:
                    if (!uint.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out uint gid) || gid == uint.MaxValue) return -(long)Errno.EINVAL;
                    result = result with { Gid = gid };
                    break;
                case "huge" when value is "never" or "always" or "within_size" or "advise" or "deny" or "force":
                case "mpol" when value is not null:
                case "inode32" or "inode64" or "noswap" when value is null:
                    break; // accepted; there is no swap, huge page or NUMA policy to apply
                default:
                    return -(long)Errno.EINVAL;
            }
        }
        return 0;
    }

    /// <summary>memparse: a number (decimal, 0x hex or 0 octal) with an optional k/m/g/t/p/e suffix, or N% of <paramref name="percentOf"/>.</summary>
    private static bool ParseSize(string s, ulong percentOf, out long value)
    {
        value = 0;
        if (s.EndsWith('%'))
        {
            if (percentOf == 0 || !ulong.TryParse(s[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong pct)) return false;
            value = (long)(percentOf / 100 * pct);
            return true;
        }
        int shift = 0;
        if (s.Length > 0)
        {
            shift = char.ToLowerInvariant(s[^1]) switch { 'k' => 10, 'm' => 20, 'g' => 30, 't' => 40, 'p' => 50, 'e' => 60, _ => 0 };
            if (shift != 0) s = s[..^1];
        }
        ulong n;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            if (!ulong.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out n)) return false;
        }
        else if (s.Length > 1 && s[0] == '0')
        {
            if (!TryOctal(s, out uint o)) return false;
            n = o;
        }
        else if (!ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out n)) return false;
        if (shift > 0 && n > (ulong)long.MaxValue >> shift) return false;
        value = (long)(n << shift);
        return value >= 0;
    }

    private static bool TryOctal(string s, out uint value)
    {
        value = 0;
        if (s.Length == 0 || s.Length > 11) return false;
        foreach (char c in s)
        {
            if (c < '0' || c > '7') return false;
            value = value * 8 + (uint)(c - '0');
        }
        return true;
    }
}
