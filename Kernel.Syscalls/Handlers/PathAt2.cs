using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Syscalls.Handlers;

/// <summary>The newer *at calls whose extra argument is checked strictly: openat2 (struct open_how) and fchmodat2 (flags).</summary>
public static partial class PathAt2
{
    private const int OpenHowSizeVer0 = 24;
    private const int PageSize = 4096;
    private const ulong ResolveNoXdev = 0x01, ResolveNoMagicLinks = 0x02, ResolveNoSymlinks = 0x04, ResolveBeneath = 0x08,
        ResolveInRoot = 0x10, ResolveCached = 0x20;
    private const ulong ValidResolve = ResolveNoXdev | ResolveNoMagicLinks | ResolveNoSymlinks | ResolveBeneath | ResolveInRoot | ResolveCached;
    private const int SyncBit = 0x100000; // __O_SYNC
    private const ulong ValidOpenFlags = O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC | O_ASYNC
        | O_DIRECT | O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | SyncBit | O_PATH | __O_TMPFILE;
    private const ulong PathFlags = O_DIRECTORY | O_NOFOLLOW | O_PATH | O_CLOEXEC;

    [Syscall(437, "openat2", Support.Partial, "struct open_how with every RESOLVE_* flag; RESOLVE_CACHED always gives EAGAIN (there is no lookup cache to answer from), so callers retry without it.")]
    public static SyscallResult OpenAt2(ISyscallContext c)
    {
        ulong size = c.Arg(3);
        if (size < OpenHowSizeVer0) return Errno.EINVAL;
        if (size > PageSize) return Errno.E2BIG;
        var how = new byte[size];
        var e = c.Memory.Read(c.Arg(2), how);
        if (e != Errno.None) return e;
        // A larger struct from a newer libc is fine as long as what we do not know is zero (copy_struct_from_user).
        if (how.AsSpan(OpenHowSizeVer0).IndexOfAnyExcept((byte)0) >= 0) return Errno.E2BIG;
        ulong flags = BitConverter.ToUInt64(how, 0), mode = BitConverter.ToUInt64(how, 8), resolve = BitConverter.ToUInt64(how, 16);
        var check = Validate(flags, mode, resolve);
        if (check != Errno.None) return check;
        return FileSystem.WithPath(c, 1, path =>
            SyscallResult.Send(new OpenHow(c.Task, c.Int(0), path, (int)flags, (int)mode, resolve)));
    }

    /// <summary>build_open_flags for openat2: every unknown or contradictory bit is EINVAL (plain openat ignores them).</summary>
    private static Errno Validate(ulong flags, ulong mode, ulong resolve)
    {
        if ((flags & ~ValidOpenFlags) != 0) return Errno.EINVAL;
        if ((resolve & ~ValidResolve) != 0) return Errno.EINVAL;
        if ((resolve & ResolveBeneath) != 0 && (resolve & ResolveInRoot) != 0) return Errno.EINVAL;
        bool creates = (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
        if (creates ? (mode & ~0xFFFUL) != 0 : mode != 0) return Errno.EINVAL;
        if ((flags & (O_DIRECTORY | O_CREAT)) == (O_DIRECTORY | O_CREAT)) return Errno.EINVAL;
        if ((flags & __O_TMPFILE) != 0)
        {
            if ((flags & O_DIRECTORY) == 0) return Errno.EINVAL;
            if ((flags & O_ACCMODE) is not (O_WRONLY or O_RDWR)) return Errno.EINVAL;
        }
        if ((flags & O_PATH) != 0 && (flags & ~PathFlags) != 0) return Errno.EINVAL;
        if ((resolve & ResolveCached) != 0)
        {
            // Nothing is answered from a cache here: every lookup would block on the filesystem.
            return Errno.EAGAIN;
        }
        return Errno.None;
    }

    [Syscall(452, "fchmodat2", Support.Full, "AT_SYMLINK_NOFOLLOW (a symlink's mode cannot change: EOPNOTSUPP) and AT_EMPTY_PATH.")]
    public static SyscallResult FchmodAt2(ISyscallContext c)
    {
        int flags = c.Int(3);
        if ((flags & ~(AtFlags.AT_SYMLINK_NOFOLLOW | AtFlags.AT_EMPTY_PATH)) != 0) return Errno.EINVAL;
        return FileSystem.WithPath(c, 1, path => SyscallResult.Send(new ChmodAt(c.Task, c.Int(0), path, c.Int(2) & 0xFFF, flags)));
    }
}
