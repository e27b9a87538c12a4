using System.Buffers.Binary;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Handlers;
using Kernel.Syscalls.Protocol;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors;

// name_to_handle_at and open_by_handle_at (fs/fhandle.c), over FileHandleCodec.
public sealed partial class VfsActor
{
    private const int FileIdIsConnectable = 0x10000, FileIdIsDir = 0x20000, FileIdUserFlagsMask = unchecked((int)0xffff0000);

    private KernelReply HandleFileHandles(FileHandleRequest request) => request switch
    {
        NameToHandle r => NameToHandle(r),
        OpenByHandle r => OpenByHandle(r),
        _ => new Failed(Errno.ENOSYS),
    };

    private KernelReply NameToHandle(NameToHandle r)
    {
        var process = P(r.Task);
        Location loc;
        if (r.Path.Length == 0 && (r.Flags & FileHandles.AtEmptyPath) != 0 && r.DirFd != Args.AtFdCwd)
        {
            var file = process.Files.GetFile(r.DirFd);
            if (file is null) return new Failed(Errno.EBADF);
            if (file.Location is null) return new Failed(Errno.EOPNOTSUPP); // pipes and anonymous files export nothing
            loc = file.Location;
        }
        else
        {
            var e = DirAt(r.Task, r.DirFd, r.Path, out var at);
            if (e < 0) return Result(e);
            var atFlags = ((r.Flags & FileHandles.AtSymlinkFollow) != 0 ? 0 : AtFlags.AT_SYMLINK_NOFOLLOW) | (r.Flags & FileHandles.AtEmptyPath);
            e = sandbox.Vfs.Resolve(process.Fs, at, r.Path, atFlags, out loc);
            if (e < 0) return Result(e);
        }
        // AT_HANDLE_FID asks for an identifier only, which any filesystem can give.
        if (!FileHandleCodec.CanDecode(loc.Mount.Fs) && (r.Flags & FileHandles.AtHandleFid) == 0) return new Failed(Errno.EOPNOTSUPP);
        var mem = process.Mm;
        Span<byte> header = stackalloc byte[8];
        if (mem.Read(r.Handle, header) != Errno.None) return new Failed(Errno.EFAULT);
        var room = BinaryPrimitives.ReadUInt32LittleEndian(header);
        if (room > FileHandleCodec.MaxHandleSize) return new Failed(Errno.EINVAL);
        var handle = FileHandleCodec.Encode(loc);
        var type = FileHandleCodec.FileIdIno64Gen;
        var result = 0L;
        var copied = handle.Length;
        if ((uint)handle.Length > (room & ~3u))
        {
            // EOVERFLOW: the header says how much room the handle needs, and nothing more is copied.
            result = -(long)Errno.EOVERFLOW;
            type = FileHandleCodec.FileIdInvalid;
            copied = 0;
        }
        else if ((r.Flags & FileHandles.AtHandleConnectable) != 0)
        {
            type |= FileIdIsConnectable | (loc.IsDirectory ? FileIdIsDir : 0);
        }
        var id = loc.Mount.Id; // as /proc/self/mountinfo shows it
        var idWritten = (r.Flags & FileHandles.AtHandleMntIdUnique) != 0
            ? mem.Write(r.MountId, BitConverter.GetBytes((ulong)id))
            : mem.Write(r.MountId, BitConverter.GetBytes(id));
        if (idWritten != Errno.None) return new Failed(Errno.EFAULT);
        var output = new byte[8 + copied];
        BinaryPrimitives.WriteUInt32LittleEndian(output, (uint)handle.Length);
        BinaryPrimitives.WriteInt32LittleEndian(output.AsSpan(4), type);
        handle.AsSpan(0, copied).CopyTo(output.AsSpan(8));
        if (mem.Write(r.Handle, output) != Errno.None) return new Failed(Errno.EFAULT);
        return Result(result);
    }

    private KernelReply OpenByHandle(OpenByHandle r)
    {
        var process = P(r.Task);
        var mem = process.Mm;
        Span<byte> header = stackalloc byte[8];
        if (mem.Read(r.Handle, header) != Errno.None) return new Failed(Errno.EFAULT);
        var size = BinaryPrimitives.ReadUInt32LittleEndian(header);
        var type = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        if (size > FileHandleCodec.MaxHandleSize || size == 0) return new Failed(Errno.EINVAL);
        if (type < 0 || (type & FileIdUserFlagsMask & ~(FileIdIsConnectable | FileIdIsDir)) != 0) return new Failed(Errno.EINVAL);
        // The mount the handle is decoded on: the descriptor's, or the working directory's for AT_FDCWD.
        Mount? mount;
        if (r.MountFd == Args.AtFdCwd) mount = process.Fs.Cwd.Mount;
        else
        {
            var anchor = process.Files.GetFile(r.MountFd);
            if (anchor is null) return new Failed(Errno.EBADF);
            mount = anchor.Location?.Mount;
        }
        // Opening by handle skips path permission checks: CAP_DAC_READ_SEARCH, which root has here.
        if (!process.Creds.IsRoot) return new Failed(Errno.EPERM);
        var handle = new byte[size];
        if (mem.Read(r.Handle + 8, handle) != Errno.None) return new Failed(Errno.EFAULT);
        if (mount is null) return new Failed(Errno.ESTALE); // pipes and anonymous files decode nothing
        var e = FileHandleCodec.Decode(mount, type & ~FileIdUserFlagsMask, handle, out var loc);
        if (e < 0) return Result(e);
        if ((type & FileIdIsDir) != 0 && !loc!.IsDirectory) return new Failed(Errno.ESTALE);
        var flags = r.Flags;
        if ((flags & O_PATH) != 0) flags &= O_PATH | O_CLOEXEC | O_DIRECTORY | O_NOFOLLOW;
        OpenFile? file;
        using (DeviceOpen.For(process)) e = sandbox.Vfs.OpenLocation(process.Fs, loc!, flags, false, out file);
        if (e < 0) return Result(e);
        var fd = process.Files.Install(file!, (flags & O_CLOEXEC) != 0);
        if (fd < 0) file!.DropReference();
        return Result(fd);
    }
}
