using System.Buffers.Binary;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors;

// sendfile, splice, tee, vmsplice and copy_file_range. Data is copied through the kernel (nothing is shared between
// pipe slots and page caches), with Linux's checks in Linux's order; a call that must wait for a pipe returns -EAGAIN
// with the pipes to wait on, and TryFdIo parks it.
public sealed partial class VfsActor
{
    private const uint SpliceNonblock = 2, SpliceAll = 0xf; // SPLICE_F_MOVE|NONBLOCK|MORE|GIFT
    private const int PageSize = 4096;

    /// <summary>Files with Linux's splice_read: page-cache files and the character devices that have one (not /dev/null).</summary>
    private static bool CanSpliceRead(OpenFile f) => f is TmpRegularFile or HostRegularFile or ZeroDevice or FullDevice or RandomDevice or HostStdioFile;

    /// <summary>Files with Linux's splice_write (not /dev/full).</summary>
    private static bool CanSpliceWrite(OpenFile f) => f is TmpRegularFile or NullDevice or ZeroDevice or RandomDevice or HostStdioFile;

    /// <summary>Files whose position a transfer without an explicit offset reads at and moves.</summary>
    private static bool Seekable(OpenFile f) => f is TmpRegularFile or HostRegularFile || (f is HostStdioFile && FileType(f) == S_IFREG);

    private static long ReadOffset(IGuestMemory memory, ulong address, out long offset)
    {
        Span<byte> raw = stackalloc byte[8];
        offset = 0;
        if (memory.Read(address, raw) != Errno.None) return -(long)Errno.EFAULT;
        offset = BinaryPrimitives.ReadInt64LittleEndian(raw);
        return 0;
    }

    private static long WriteOffset(IGuestMemory memory, ulong address, long offset)
    {
        Span<byte> raw = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(raw, offset);
        return memory.Write(address, raw) == Errno.None ? 0 : -(long)Errno.EFAULT;
    }

    /// <summary>Linux's rw_verify_area: a length that is negative as ssize_t, a negative offset or one that would wrap.</summary>
    private static bool BadArea(long? at, ulong length) =>
        length > long.MaxValue || at < 0 || (at is { } a && a > long.MaxValue - (long)length);

    /// <summary>Reads at <paramref name="at"/>, or at the file's own position (streams, devices) when null.</summary>
    private static long ReadAt(OpenFile file, Span<byte> buffer, long? at) => at is { } a ? file.PRead(buffer, a) : file.Read(buffer);

    private static long WriteAt(OpenFile file, ReadOnlySpan<byte> data, long? at)
    {
        var room = FileSizeRoom(file.WriteStart(at ?? -1), data.Length);
        if (room < 0) return room;
        data = data[..(int)room];
        return at is { } a ? file.PWrite(data, a) : file.Write(data);
    }

    /// <summary>A page-cache read into a pipe fills its first slot only to the end of the source's page.</summary>
    private static int FirstChunk(OpenFile file, long? at) =>
        at is { } a && file is TmpRegularFile or HostRegularFile ? PageSize - (int)(a % PageSize) : PageSize;

    /// <summary>File to file through a buffer, until <paramref name="count"/> bytes, the end of the input or a short write.</summary>
    private static long CopyData(OpenFile input, long? inAt, OpenFile output, long? outAt, long count)
    {
        if (count <= 0) return 0;
        var buffer = new byte[(int)Math.Min(count, 1 << 16)];
        long total = 0;
        while (total < count)
        {
            var chunk = buffer.AsSpan(0, (int)Math.Min(buffer.Length, count - total));
            long n = ReadAt(input, chunk, inAt + total);
            if (n <= 0) return total > 0 ? total : n;
            long w = WriteAt(output, chunk[..(int)n], outAt + total);
            if (w < 0) return total > 0 ? total : w;
            total += w;
            if (w < n) break;
        }
        return total;
    }

    /// <summary>sendfile(2): a pipe output takes what fits (waiting for room once); any other output gets the whole count.</summary>
    private long SendFile(SendFile r, ref Pipe[] waitOn)
    {
        var memory = P(r.Task).Mm;
        long pos = 0;
        bool explicitOffset = r.OffsetAddress != 0;
        if (explicitOffset && ReadOffset(memory, r.OffsetAddress, out pos) < 0) return -(long)Errno.EFAULT;
        var input = FileOf(r.Task, r.InFd);
        if (input is null || !input.CanRead) return -(long)Errno.EBADF;
        if (explicitOffset && !HasOffsets(input)) return -(long)Errno.ESPIPE;
        long? at = explicitOffset ? pos : Seekable(input) ? input.Seek(0, SEEK_CUR) : null;
        if (BadArea(at, r.Count)) return -(long)Errno.EINVAL;
        long count = (long)Math.Min(r.Count, (ulong)MaxRw);
        var output = FileOf(r.Task, r.OutFd);
        if (output is null || !output.CanWrite) return -(long)Errno.EBADF;
        long moved;
        if (output is PipeEnd pipeEnd)
        {
            moved = pipeEnd.Pipe.SpliceIn(count, FirstChunk(input, at),
                buffer => CanSpliceRead(input) ? ReadAt(input, buffer, at) : -(long)Errno.EINVAL);
            if (moved == -(long)Errno.EAGAIN && !output.NonBlocking) waitOn = [pipeEnd.Pipe];
        }
        else
        {
            if ((output.StatusFlags & O_APPEND) != 0) return -(long)Errno.EINVAL;
            if (!CanSpliceRead(input) || !CanSpliceWrite(output)) return -(long)Errno.EINVAL;
            moved = CopyData(input, at, output, null, count);
        }
        long end = (at ?? 0) + Math.Max(moved, 0);
        if (explicitOffset) return WriteOffset(memory, r.OffsetAddress, end) < 0 ? -(long)Errno.EFAULT : moved;
        if (moved > 0 && at is not null) input.Seek(end, SEEK_SET);
        return moved;
    }

    /// <summary>splice(2): one end must be a pipe; offsets only for the other end.</summary>
    private long Splice(SpliceData r, ref Pipe[] waitOn)
    {
        if (r.Length == 0) return 0;
        if ((r.Flags & ~SpliceAll) != 0) return -(long)Errno.EINVAL;
        var input = FileOf(r.Task, r.InFd);
        var output = input is null ? null : FileOf(r.Task, r.OutFd);
        if (input is null || output is null) return -(long)Errno.EBADF;
        var inPipe = (input as PipeEnd)?.Pipe;
        var outPipe = (output as PipeEnd)?.Pipe;
        if ((inPipe is not null && r.InOffset != 0) || (outPipe is not null && r.OutOffset != 0)) return -(long)Errno.ESPIPE;
        var memory = P(r.Task).Mm;
        long inOffset = 0, outOffset = 0;
        if (r.OutOffset != 0 && ReadOffset(memory, r.OutOffset, out outOffset) < 0) return -(long)Errno.EFAULT;
        if (r.InOffset != 0 && ReadOffset(memory, r.InOffset, out inOffset) < 0) return -(long)Errno.EFAULT;
        if (!input.CanRead || !output.CanWrite) return -(long)Errno.EBADF;
        bool nonblock = (r.Flags & SpliceNonblock) != 0;
        long length = (long)Math.Min(r.Length, long.MaxValue);
        long moved;

        if (inPipe is not null && outPipe is not null)
        {
            if (ReferenceEquals(inPipe, outPipe)) return -(long)Errno.EINVAL;
            moved = Pipe.Transfer(inPipe, outPipe, length, copy: false);
            if (moved == -(long)Errno.EAGAIN && !nonblock && !input.NonBlocking && !output.NonBlocking) waitOn = [inPipe, outPipe];
            return moved;
        }
        if (inPipe is not null)
        {
            long? at = null;
            if (r.OutOffset != 0)
            {
                if (!HasOffsets(output)) return -(long)Errno.EINVAL;
                at = outOffset;
            }
            if ((output.StatusFlags & O_APPEND) != 0 || BadArea(at ?? 0, r.Length) || !CanSpliceWrite(output)) return -(long)Errno.EINVAL;
            moved = inPipe.SpliceOut(length, data => WriteAt(output, data, at));
            if (moved == -(long)Errno.EAGAIN && !nonblock && !input.NonBlocking) waitOn = [inPipe];
            if (moved > 0 && at is { } end && WriteOffset(memory, r.OutOffset, end + moved) < 0) return -(long)Errno.EFAULT;
            return moved;
        }
        if (outPipe is not null)
        {
            long? at;
            if (r.InOffset != 0)
            {
                if (!HasOffsets(input)) return -(long)Errno.EINVAL;
                at = inOffset;
            }
            else at = Seekable(input) ? input.Seek(0, SEEK_CUR) : null;
            moved = outPipe.SpliceIn(length, FirstChunk(input, at),
                buffer => !CanSpliceRead(input) || BadArea(at, r.Length) ? -(long)Errno.EINVAL : ReadAt(input, buffer, at));
            if (moved == -(long)Errno.EAGAIN && !nonblock && !output.NonBlocking) waitOn = [outPipe];
            if (moved > 0 && at is { } start)
            {
                if (r.InOffset != 0) return WriteOffset(memory, r.InOffset, start + moved) < 0 ? -(long)Errno.EFAULT : moved;
                input.Seek(start + moved, SEEK_SET);
            }
            return moved;
        }
        return -(long)Errno.EINVAL;
    }

    /// <summary>tee(2): copies slots of one pipe into another without consuming them.</summary>
    private long Tee(TeePipe r, ref Pipe[] waitOn)
    {
        if ((r.Flags & ~SpliceAll) != 0) return -(long)Errno.EINVAL;
        if (r.Length == 0) return 0;
        var input = FileOf(r.Task, r.InFd);
        var output = input is null ? null : FileOf(r.Task, r.OutFd);
        if (input is null || output is null) return -(long)Errno.EBADF;
        if (!input.CanRead || !output.CanWrite) return -(long)Errno.EBADF;
        if (input is not PipeEnd inEnd || output is not PipeEnd outEnd || ReferenceEquals(inEnd.Pipe, outEnd.Pipe)) return -(long)Errno.EINVAL;
        long moved = Pipe.Transfer(inEnd.Pipe, outEnd.Pipe, (long)Math.Min(r.Length, long.MaxValue), copy: true);
        bool nonblock = (r.Flags & SpliceNonblock) != 0 || input.NonBlocking || output.NonBlocking;
        if (moved == -(long)Errno.EAGAIN && !nonblock) waitOn = [inEnd.Pipe, outEnd.Pipe];
        return moved;
    }

    /// <summary>
    /// vmsplice(2): a writable descriptor takes guest memory into its pipe (a slot per guest page piece); a read-only
    /// one gives its pipe's data out into the iovecs. Only SPLICE_F_NONBLOCK avoids waiting: O_NONBLOCK does not, as in Linux.
    /// </summary>
    private long VmSplice(VmSplice r, ref Pipe[] waitOn)
    {
        if ((r.Flags & ~SpliceAll) != 0) return -(long)Errno.EINVAL;
        var file = FileOf(r.Task, r.Fd);
        if (file is null || (!file.CanWrite && !file.CanRead)) return -(long)Errno.EBADF;
        var memory = P(r.Task).Mm;
        long total = ReadIovecs(memory, r.Iov, (long)Math.Min(r.Count, MaxIovecs + 1UL), out var vecs);
        if (total <= 0) return total;
        if (file is not PipeEnd pipeEnd) return -(long)Errno.EBADF;
        long moved;
        if (file.CanWrite)
        {
            var chunks = new List<(ulong, int)>();
            foreach (var (address, length) in vecs)
            {
                for (long done = 0; done < length && chunks.Count <= pipeEnd.Pipe.Capacity / PageSize;)
                {
                    var at = address + (ulong)done;
                    int chunk = (int)Math.Min(length - done, PageSize - (long)(at % PageSize));
                    chunks.Add((at, chunk));
                    done += chunk;
                }
            }
            moved = pipeEnd.Pipe.SpliceChunksIn(chunks, (address, slot) => memory.Read(address, slot) == Errno.None);
        }
        else moved = pipeEnd.Pipe.SpliceOut(total, data => Scatter(memory, vecs, data));
        if (moved == -(long)Errno.EAGAIN && (r.Flags & SpliceNonblock) == 0) waitOn = [pipeEnd.Pipe];
        return moved;
    }

    /// <summary>Copies <paramref name="data"/> into the iovecs in order: bytes copied, or EFAULT when none could be.</summary>
    private static long Scatter(IGuestMemory memory, (ulong Base, long Length)[] vecs, ReadOnlySpan<byte> data)
    {
        int done = 0;
        foreach (var (address, length) in vecs)
        {
            if (done == data.Length) break;
            int n = (int)Math.Min(length, data.Length - done);
            int ok = memory.AccessibleLength(address, n, write: true);
            if (ok > 0) memory.Write(address, data.Slice(done, ok));
            done += ok;
            if (ok < n) break;
        }
        return done == 0 && data.Length > 0 ? -(long)Errno.EFAULT : done;
    }

    /// <summary>copy_file_range(2): regular files of one filesystem, checked in Linux's order (generic_copy_file_checks).</summary>
    private static long CopyRange(CopyFileRange r)
    {
        var input = FileOf(r.Task, r.InFd);
        var output = input is null ? null : FileOf(r.Task, r.OutFd);
        if (input is null || output is null) return -(long)Errno.EBADF;
        var memory = P(r.Task).Mm;
        long inPos, outPos;
        if (r.InOffset != 0) { if (ReadOffset(memory, r.InOffset, out inPos) < 0) return -(long)Errno.EFAULT; }
        else inPos = Math.Max(input.Seek(0, SEEK_CUR), 0);
        if (r.OutOffset != 0) { if (ReadOffset(memory, r.OutOffset, out outPos) < 0) return -(long)Errno.EFAULT; }
        else outPos = Math.Max(output.Seek(0, SEEK_CUR), 0);
        if (r.Flags != 0) return -(long)Errno.EINVAL;
        uint inType = FileType(input), outType = FileType(output);
        if (inType == S_IFDIR || outType == S_IFDIR) return -(long)Errno.EISDIR;
        if (inType != S_IFREG || outType != S_IFREG) return -(long)Errno.EINVAL;
        if (!input.CanRead || !output.CanWrite || (output.StatusFlags & O_APPEND) != 0) return -(long)Errno.EBADF;
        var inFs = input.Location?.Inode.Fs;
        if (inFs is null || !ReferenceEquals(inFs, output.Location?.Inode.Fs)) return -(long)Errno.EXDEV;
        ulong length = r.Length;
        if ((ulong)inPos + length < (ulong)inPos || (ulong)outPos + length < (ulong)outPos) return -(long)Errno.EOVERFLOW;
        if (inPos < 0 || outPos < 0) return -(long)Errno.EINVAL;
        long size = input.Stat(out var st) == 0 ? st.Size : 0;
        long count = inPos >= size ? 0 : (long)Math.Min(length, (ulong)(size - inPos));
        if (count > 0 && outPos >= PagedData.MaxSize) return -(long)Errno.EFBIG;
        count = Math.Min(Math.Min(count, PagedData.MaxSize - outPos), MaxRw);
        // The same file: the ranges may not overlap.
        if (ReferenceEquals(input.Location!.Inode, output.Location!.Inode) && outPos + count > inPos && outPos < inPos + count)
            return -(long)Errno.EINVAL;
        if (count <= 0) return 0;
        long moved = CopyData(input, inPos, output, outPos, count);
        if (moved <= 0) return moved;
        if (r.InOffset != 0) { if (WriteOffset(memory, r.InOffset, inPos + moved) < 0) return -(long)Errno.EFAULT; }
        else input.Seek(inPos + moved, SEEK_SET);
        if (r.OutOffset != 0) { if (WriteOffset(memory, r.OutOffset, outPos + moved) < 0) return -(long)Errno.EFAULT; }
        else output.Seek(outPos + moved, SEEK_SET);
        return moved;
    }
}
