using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// A file with no name: Linux backs eventfd, epoll, timerfd and inotify descriptors with one anonymous inode
/// (mode 0600 without a file type) and gives them no offset (lseek answers 0, pread/pwrite ESPIPE).
/// </summary>
public abstract class AnonymousFile : OpenFile
{
    private static readonly ulong AnonDev = StatInfo.MakeDev(0, 14);

    protected AnonymousFile(int flags) : base(null, flags) { }

    public override bool Pollable => true;

    public override long Seek(long offset, int whence) => 0;

    public override long Stat(out StatInfo st)
    {
        st = new StatInfo(AnonDev, 1, 0x180 /* 0600 */, 1, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        return 0;
    }

    /// <summary>Reads a little-endian u64 from the start of a write, as eventfd and timerfd take it.</summary>
    protected static ulong U64(ReadOnlySpan<byte> data) => System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(data);

    protected static void PutU64(Span<byte> buffer, ulong value) => System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);

    protected static long Err(Errno e) => -(long)e;
}
