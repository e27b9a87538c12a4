using System.Text;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>Paths and metadata: the calls that name files rather than use open ones.</summary>
public static partial class FileSystem
{
    private const int AtSymlinkNoFollow = 0x100;

    internal static SyscallResult WithPath(ISyscallContext c, int arg, Func<string, SyscallResult> next)
    {
        var e = c.Path(arg, out var path);
        return e != Errno.None ? e : next(path);
    }

    [Syscall(78, "readlinkat", Support.Full, "Fully supported.")]
    public static SyscallResult ReadLinkAt(ISyscallContext c)
    {
        var buffer = c.Arg(2);
        var size = c.Int(3);
        if (size <= 0) return Errno.EINVAL;
        return WithPath(c, 1, path => SyscallResult.Send(new ReadLinkAt(c.Task, c.Int(0), path), reply => reply switch
        {
            Text t => CopyTruncated(c, buffer, Encoding.UTF8.GetBytes(t.Value), size),
            Failed f => f.Errno,
            _ => Errno.EIO,
        }));
    }

    private static SyscallResult CopyTruncated(ISyscallContext c, ulong buffer, byte[] data, int size)
    {
        var n = Math.Min(data.Length, size);
        return c.CopyOut(buffer, data.AsSpan(0, n), n);
    }

    [Syscall(48, "faccessat", Support.Full, "Fully supported.")]
    public static SyscallResult FaccessAt(ISyscallContext c) =>
        WithPath(c, 1, path => SyscallResult.Send(new AccessAt(c.Task, c.Int(0), path, c.Int(2), 0)));

    [Syscall(439, "faccessat2", Support.Full, "Fully supported.")]
    public static SyscallResult FaccessAt2(ISyscallContext c) =>
        WithPath(c, 1, path => SyscallResult.Send(new AccessAt(c.Task, c.Int(0), path, c.Int(2), c.Int(3))));

    [Syscall(17, "getcwd", Support.Full, "Fully supported.")]
    public static SyscallResult GetCwd(ISyscallContext c)
    {
        var buffer = c.Arg(0);
        var size = c.Arg(1);
        return SyscallResult.Send(new GetWorkingDirectory(c.Task), reply =>
        {
            if (reply is not Text t) return reply is Failed f ? f.Errno : Errno.EIO;
            var bytes = Encoding.UTF8.GetBytes(t.Value + "\0");
            if ((ulong)bytes.Length > size) return Errno.ERANGE;
            return c.CopyOut(buffer, bytes, bytes.Length);
        });
    }

    [Syscall(49, "chdir", Support.Full, "Fully supported.")]
    public static SyscallResult Chdir(ISyscallContext c) =>
        WithPath(c, 0, path => SyscallResult.Send(new ChangeDirectory(c.Task, Args.AtFdCwd, path)));

    [Syscall(50, "fchdir", Support.Full, "Fully supported.")]
    public static SyscallResult Fchdir(ISyscallContext c) => SyscallResult.Send(new ChangeDirectory(c.Task, c.Int(0), null));

    [Syscall(34, "mkdirat", Support.Full, "Fully supported (on the overlay root, changes go to its in-memory upper layer).")]
    public static SyscallResult MkdirAt(ISyscallContext c) =>
        WithPath(c, 1, path => SyscallResult.Send(new MakeDirectoryAt(c.Task, c.Int(0), path, c.Int(2))));

    [Syscall(35, "unlinkat", Support.Full, "Fully supported (on the overlay root, changes go to its in-memory upper layer).")]
    public static SyscallResult UnlinkAt(ISyscallContext c) =>
        WithPath(c, 1, path => SyscallResult.Send(new UnlinkAt(c.Task, c.Int(0), path, c.Int(2))));

    [Syscall(36, "symlinkat", Support.Full, "Fully supported.")]
    public static SyscallResult SymlinkAt(ISyscallContext c) =>
        WithPath(c, 0, target => WithPath(c, 2, path => SyscallResult.Send(new SymlinkAt(c.Task, target, c.Int(1), path))));

    [Syscall(37, "linkat", Support.Full, "Fully supported (a lower-layer file of the overlay root is copied up first).")]
    public static SyscallResult LinkAt(ISyscallContext c) =>
        WithPath(c, 1, oldPath => WithPath(c, 3, newPath =>
            SyscallResult.Send(new LinkAt(c.Task, c.Int(0), oldPath, c.Int(2), newPath, c.Int(4)))));

    [Syscall(38, "renameat", Support.Full, "Fully supported; on the overlay root a directory with lower-layer contents gives EXDEV, as Linux overlayfs without redirect_dir.")]
    public static SyscallResult RenameAt(ISyscallContext c) =>
        WithPath(c, 1, oldPath => WithPath(c, 3, newPath =>
            SyscallResult.Send(new RenameAt(c.Task, c.Int(0), oldPath, c.Int(2), newPath, 0))));

    [Syscall(276, "renameat2", Support.Full, "RENAME_NOREPLACE, RENAME_EXCHANGE and RENAME_WHITEOUT (tmpfs and writable host roots; the overlay root refuses RENAME_WHITEOUT with EINVAL, as Linux overlayfs).")]
    public static SyscallResult RenameAt2(ISyscallContext c) =>
        WithPath(c, 1, oldPath => WithPath(c, 3, newPath =>
            SyscallResult.Send(new RenameAt(c.Task, c.Int(0), oldPath, c.Int(2), newPath, c.UInt(4)))));

    [Syscall(43, "statfs", Support.Full, "Fully supported.")]
    public static SyscallResult StatFs(ISyscallContext c)
    {
        var address = c.Arg(1);
        return WithPath(c, 0, path => SyscallResult.Send(new StatFileSystem(c.Task, -1, path), r => FileIo.CopyBytes(c, address, r)));
    }

    [Syscall(44, "fstatfs", Support.Full, "Fully supported.")]
    public static SyscallResult FstatFs(ISyscallContext c)
    {
        var address = c.Arg(1);
        return SyscallResult.Send(new StatFileSystem(c.Task, c.Int(0), null), r => FileIo.CopyBytes(c, address, r));
    }
}
