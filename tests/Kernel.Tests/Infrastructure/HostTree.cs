using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Kernel.Tests.Infrastructure;

/// <summary>
/// Records everything about a host directory tree that a guest could change: every entry's type, mode, owner, size,
/// contents, link target, inode and link count, and its modification, change and (except for symlinks) access times,
/// read with lstat semantics. Two snapshots are equal only if nothing in the tree changed.
/// </summary>
public static unsafe class HostTree
{
    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, byte* path, int flags, uint mask, byte* buf);

    [DllImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    private static extern int LSetXattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [DllImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static extern nint LGetXattr(byte* path, byte* name, byte* value, nuint size);

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifo(byte* path, uint mode);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte* path, int flags, int mode);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    private static extern nint Read(int fd, byte* buf, nuint count);

    [DllImport("libc", EntryPoint = "getdents64", SetLastError = true)]
    private static extern nint GetDents64(int fd, byte* buf, nuint count);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100;
    // Host (x86_64 or arm64) open flags; O_DIRECTORY differs between the two.
    private const int ONoAtime = 0x40000, OCloexec = 0x80000, ONoFollow64 = 0x20000, ONoFollowArm = 0x8000;
    private static readonly bool Arm64Host = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
    private static int ODirectory => Arm64Host ? 0x4000 : 0x10000;
    private static int ONoFollow => Arm64Host ? ONoFollowArm : ONoFollow64;

    /// <summary>Opens without updating the access time (O_NOATIME: the tests run as the files' owner or root).</summary>
    private static int OpenNoAtime(string path, int flags)
    {
        var p = C(path);
        int fd;
        fixed (byte* pp = p) fd = Open(pp, flags | ONoAtime | OCloexec | ONoFollow, 0);
        if (fd < 0) throw new IOException($"open {path}: errno {Marshal.GetLastPInvokeError()}");
        return fd;
    }

    private static byte[] ReadFile(string path)
    {
        int fd = OpenNoAtime(path, 0);
        try
        {
            var ms = new MemoryStream();
            var buf = new byte[65536];
            while (true)
            {
                nint n;
                fixed (byte* b = buf) n = Read(fd, b, (nuint)buf.Length);
                if (n < 0) throw new IOException($"read {path}: errno {Marshal.GetLastPInvokeError()}");
                if (n == 0) return ms.ToArray();
                ms.Write(buf, 0, (int)n);
            }
        }
        finally { Close(fd); }
    }

    private static List<string> ReadDir(string path)
    {
        int fd = OpenNoAtime(path, ODirectory);
        var names = new List<string>();
        try
        {
            var buf = new byte[32768];
            while (true)
            {
                nint n;
                fixed (byte* b = buf) n = GetDents64(fd, b, (nuint)buf.Length);
                if (n < 0) throw new IOException($"getdents64 {path}: errno {Marshal.GetLastPInvokeError()}");
                if (n == 0) return names;
                for (int pos = 0; pos < n;)
                {
                    int reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(pos + 16));
                    var name = buf.AsSpan(pos + 19, reclen - 19);
                    name = name[..name.IndexOf((byte)0)];
                    var s = Encoding.UTF8.GetString(name);
                    if (s is not ("." or "..")) names.Add(s);
                    pos += reclen;
                }
            }
        }
        finally { Close(fd); }
    }

    public sealed record Stat(uint Mode, uint Uid, uint Gid, long Size, ulong Ino, uint Nlink,
        long MtimeSec, uint MtimeNsec, long CtimeSec, uint CtimeNsec, long AtimeSec, uint AtimeNsec);

    private static byte[] C(string s) => Encoding.UTF8.GetBytes(s + "\0");

    /// <summary>lstat with nanosecond times.</summary>
    public static Stat LStat(string path)
    {
        var p = C(path);
        var buf = new byte[256];
        fixed (byte* pp = p)
        fixed (byte* b = buf)
            if (Statx(AtFdCwd, pp, AtSymlinkNoFollow, 0xFFF, b) != 0)
                throw new IOException($"statx {path}: errno {Marshal.GetLastPInvokeError()}");
        var s = buf.AsSpan();
        return new Stat(BinaryPrimitives.ReadUInt16LittleEndian(s[28..]), BinaryPrimitives.ReadUInt32LittleEndian(s[20..]),
            BinaryPrimitives.ReadUInt32LittleEndian(s[24..]), BinaryPrimitives.ReadInt64LittleEndian(s[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[32..]), BinaryPrimitives.ReadUInt32LittleEndian(s[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[112..]), BinaryPrimitives.ReadUInt32LittleEndian(s[120..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[96..]), BinaryPrimitives.ReadUInt32LittleEndian(s[104..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[64..]), BinaryPrimitives.ReadUInt32LittleEndian(s[72..]));
    }

    public static void SetXattr(string path, string name, string value)
    {
        var p = C(path);
        var n = C(name);
        var v = Encoding.UTF8.GetBytes(value);
        fixed (byte* pp = p)
        fixed (byte* np = n)
        fixed (byte* vp = v)
            if (LSetXattr(pp, np, vp, (nuint)v.Length, 0) != 0)
                throw new IOException($"lsetxattr {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    public static string? GetXattr(string path, string name)
    {
        var p = C(path);
        var n = C(name);
        var v = new byte[4096];
        nint r;
        fixed (byte* pp = p)
        fixed (byte* np = n)
        fixed (byte* vp = v)
            r = LGetXattr(pp, np, vp, (nuint)v.Length);
        return r < 0 ? null : Encoding.UTF8.GetString(v, 0, (int)r);
    }

    public static void MakeFifo(string path)
    {
        var p = C(path);
        fixed (byte* pp = p)
            if (MkFifo(pp, 0x1A4) != 0) throw new IOException($"mkfifo {path}: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>One line per entry, sorted by path. Reads with O_NOATIME, so taking a snapshot changes nothing.</summary>
    public static IReadOnlyList<string> Snapshot(string root)
    {
        var lines = new List<string>();
        var paths = new List<string> { root };
        for (int i = 0; i < paths.Count; i++)
        {
            var dir = paths[i];
            if ((LStat(dir).Mode & 0xF000) != 0x4000) continue;
            foreach (var e in ReadDir(dir).Order(StringComparer.Ordinal)) paths.Add(Path.Combine(dir, e));
        }
        foreach (var path in paths)
        {
            var st = LStat(path);
            uint type = st.Mode & 0xF000;
            var rel = Path.GetRelativePath(root, path);
            string atime = type == 0xA000 ? "-" : $"{st.AtimeSec}.{st.AtimeNsec:D9}";
            string extra = type switch
            {
                0x8000 => Convert.ToHexString(SHA256.HashData(ReadFile(path))),
                0xA000 => "-> " + new FileInfo(path).LinkTarget,
                _ => "",
            };
            lines.Add($"{rel} mode={Convert.ToString(st.Mode, 8)} uid={st.Uid} gid={st.Gid} size={st.Size} ino={st.Ino} nlink={st.Nlink} " +
                      $"mtime={st.MtimeSec}.{st.MtimeNsec:D9} ctime={st.CtimeSec}.{st.CtimeNsec:D9} atime={atime} {extra}");
        }
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }
}
