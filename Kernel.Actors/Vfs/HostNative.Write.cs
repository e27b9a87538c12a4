using System.Runtime.InteropServices;
using System.Text;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

// The host calls that change a host directory (--rootfs-writable) and read its extended attributes. Every call takes a
// directory fd opened beneath the root (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS) and one validated name component,
// and none follows a symlink in that last component, so nothing outside the root can be reached or changed.
internal static unsafe partial class HostNative
{
    // These open flags have the same values on x86_64 and arm64.
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NONBLOCK = 0x800;
    public const int O_NOATIME = 0x40000;
    public const int AT_REMOVEDIR = 0x200;
    private const long SYS_fchmodat2 = 452; // the same number on every architecture
    private const long UTIME_OMIT = (1L << 30) - 2;

    [DllImport(Libc, EntryPoint = "openat", SetLastError = true)]
    private static extern int OpenAtRaw(int dirfd, byte* path, int flags, int mode);

    [DllImport(Libc, EntryPoint = "mkdirat", SetLastError = true)]
    private static extern int MkdirAtRaw(int dirfd, byte* path, uint mode);

    [DllImport(Libc, EntryPoint = "mknodat", SetLastError = true)]
    private static extern int MknodAtRaw(int dirfd, byte* path, uint mode, ulong dev);

    [DllImport(Libc, EntryPoint = "unlinkat", SetLastError = true)]
    private static extern int UnlinkAtRaw(int dirfd, byte* path, int flags);

    [DllImport(Libc, EntryPoint = "renameat2", SetLastError = true)]
    private static extern int RenameAt2Raw(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, uint flags);

    [DllImport(Libc, EntryPoint = "symlinkat", SetLastError = true)]
    private static extern int SymlinkAtRaw(byte* target, int dirfd, byte* path);

    [DllImport(Libc, EntryPoint = "linkat", SetLastError = true)]
    private static extern int LinkAtRaw(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);

    [DllImport(Libc, EntryPoint = "fchownat", SetLastError = true)]
    private static extern int FchownAtRaw(int dirfd, byte* path, uint uid, uint gid, int flags);

    [DllImport(Libc, EntryPoint = "fchmodat", SetLastError = true)]
    private static extern int FchmodAtRaw(int dirfd, byte* path, uint mode, int flags);

    [DllImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static extern long Syscall4Mode(long number, long dirfd, byte* path, long mode, long flags);

    [DllImport(Libc, EntryPoint = "fchmod", SetLastError = true)]
    private static extern int FchmodRaw(int fd, uint mode);

    [DllImport(Libc, EntryPoint = "fchown", SetLastError = true)]
    private static extern int FchownRaw(int fd, uint uid, uint gid);

    [DllImport(Libc, EntryPoint = "utimensat", SetLastError = true)]
    private static extern int UtimensAtRaw(int dirfd, byte* path, long* times, int flags);

    [DllImport(Libc, EntryPoint = "ftruncate64", SetLastError = true)]
    private static extern int FTruncateRaw(int fd, long length);

    [DllImport(Libc, EntryPoint = "fgetxattr", SetLastError = true)]
    private static extern nint FGetXattrRaw(int fd, byte* name, byte* value, nuint size);

    [DllImport(Libc, EntryPoint = "flistxattr", SetLastError = true)]
    private static extern nint FListXattrRaw(int fd, byte* list, nuint size);

    [DllImport(Libc, EntryPoint = "fsetxattr", SetLastError = true)]
    private static extern int FSetXattrRaw(int fd, byte* name, byte* value, nuint size, int flags);

    [DllImport(Libc, EntryPoint = "fremovexattr", SetLastError = true)]
    private static extern int FRemoveXattrRaw(int fd, byte* name);

    private static long Check(long r) => r < 0 ? Err() : r;

    /// <summary>openat(dirFd, name, flags|O_NOFOLLOW|O_CLOEXEC, mode) for one name component.</summary>
    public static long OpenAt(int dirFd, string name, int flags, uint mode, out int fd)
    {
        var p = CString(name);
        fixed (byte* pp = p) fd = OpenAtRaw(dirFd, pp, flags | O_NOFOLLOW | O_CLOEXEC, (int)mode);
        return fd < 0 ? Err() : 0;
    }

    public static long MkdirAt(int dirFd, string name, uint mode)
    {
        var p = CString(name);
        fixed (byte* pp = p) return Check(MkdirAtRaw(dirFd, pp, mode));
    }

    public static long MknodAt(int dirFd, string name, uint mode)
    {
        var p = CString(name);
        fixed (byte* pp = p) return Check(MknodAtRaw(dirFd, pp, mode, 0));
    }

    public static long UnlinkAt(int dirFd, string name, bool directory)
    {
        var p = CString(name);
        fixed (byte* pp = p) return Check(UnlinkAtRaw(dirFd, pp, directory ? AT_REMOVEDIR : 0));
    }

    public static long RenameAt2(int oldDirFd, string oldName, int newDirFd, string newName, uint flags)
    {
        var o = CString(oldName);
        var n = CString(newName);
        fixed (byte* op = o)
        fixed (byte* np = n)
            return Check(RenameAt2Raw(oldDirFd, op, newDirFd, np, flags));
    }

    /// <summary>symlinkat: the target is stored as text, never resolved by the host.</summary>
    public static long SymlinkAt(string target, int dirFd, string name)
    {
        var t = CString(target);
        var p = CString(name);
        fixed (byte* tp = t)
        fixed (byte* pp = p)
            return Check(SymlinkAtRaw(tp, dirFd, pp));
    }

    /// <summary>linkat without AT_SYMLINK_FOLLOW: links the named entry itself.</summary>
    public static long LinkAt(int oldDirFd, string oldName, int newDirFd, string newName)
    {
        var o = CString(oldName);
        var n = CString(newName);
        fixed (byte* op = o)
        fixed (byte* np = n)
            return Check(LinkAtRaw(oldDirFd, op, newDirFd, np, 0));
    }

    /// <summary>lchown of one entry (uint.MaxValue leaves an id unchanged).</summary>
    public static long LChownAt(int dirFd, string name, uint uid, uint gid)
    {
        var p = CString(name);
        fixed (byte* pp = p) return Check(FchownAtRaw(dirFd, pp, uid, gid, AT_SYMLINK_NOFOLLOW));
    }

    /// <summary>chmod of one entry without following it: fchmodat2(AT_SYMLINK_NOFOLLOW) where the host has it (Linux 6.6).</summary>
    public static long LChmodAt(int dirFd, string name, uint mode)
    {
        var p = CString(name);
        long r;
        fixed (byte* pp = p) r = Syscall4Mode(SYS_fchmodat2, dirFd, pp, mode, AT_SYMLINK_NOFOLLOW);
        if (r >= 0) return 0;
        r = Err();
        if (r != -(long)Errno.ENOSYS) return r;
        // Older hosts: check the entry is no symlink first; the guest's VFS actor is the only writer of this tree.
        r = StatAt(dirFd, name, 0, out var st);
        if (r < 0) return r;
        if ((st.Mode & OpenFlags.S_IFMT) == OpenFlags.S_IFLNK) return -(long)Errno.EOPNOTSUPP;
        fixed (byte* pp = p) return Check(FchmodAtRaw(dirFd, pp, mode, 0));
    }

    public static long FChmod(int fd, uint mode) => Check(FchmodRaw(fd, mode));
    public static long FChown(int fd, uint uid, uint gid) => Check(FchownRaw(fd, uid, gid));

    /// <summary>utimensat(AT_SYMLINK_NOFOLLOW); a null time is left unchanged.</summary>
    public static long LUtimesAt(int dirFd, string name, Timespec? atime, Timespec? mtime)
    {
        var p = CString(name);
        long* times = stackalloc long[4];
        times[0] = atime?.Sec ?? 0;
        times[1] = atime?.Nsec ?? UTIME_OMIT;
        times[2] = mtime?.Sec ?? 0;
        times[3] = mtime?.Nsec ?? UTIME_OMIT;
        fixed (byte* pp = p) return Check(UtimensAtRaw(dirFd, pp, times, AT_SYMLINK_NOFOLLOW));
    }

    public static long FTruncate(int fd, long length) => Check(FTruncateRaw(fd, length));

    /// <summary>statx of <paramref name="name"/> in <paramref name="dirFd"/> without following it.</summary>
    public static long StatAt(int dirFd, string name, ulong dev, out StatInfo st)
    {
        st = default;
        long r = OpenAt(dirFd, name, O_PATH, 0, out int fd);
        if (r < 0) return r;
        r = FStat(fd, dev, out st);
        Close(fd);
        return r;
    }

    public static long FGetXattr(int fd, string name, out byte[] value)
    {
        value = [];
        var n = CString(name);
        nint size;
        fixed (byte* np = n) size = FGetXattrRaw(fd, np, null, 0);
        if (size < 0) return Err();
        var buf = new byte[size];
        fixed (byte* np = n)
        fixed (byte* b = buf)
            size = FGetXattrRaw(fd, np, b, (nuint)buf.Length);
        if (size < 0) return Err();
        value = buf.AsSpan(0, (int)size).ToArray();
        return 0;
    }

    public static long FListXattr(int fd, out List<string> names)
    {
        names = [];
        nint size = FListXattrRaw(fd, null, 0);
        if (size < 0) return Err();
        var buf = new byte[size];
        fixed (byte* b = buf) size = FListXattrRaw(fd, b, (nuint)buf.Length);
        if (size < 0) return Err();
        foreach (var part in buf.AsSpan(0, (int)size).ToArray().Split((byte)0))
            if (part.Length > 0) names.Add(Encoding.UTF8.GetString(part));
        return 0;
    }

    private static IEnumerable<byte[]> Split(this byte[] data, byte separator)
    {
        int start = 0;
        for (int i = 0; i <= data.Length; i++)
        {
            if (i < data.Length && data[i] != separator) continue;
            yield return data[start..i];
            start = i + 1;
        }
    }

    public static long FSetXattr(int fd, string name, byte[] value, int flags)
    {
        var n = CString(name);
        fixed (byte* np = n)
        fixed (byte* vp = value)
            return Check(FSetXattrRaw(fd, np, vp, (nuint)value.Length, flags));
    }

    public static long FRemoveXattr(int fd, string name)
    {
        var n = CString(name);
        fixed (byte* np = n) return Check(FRemoveXattrRaw(fd, np));
    }
}
