using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>The few host calls the VFS makes. Paths passed here are either the operator's host directories or
/// relative paths without symlinks, "." or ".." components, opened only beneath a root fd with openat2.</summary>
internal static unsafe partial class HostNative
{
    private const string Libc = "libc.so.6";

    private static readonly bool Arm64Host = RuntimeInformation.ProcessArchitecture == Architecture.Arm64;
    // Host open flags: O_DIRECTORY and O_NOFOLLOW differ between x86_64 and arm64.
    public const int O_RDONLY = 0;
    public const ulong FS_IOC_GETFLAGS = 0x80086601, FS_IOC_SETFLAGS = 0x40086602;
    public const int O_PATH = 0x200000;
    public const int O_CLOEXEC = 0x80000;
    public static int O_DIRECTORY => Arm64Host ? 0x4000 : 0x10000;
    public static int O_NOFOLLOW => Arm64Host ? 0x8000 : 0x20000;

    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_NO_SYMLINKS = 0x04;
    public const ulong RESOLVE_BENEATH = 0x08;
    private const long SYS_openat2 = 437; // the same number on every architecture

    public const int AT_EMPTY_PATH = 0x1000;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;

    [StructLayout(LayoutKind.Sequential)]
    private struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    [DllImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static extern long Syscall4(long number, long a0, byte* a1, OpenHow* a2, nuint a3);

    [DllImport(Libc, EntryPoint = "open", SetLastError = true)]
    private static extern int OpenRaw(byte* path, int flags, int mode);

    [DllImport(Libc, EntryPoint = "close")]
    public static extern int Close(int fd);

    [DllImport(Libc, EntryPoint = "dup", SetLastError = true)]
    public static extern int Dup(int fd);

    [DllImport(Libc, EntryPoint = "read", SetLastError = true)]
    private static extern nint ReadRaw(int fd, byte* buf, nuint count);

    [DllImport(Libc, EntryPoint = "write", SetLastError = true)]
    private static extern nint WriteRaw(int fd, byte* buf, nuint count);

    [DllImport(Libc, EntryPoint = "pread64", SetLastError = true)]
    private static extern nint PReadRaw(int fd, byte* buf, nuint count, long offset);

    [DllImport(Libc, EntryPoint = "pwrite64", SetLastError = true)]
    private static extern nint PWriteRaw(int fd, byte* buf, nuint count, long offset);

    [DllImport(Libc, EntryPoint = "lseek64", SetLastError = true)]
    private static extern long LSeekRaw(int fd, long offset, int whence);

    [DllImport(Libc, EntryPoint = "readlinkat", SetLastError = true)]
    private static extern nint ReadLinkAtRaw(int dirfd, byte* path, byte* buf, nuint size);

    [DllImport(Libc, EntryPoint = "statx", SetLastError = true)]
    private static extern int StatxRaw(int dirfd, byte* path, int flags, uint mask, byte* buf);

    [DllImport(Libc, EntryPoint = "fstatfs64", SetLastError = true)]
    private static extern int FStatFsRaw(int fd, byte* buf);

    [DllImport(Libc, EntryPoint = "getdents64", SetLastError = true)]
    private static extern nint GetDents64Raw(int fd, byte* buf, nuint count);

    [DllImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static extern int IoctlRaw(int fd, ulong request, byte* arg);

    [DllImport(Libc, EntryPoint = "isatty")]
    public static extern int IsATty(int fd);

    private static long Err() => -(long)Marshal.GetLastPInvokeError();

    private static byte[] CString(string s)
    {
        var b = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, b);
        return b;
    }

    /// <summary>Opens an operator-given host directory as an O_PATH root fd.</summary>
    public static long OpenDirectoryPath(string hostPath, out int fd)
    {
        var p = CString(hostPath);
        fixed (byte* pp = p) fd = OpenRaw(pp, O_PATH | O_DIRECTORY | O_CLOEXEC, 0);
        return fd < 0 ? Err() : 0;
    }

    /// <summary>openat2(rootFd, relative, flags, RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS).</summary>
    public static long OpenBeneath(int rootFd, string relative, int flags, out int fd)
    {
        var p = CString(relative.Length == 0 ? "." : relative);
        var how = new OpenHow
        {
            Flags = (ulong)(uint)(flags | O_CLOEXEC),
            Resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        long r = 0;
        // openat2 may fail with EAGAIN when a concurrent rename races the resolution: retry a little.
        for (int attempt = 0; attempt < 8; attempt++)
        {
            fixed (byte* pp = p) r = Syscall4(SYS_openat2, rootFd, pp, &how, (nuint)sizeof(OpenHow));
            if (r >= 0) break;
            r = Err();
            if (r != -(long)Errno.EAGAIN) break;
        }
        fd = r >= 0 ? (int)r : -1;
        return r < 0 ? r : 0;
    }

    public static long Read(int fd, Span<byte> buf)
    {
        while (true)
        {
            nint r;
            fixed (byte* b = buf) r = ReadRaw(fd, b, (nuint)buf.Length);
            if (r >= 0) return r;
            long e = Err();
            if (e != -(long)Errno.EINTR) return e;
        }
    }

    public static long Write(int fd, ReadOnlySpan<byte> buf)
    {
        while (true)
        {
            nint r;
            fixed (byte* b = buf) r = WriteRaw(fd, b, (nuint)buf.Length);
            if (r >= 0) return r;
            long e = Err();
            if (e != -(long)Errno.EINTR) return e;
        }
    }

    public static long PRead(int fd, Span<byte> buf, long offset)
    {
        while (true)
        {
            nint r;
            fixed (byte* b = buf) r = PReadRaw(fd, b, (nuint)buf.Length, offset);
            if (r >= 0) return r;
            long e = Err();
            if (e != -(long)Errno.EINTR) return e;
        }
    }

    public static long PWrite(int fd, ReadOnlySpan<byte> buf, long offset)
    {
        nint r;
        fixed (byte* b = buf) r = PWriteRaw(fd, b, (nuint)buf.Length, offset);
        return r >= 0 ? r : Err();
    }

    public static long LSeek(int fd, long offset, int whence)
    {
        long r = LSeekRaw(fd, offset, whence);
        return r >= 0 ? r : Err();
    }

    /// <summary>readlinkat(dirFd, name) for a single name component.</summary>
    public static long ReadLinkAt(int dirFd, string name, out string target)
    {
        target = "";
        var p = CString(name);
        var buf = new byte[4096];
        nint r;
        fixed (byte* pp = p)
        fixed (byte* b = buf)
            r = ReadLinkAtRaw(dirFd, pp, b, (nuint)buf.Length);
        if (r < 0) return Err();
        target = Encoding.UTF8.GetString(buf, 0, (int)r);
        return 0;
    }

    /// <summary>statx of an fd itself (AT_EMPTY_PATH), converted with <paramref name="dev"/> as st_dev.</summary>
    public static long FStat(int fd, ulong dev, out StatInfo st)
    {
        st = default;
        byte* buf = stackalloc byte[256];
        byte empty = 0;
        if (StatxRaw(fd, &empty, AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW, StatInfo.STATX_BASIC_STATS | StatInfo.STATX_BTIME, buf) < 0) return Err();
        var s = new ReadOnlySpan<byte>(buf, 256);
        bool hasBirth = (BinaryPrimitives.ReadUInt32LittleEndian(s) & StatInfo.STATX_BTIME) != 0;
        st = new StatInfo(
            Dev: dev,
            Ino: BinaryPrimitives.ReadUInt64LittleEndian(s[32..]),
            Mode: BinaryPrimitives.ReadUInt16LittleEndian(s[28..]),
            Nlink: BinaryPrimitives.ReadUInt32LittleEndian(s[16..]),
            Uid: BinaryPrimitives.ReadUInt32LittleEndian(s[20..]),
            Gid: BinaryPrimitives.ReadUInt32LittleEndian(s[24..]),
            Rdev: StatInfo.MakeDev(BinaryPrimitives.ReadUInt32LittleEndian(s[128..]), BinaryPrimitives.ReadUInt32LittleEndian(s[132..])),
            Size: BinaryPrimitives.ReadInt64LittleEndian(s[40..]),
            BlkSize: (int)BinaryPrimitives.ReadUInt32LittleEndian(s[4..]),
            Blocks: BinaryPrimitives.ReadInt64LittleEndian(s[48..]),
            AtimeSec: BinaryPrimitives.ReadInt64LittleEndian(s[64..]),
            AtimeNsec: BinaryPrimitives.ReadUInt32LittleEndian(s[72..]),
            MtimeSec: BinaryPrimitives.ReadInt64LittleEndian(s[112..]),
            MtimeNsec: BinaryPrimitives.ReadUInt32LittleEndian(s[120..]),
            CtimeSec: BinaryPrimitives.ReadInt64LittleEndian(s[96..]),
            CtimeNsec: BinaryPrimitives.ReadUInt32LittleEndian(s[104..]))
        {
            Btime = hasBirth ? new Timespec(BinaryPrimitives.ReadInt64LittleEndian(s[80..]), BinaryPrimitives.ReadUInt32LittleEndian(s[88..])) : null,
        };
        return 0;
    }

    /// <summary>fstatfs; the 64-bit struct statfs layout is the same on x86_64 and arm64.</summary>
    public static long FStatFs(int fd, out StatFsInfo st)
    {
        st = default;
        byte* buf = stackalloc byte[120];
        if (FStatFsRaw(fd, buf) < 0) return Err();
        var s = new ReadOnlySpan<byte>(buf, 120);
        st = new StatFsInfo(BinaryPrimitives.ReadInt64LittleEndian(s), BinaryPrimitives.ReadInt64LittleEndian(s[8..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[16..]), BinaryPrimitives.ReadUInt64LittleEndian(s[24..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[32..]), BinaryPrimitives.ReadUInt64LittleEndian(s[40..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[48..]), BinaryPrimitives.ReadUInt64LittleEndian(s[56..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[64..]), BinaryPrimitives.ReadInt64LittleEndian(s[72..]),
            BinaryPrimitives.ReadInt64LittleEndian(s[80..]));
        return 0;
    }

    /// <summary>All entries of a host directory fd (without "." and "..").</summary>
    public static long ReadAllEntries(int fd, List<DirEntry> entries)
    {
        var buf = new byte[32768];
        while (true)
        {
            nint n;
            fixed (byte* b = buf) n = GetDents64Raw(fd, b, (nuint)buf.Length);
            if (n < 0) return Err();
            if (n == 0) return 0;
            int pos = 0;
            while (pos < n)
            {
                ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(buf.AsSpan(pos));
                int reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf.AsSpan(pos + 16));
                byte type = buf[pos + 18];
                var nameSpan = buf.AsSpan(pos + 19, reclen - 19);
                int nul = nameSpan.IndexOf((byte)0);
                string name = Encoding.UTF8.GetString(nul >= 0 ? nameSpan[..nul] : nameSpan);
                if (name != "." && name != "..") entries.Add(new DirEntry(name, ino, type));
                pos += reclen;
            }
        }
    }

    public static long Ioctl(int fd, ulong request, Span<byte> arg)
    {
        int r;
        fixed (byte* a = arg) r = IoctlRaw(fd, request, a);
        return r < 0 ? Err() : r;
    }
}
