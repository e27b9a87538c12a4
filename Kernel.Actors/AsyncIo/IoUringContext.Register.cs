using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.AsyncIo;

// io_uring_register: registered buffers and files, the probe, eventfd (io_uring/register.c, rsrc.c).
public sealed partial class IoUringContext
{
    public const uint RegisterBuffers = 0, UnregisterBuffers = 1, RegisterFiles = 2, UnregisterFileTable = 3, RegisterEventFd = 4,
        UnregisterEventFd = 5, RegisterFilesUpdate = 6, RegisterEventFdAsync = 7, RegisterProbe = 8, RegisterRestrictions = 11,
        RegisterEnableRings = 12;
    private const uint MaxRegisteredBuffers = 1 << 14, MaxFixedFiles = 1 << 20;
    private const int FilesSkip = -2;

    public long Register(KernelProcess process, uint opcode, ulong arg, uint nr)
    {
        lock (_lock)
        {
            if (_closed) return -(long)Errno.EBADF;
            switch (opcode)
            {
                case RegisterBuffers:
                    return arg == 0 ? -(long)Errno.EFAULT : RegisterBufferTable(process, arg, nr);
                case UnregisterBuffers:
                    if (arg != 0 || nr != 0) return -(long)Errno.EINVAL;
                    if (_buffers is null) return -(long)Errno.ENXIO;
                    _buffers = null;
                    return 0;
                case RegisterFiles:
                    return arg == 0 ? -(long)Errno.EFAULT : RegisterFileTable(process, arg, nr);
                case UnregisterFileTable:
                    if (arg != 0 || nr != 0) return -(long)Errno.EINVAL;
                    if (_files is null) return -(long)Errno.ENXIO;
                    UnregisterFiles();
                    return 0;
                case RegisterFilesUpdate:
                    return UpdateFiles(process, arg, nr);
                case RegisterEventFd or RegisterEventFdAsync:
                {
                    if (nr != 1) return -(long)Errno.EINVAL;
                    if (_eventFd is not null) return -(long)Errno.EBUSY;
                    Span<byte> fd = stackalloc byte[4];
                    if (process.Mm.Read(arg, fd) != Errno.None) return -(long)Errno.EFAULT;
                    // eventfd_ctx_fdget: no file, EBADF; a file that is not an eventfd, EINVAL.
                    var file = process.Files.GetFile(BitConverter.ToInt32(fd));
                    if (file is null) return -(long)Errno.EBADF;
                    if (file is not EventFdFile eventFd) return -(long)Errno.EINVAL;
                    eventFd.AddReference();
                    _eventFd = eventFd;
                    _eventFdAsync = opcode == RegisterEventFdAsync;
                    _signalledTail = _cqTail;
                    return 0;
                }
                case UnregisterEventFd:
                    if (arg != 0 || nr != 0) return -(long)Errno.EINVAL;
                    if (_eventFd is null) return -(long)Errno.ENXIO;
                    _eventFd.DropReference();
                    _eventFd = null;
                    return 0;
                case RegisterProbe:
                    return arg == 0 || nr > 256 ? -(long)Errno.EINVAL : Probe(process, arg, nr);
                case RegisterRestrictions:
                    return -(long)Errno.EBADFD; // only a ring set up IORING_SETUP_R_DISABLED takes restrictions
                case RegisterEnableRings:
                    return arg != 0 || nr != 0 ? -(long)Errno.EINVAL : -(long)Errno.EBADFD;
                default:
                    return -(long)Errno.EINVAL;
            }
        }
    }

    private long RegisterBufferTable(KernelProcess process, ulong arg, uint nr)
    {
        if (_buffers is not null) return -(long)Errno.EBUSY;
        if (nr == 0 || nr > MaxRegisteredBuffers) return -(long)Errno.EINVAL;
        var raw = new byte[16 * (int)nr];
        if (process.Mm.Read(arg, raw) != Errno.None) return -(long)Errno.EFAULT;
        var table = new (ulong, ulong)[nr];
        for (var i = 0; i < (int)nr; i++)
        {
            var b = BitConverter.ToUInt64(raw, 16 * i);
            var len = BitConverter.ToUInt64(raw, 16 * i + 8);
            if (b == 0)
            {
                if (len != 0) return -(long)Errno.EFAULT;
                continue; // a sparse slot
            }
            if (len == 0 || len > 1UL << 30) return -(long)Errno.EFAULT;
            if (b + len + 4095 < b) return -(long)Errno.EOVERFLOW;
            // Linux pins the pages for writing: they must be there and writable now.
            if ((ulong)process.Mm.AccessibleLength(b, (int)len, write: true) < len) return -(long)Errno.EFAULT;
            table[i] = (b, len);
        }
        _buffers = table;
        return 0;
    }

    private long RegisterFileTable(KernelProcess process, ulong arg, uint nr)
    {
        if (_files is not null) return -(long)Errno.EBUSY;
        if (nr == 0) return -(long)Errno.EINVAL;
        if (nr > MaxFixedFiles || nr > (ulong)process.Files.Limit) return -(long)Errno.EMFILE;
        var raw = new byte[4 * (int)nr];
        if (process.Mm.Read(arg, raw) != Errno.None) return -(long)Errno.EFAULT;
        var table = new OpenFile?[nr];
        for (var i = 0; i < (int)nr; i++)
        {
            var e = FileForTable(process, BitConverter.ToInt32(raw, 4 * i), out table[i]);
            if (e >= 0) continue;
            foreach (var f in table) f?.DropReference();
            return e;
        }
        _files = table;
        return 0;
    }

    /// <summary>A descriptor for the registered table, with a reference: -1 leaves the slot empty; an io_uring is refused.</summary>
    private static long FileForTable(KernelProcess process, int fd, out OpenFile? file)
    {
        file = null;
        if (fd == -1) return 0;
        var f = process.Files.GetFile(fd);
        if (f is null || f is IoUringFile) return -(long)Errno.EBADF;
        f.AddReference();
        file = f;
        return 0;
    }

    private void UnregisterFiles()
    {
        var files = _files;
        _files = null;
        if (files is null) return;
        foreach (var f in files) f?.DropReference();
    }

    /// <summary>IORING_REGISTER_FILES_UPDATE: replaces slots from an offset; returns how many were updated.</summary>
    private long UpdateFiles(KernelProcess process, ulong arg, uint nr)
    {
        if (nr == 0) return -(long)Errno.EINVAL;
        Span<byte> up = stackalloc byte[16]; // struct io_uring_files_update { u32 offset; u32 resv; u64 fds; }
        if (process.Mm.Read(arg, up) != Errno.None) return -(long)Errno.EFAULT;
        var offset = BitConverter.ToUInt32(up);
        if (BitConverter.ToUInt32(up[4..]) != 0) return -(long)Errno.EINVAL;
        var fds = BitConverter.ToUInt64(up[8..]);
        var files = _files;
        if (files is null) return -(long)Errno.ENXIO;
        if ((ulong)offset + nr > (ulong)files.Length) return -(long)Errno.EINVAL;
        long done = 0, error = 0;
        Span<byte> one = stackalloc byte[4];
        for (var i = 0; i < (int)nr; i++)
        {
            if (process.Mm.Read(fds + 4 * (ulong)i, one) != Errno.None)
            {
                error = -(long)Errno.EFAULT;
                break;
            }
            var fd = BitConverter.ToInt32(one);
            if (fd != FilesSkip)
            {
                error = FileForTable(process, fd, out var file);
                if (error < 0) break;
                files[offset + i]?.DropReference();
                files[offset + i] = file;
            }
            done++;
        }
        return done > 0 ? done : error;
    }

    /// <summary>IORING_REGISTER_PROBE: fills a zeroed struct io_uring_probe with the opcodes supported here.</summary>
    private static long Probe(KernelProcess process, ulong arg, uint nr)
    {
        nr = Math.Min(nr, OpLast);
        var probe = new byte[16 + 8 * (int)nr];
        if (process.Mm.Read(arg, probe) != Errno.None) return -(long)Errno.EFAULT;
        if (probe.Any(b => b != 0)) return -(long)Errno.EINVAL;
        probe[0] = OpLast - 1;
        probe[1] = (byte)nr;
        for (var i = 0; i < (int)nr; i++)
        {
            probe[16 + 8 * i] = (byte)i;
            if (IsSupported((byte)i)) probe[16 + 8 * i + 2] = 1; // IO_URING_OP_SUPPORTED
        }
        return process.Mm.Write(arg, probe) != Errno.None ? -(long)Errno.EFAULT : 0;
    }
}
