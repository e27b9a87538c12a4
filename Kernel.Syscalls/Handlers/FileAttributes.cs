using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>chmod, chown and utimensat by fd and by path, and mknodat.</summary>
public static partial class FileSystem
{
    private const int AtEmptyPath = 0x1000;
    private const long UtimeNow = (1L << 30) - 1, UtimeOmit = (1L << 30) - 2;

    [Syscall(52, "fchmod", Support.Full, "Fully supported.")]
    public static SyscallResult Fchmod(ISyscallContext c) => Send(new ChangeMode(c.Task, c.Int(0), null, c.Int(1), 0));

    [Syscall(53, "fchmodat", Support.Full, "Fully supported.")]
    public static SyscallResult Fchmodat(ISyscallContext c)
    {
        var e = c.Path(1, out var path);
        return e != Errno.None ? e : Send(new ChangeMode(c.Task, c.Int(0), path, c.Int(2), 0));
    }

    [Syscall(55, "fchown", Support.Full, "Fully supported.")]
    public static SyscallResult Fchown(ISyscallContext c) => Send(new ChangeOwner(c.Task, c.Int(0), null, c.UInt(1), c.UInt(2), 0));

    [Syscall(54, "fchownat", Support.Full, "Fully supported.")]
    public static SyscallResult Fchownat(ISyscallContext c)
    {
        var flags = c.Int(4);
        if ((flags & ~(AtSymlinkNoFollow | AtEmptyPath)) != 0) return Errno.EINVAL;
        var e = c.Path(1, out var path);
        return e != Errno.None ? e : Send(new ChangeOwner(c.Task, c.Int(0), path, c.UInt(2), c.UInt(3), flags));
    }

    [Syscall(88, "utimensat", Support.Full, "Fully supported, including UTIME_NOW, UTIME_OMIT and a NULL path (the fd itself).")]
    public static SyscallResult Utimensat(ISyscallContext c)
    {
        var flags = c.Int(3);
        if ((flags & ~(AtSymlinkNoFollow | AtEmptyPath)) != 0) return Errno.EINVAL;
        (long, long)? atime = null, mtime = null;
        var explicitTimes = false;
        var now = Now();
        if (c.Arg(2) == 0)
        {
            atime = mtime = now;
        }
        else
        {
            var raw = new byte[32];
            if (c.Memory.Read(c.Arg(2), raw) != Errno.None) return Errno.EFAULT;
            var times = new (long Sec, long Nsec)[2];
            for (var i = 0; i < 2; i++)
            {
                times[i] = (BitConverter.ToInt64(raw, 16 * i), BitConverter.ToInt64(raw, 16 * i + 8));
                var ns = times[i].Nsec;
                if (ns != UtimeNow && ns != UtimeOmit && (ns < 0 || ns > 999_999_999)) return Errno.EINVAL;
            }
            (long, long)? Pick((long Sec, long Nsec) t)
            {
                if (t.Nsec == UtimeOmit) return null;
                if (t.Nsec == UtimeNow) return now;
                explicitTimes = true;
                return t;
            }
            atime = Pick(times[0]);
            mtime = Pick(times[1]);
            if (atime is null && mtime is null) return 0; // Linux returns at once, even for a bad path
        }
        string? path = null;
        if (c.Arg(1) != 0)
        {
            var e = c.Path(1, out var p);
            if (e != Errno.None) return e;
            path = p;
        }
        else if (c.Int(0) == Args.AtFdCwd)
        {
            return Errno.EFAULT; // a NULL path needs a real descriptor
        }
        else if (flags != 0)
        {
            return Errno.EINVAL; // the descriptor itself takes no flags (do_utimes_fd)
        }
        return Send(new SetFileTimes(c.Task, c.Int(0), path, atime, mtime, explicitTimes, flags));
    }

    [Syscall(33, "mknodat", Support.Full, "Regular files, FIFOs (a blocking open waits for the other end, parked in the VFS actor) and socket nodes (open gives ENXIO); device nodes for root (CAP_MKNOD): a character node opens the sandbox's device of its number (1:3 null, 1:5 zero, 1:7 full, 1:8 random, 1:9 urandom, 5:0 tty, 5:1 console), any other number ENXIO as on a Linux without that driver; nodev mounts give EACCES.")]
    public static SyscallResult Mknodat(ISyscallContext c)
    {
        var e = c.Path(1, out var path);
        return e != Errno.None ? e : Send(new MakeNodeAt(c.Task, c.Int(0), path, c.Int(2), c.Arg(3)));
    }

    private static (long, long) Now()
    {
        var t = DateTimeOffset.UtcNow;
        var ticks = t.Ticks - DateTimeOffset.UnixEpoch.Ticks;
        return (ticks / TimeSpan.TicksPerSecond, ticks % TimeSpan.TicksPerSecond * 100);
    }

    private static SyscallResult Send(AttributeRequest r) => SyscallResult.Send(r);
}
