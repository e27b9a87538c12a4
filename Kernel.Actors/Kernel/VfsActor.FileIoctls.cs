using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// The ioctls every file has (do_vfs_ioctl's) beyond the FIO* ones: chattr/lsattr's inode flags (FS_IOC_GETFLAGS/SETFLAGS,
// FS_IOC_FSGETXATTR/FSSETXATTR; the VFS enforces immutable and append-only wherever Linux does), and the extent
// and freeze calls our filesystems lack (FICLONE, FICLONERANGE, FIDEDUPERANGE, FS_IOC_FIEMAP, FIFREEZE, FITHAW),
// refused with the errno Linux gives for tmpfs after its own checks.
public sealed partial class VfsActor
{
    // FS_IOC32_GETFLAGS/SETFLAGS are for 32-bit callers only: an arm64 process gets ENOTTY for them, as on Linux.
    private const uint FsIocGetFlags = 0x80086601, FsIocSetFlags = 0x40086602, FsIocFsGetXattr = 0x801c581f, FsIocFsSetXattr = 0x401c5820;
    private const int FsxattrSize = 28;
    private const uint FiClone = 0x40049409, FiCloneRange = 0x4020940d, FiDedupeRange = 0xc0189436, FsIocFiemap = 0xc020660b,
        FiFreeze = 0xc0045877, FiThaw = 0xc0045878;

    /// <summary>The generic file ioctls, or null for another request.</summary>
    private KernelReply? FileIoctl(IoctlFile r, OpenFile file) => r.Request switch
    {
        FiClone => CloneRange(r, file, (int)r.Argument),
        // struct file_clone_range starts with its __s64 src_fd.
        FiCloneRange => ReadArgument(r, 32) is { } range ? CloneRange(r, file, (int)BitConverter.ToInt64(range)) : new Failed(Errno.EFAULT),
        FiDedupeRange => ReadArgument(r, 24) is null ? new Failed(Errno.EFAULT) : new Failed(Errno.EOPNOTSUPP),
        FsIocFiemap => new Failed(Errno.EOPNOTSUPP), // no filesystem of ours maps extents (no ->fiemap)
        FiFreeze or FiThaw when !r.Task.Settings.Has(Capabilities.SysAdmin) => new Failed(Errno.EPERM),
        FiFreeze => new Failed(Errno.EOPNOTSUPP), // nothing to freeze: no filesystem of ours has freeze_fs
        FiThaw => new Failed(Errno.EINVAL), // never frozen
        _ => InodeFlagsIoctl(r, file),
    };

    /// <summary>The ioctl's argument struct of <paramref name="size"/> bytes; null when it cannot be read (EFAULT).</summary>
    private static byte[]? ReadArgument(IoctlFile r, int size)
    {
        var b = new byte[size];
        return P(r.Task).Mm.Read(r.Argument, b) == Errno.None ? b : null;
    }

    /// <summary>FICLONE(RANGE): vfs_clone_file_range's checks, then EOPNOTSUPP (no filesystem of ours shares extents).</summary>
    private KernelReply CloneRange(IoctlFile r, OpenFile dest, int srcFd)
    {
        var src = P(r.Task).Files.GetFile(srcFd);
        if (src is null || src.IsPathOnly) return new Failed(Errno.EBADF);
        var (si, di) = (src.Location?.Inode, dest.Location?.Inode);
        // Pipes and other anonymous files live on their own pseudo filesystem.
        if (!ReferenceEquals(si?.Fs, di?.Fs) || si is null) return new Failed(Errno.EXDEV);
        if (si.IsDirectory || di!.IsDirectory) return new Failed(Errno.EISDIR);
        if (!si.IsRegular || !di.IsRegular) return new Failed(Errno.EINVAL);
        if (!src.CanRead || !dest.CanWrite || (dest.StatusFlags & OAppend) != 0) return new Failed(Errno.EBADF);
        return new Failed(Errno.EOPNOTSUPP);
    }

    /// <summary>The inode-flag ioctls, or null for another request.</summary>
    private KernelReply? InodeFlagsIoctl(IoctlFile r, OpenFile file)
    {
        if (r.Request is not (FsIocGetFlags or FsIocSetFlags or FsIocFsGetXattr or FsIocFsSetXattr))
            return null;
        var process = P(r.Task);
        var mem = process.Mm;
        var loc = file.Location;
        switch (r.Request)
        {
            case FsIocGetFlags or FsIocFsGetXattr:
            {
                if (loc is null) return new Failed(Errno.ENOTTY);
                long e = loc.Inode.GetAttrFlags(out uint flags);
                if (e < 0) return Result(e);
                if (r.Request != FsIocFsGetXattr) return CopyOutInt(mem, r.Argument, (int)flags);
                var fsx = new byte[FsxattrSize];
                BitConverter.TryWriteBytes(fsx, InodeFlags.ToXflags(flags));
                return mem.Write(r.Argument, fsx) != Errno.None ? new Failed(Errno.EFAULT) : new Done(0);
            }
            default:
            {
                if (ReadArgument(r, r.Request == FsIocFsSetXattr ? FsxattrSize : 4) is not { } arg) return new Failed(Errno.EFAULT);
                if (loc is null) return new Failed(Errno.ENOTTY);
                if (loc.Mount.ReadOnly) return new Failed(Errno.EROFS);
                var inode = loc.Inode;
                long e = inode.GetAttrFlags(out uint old);
                if (e < 0) return Result(e);
                var creds = process.Fs.Creds;
                if (creds.Fsuid != inode.Uid && !r.Task.Settings.Has(Capabilities.Fowner)) return new Failed(Errno.EPERM);
                uint flags = BitConverter.ToUInt32(arg);
                if (r.Request == FsIocFsSetXattr)
                {
                    // Only the xflags that have an FS_*_FL twin: our filesystems keep no extent sizes or project ids,
                    // so those refuse the call as tmpfs does (EOPNOTSUPP).
                    uint xflags = flags;
                    bool extra = BitConverter.ToUInt32(arg, 4) != 0 || BitConverter.ToUInt32(arg, 12) != 0 || BitConverter.ToUInt32(arg, 16) != 0;
                    if (extra || (xflags & ~InodeFlags.XflagsCommon) != 0) return new Failed(Errno.EOPNOTSUPP);
                    flags = (old & ~InodeFlags.Common) | InodeFlags.FromXflags(xflags);
                }
                if (((old ^ flags) & (InodeFlags.Append | InodeFlags.Immutable)) != 0 && !r.Task.Settings.Has(Capabilities.LinuxImmutable))
                    return new Failed(Errno.EPERM);
                e = inode.SetAttrFlags(flags);
                if (e == 0) sandbox.Vfs.Notify.Changed(loc, FsNotify.Attrib);
                return Result(e);
            }
        }
    }
}
