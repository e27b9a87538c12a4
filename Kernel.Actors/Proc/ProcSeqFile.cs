using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Proc;

/// <summary>
/// An open /proc file (Linux's seq_file): the text is generated when the file is opened, reads at any offset
/// serve that snapshot, and a seek back to the start generates it afresh (as top and friends rely on). Only
/// SEEK_SET and SEEK_CUR are allowed, as seq_lseek.
/// </summary>
public sealed class ProcSeqFile : OpenFile
{
    private readonly object _lock = new();
    private readonly Func<byte[]> _generate;
    private readonly ProcWriter? _writer;
    private readonly Errno _writeError;
    private byte[] _data;
    private long _pos;

    internal ProcSeqFile(Location location, int flags, Func<byte[]> generate, ProcWriter? writer, Errno writeError)
        : base(location, flags)
    {
        _generate = generate;
        _writer = writer;
        _writeError = writeError;
        _data = CanRead ? generate() : [];
    }

    /// <summary>The file offset (fdinfo's pos), read without side effects.</summary>
    public long Position
    {
        get { lock (_lock) return _pos; }
    }

    public override long Read(Span<byte> buffer)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        lock (_lock)
        {
            var n = CopyAt(buffer, _pos);
            _pos += n;
            return n;
        }
    }

    public override long PRead(Span<byte> buffer, long offset)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        if (offset < 0) return -(long)Errno.EINVAL;
        lock (_lock) return CopyAt(buffer, offset);
    }

    private int CopyAt(Span<byte> buffer, long offset)
    {
        if (offset >= _data.Length) return 0;
        var n = (int)Math.Min(buffer.Length, _data.Length - offset);
        _data.AsSpan((int)offset, n).CopyTo(buffer);
        return n;
    }

    public override long Write(ReadOnlySpan<byte> data)
    {
        if (!CanWrite) return -(long)Errno.EBADF;
        return _writer is null ? -(long)_writeError : _writer(data);
    }

    public override long PWrite(ReadOnlySpan<byte> data, long offset) => offset < 0 ? -(long)Errno.EINVAL : Write(data);

    public override long Seek(long offset, int whence)
    {
        lock (_lock)
        {
            long target = SeekSetOrCurrent(_pos, offset, whence);
            if (target < 0) return target;
            if (target == 0 && CanRead) _data = _generate();
            _pos = target;
            return target;
        }
    }

    public override long Truncate(long length) => 0;
}
