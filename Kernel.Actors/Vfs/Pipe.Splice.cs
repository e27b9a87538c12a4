using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>Fills a buffer (from a file, or from guest memory): bytes given, 0 at the end, or -errno.</summary>
public delegate long SpanSource(Span<byte> buffer);

/// <summary>Takes data (into a file, or guest memory): bytes taken, or -errno.</summary>
public delegate long SpanSink(ReadOnlySpan<byte> data);

// The pipe side of splice, sendfile, tee and vmsplice. Like reads and writes, nothing waits: -EAGAIN tells the caller to
// park until Waiters is notified. Data brought in this way fills fresh slots that later writes cannot merge into, as in Linux.
public sealed partial class Pipe
{
    /// <summary>
    /// Into the pipe: EPIPE without readers, EAGAIN when every slot is taken; else <paramref name="source"/> fills up
    /// to <paramref name="length"/> bytes of the free slots, the first one holding at most <paramref name="firstChunk"/>
    /// (the rest of the source's page, as a page-cache splice gives it).
    /// </summary>
    internal long SpliceIn(long length, int firstChunk, SpanSource source)
    {
        long n;
        lock (_lock)
        {
            if (_readers == 0) return -(long)Errno.EPIPE;
            int free = _slots.Length - _used;
            if (free == 0) return -(long)Errno.EAGAIN;
            firstChunk = Math.Clamp(firstChunk, 1, PageSize);
            long room = firstChunk + (long)(free - 1) * PageSize;
            var buffer = new byte[(int)Math.Min(length, room)];
            n = source(buffer);
            if (n <= 0) return n;
            AppendSlotsLocked(buffer.AsSpan(0, (int)n), firstChunk, packet: false);
        }
        RaiseChanged(Poll.Readable);
        return n;
    }

    /// <summary>
    /// Out of the pipe: 0 when empty without writers, EAGAIN when empty; else up to <paramref name="length"/> buffered
    /// bytes (packet boundaries do not matter here) go to <paramref name="sink"/>, and what it took is consumed.
    /// </summary>
    internal long SpliceOut(long length, SpanSink sink)
    {
        long n;
        lock (_lock)
        {
            if (_used == 0) return _writers == 0 ? 0 : -(long)Errno.EAGAIN;
            var data = new byte[(int)Math.Min(length, _count)];
            int at = 0;
            for (int i = 0; at < data.Length; i++)
            {
                var slot = _slots[(_tail + i) % _slots.Length]!;
                int chunk = Math.Min(slot.Length, data.Length - at);
                slot.Page.AsSpan(slot.Offset, chunk).CopyTo(data.AsSpan(at));
                at += chunk;
            }
            n = sink(data);
            if (n <= 0) return n;
            ConsumeLocked((int)n);
        }
        RaiseChanged(Poll.Writable);
        return n;
    }

    /// <summary>
    /// vmsplice into the pipe: each chunk (split by the caller at guest page boundaries) takes a slot of its own while
    /// slots are free; <paramref name="copyIn"/> fills a slot from guest memory (false: EFAULT).
    /// </summary>
    internal long SpliceChunksIn(IReadOnlyList<(ulong Address, int Length)> chunks, Func<ulong, Span<byte>, bool> copyIn)
    {
        long n = 0;
        lock (_lock)
        {
            if (_readers == 0) return -(long)Errno.EPIPE;
            if (_used == _slots.Length) return -(long)Errno.EAGAIN;
            foreach (var (address, length) in chunks)
            {
                if (_used == _slots.Length) break;
                var slot = AddSlotLocked(packet: false, canMerge: false);
                if (!copyIn(address, slot.Page.AsSpan(0, length)))
                {
                    _used--;
                    if (n == 0) return -(long)Errno.EFAULT;
                    break;
                }
                slot.Length = length;
                _count += length;
                n += length;
            }
        }
        RaiseChanged(Poll.Readable);
        return n;
    }

    /// <summary>
    /// splice between pipes (<paramref name="copy"/> false: the data moves) or tee (copied, the source keeps it):
    /// slot by slot, keeping packet boundaries, until <paramref name="length"/> bytes, an empty source or a full target.
    /// Linux's order: an empty source first (0 without writers, else EAGAIN), then EPIPE, then a full target (EAGAIN).
    /// </summary>
    internal static long Transfer(Pipe from, Pipe to, long length, bool copy)
    {
        long moved = 0;
        var (first, second) = from.Ino < to.Ino ? (from, to) : (to, from);
        lock (first._lock)
        lock (second._lock)
        {
            if (from._used == 0) return from._writers == 0 ? 0 : -(long)Errno.EAGAIN;
            if (to._readers == 0) return -(long)Errno.EPIPE;
            if (to._used == to._slots.Length) return -(long)Errno.EAGAIN;
            for (int i = 0; length > 0 && i < from._used && to._used < to._slots.Length;)
            {
                var src = from._slots[(from._tail + i) % from._slots.Length]!;
                int take = (int)Math.Min(src.Length, length);
                var dst = to.AddSlotLocked(src.Packet, canMerge: false);
                src.Page.AsSpan(src.Offset, take).CopyTo(dst.Page.AsSpan(src.Offset));
                dst.Offset = src.Offset;
                dst.Length = take;
                to._count += take;
                moved += take;
                length -= take;
                if (copy) i++;
                else
                {
                    src.Offset += take;
                    src.Length -= take;
                    from._count -= take;
                    if (src.Length == 0) from.ReleaseTailLocked();
                }
            }
        }
        to.RaiseChanged(Poll.Readable);
        if (!copy) from.RaiseChanged(Poll.Writable);
        return moved;
    }

    /// <summary>Appends <paramref name="data"/> in fresh slots (the caller checked they fit), the first one <paramref name="firstChunk"/> long at most.</summary>
    private void AppendSlotsLocked(ReadOnlySpan<byte> data, int firstChunk, bool packet)
    {
        int done = 0, chunk = firstChunk;
        while (done < data.Length)
        {
            int n = Math.Min(chunk, data.Length - done);
            var slot = AddSlotLocked(packet, canMerge: false);
            data.Slice(done, n).CopyTo(slot.Page);
            slot.Length = n;
            _count += n;
            done += n;
            chunk = PageSize;
        }
    }

    /// <summary>Drops <paramref name="n"/> bytes from the front.</summary>
    private void ConsumeLocked(int n)
    {
        while (n > 0)
        {
            var slot = _slots[_tail]!;
            int take = Math.Min(slot.Length, n);
            slot.Offset += take;
            slot.Length -= take;
            _count -= take;
            n -= take;
            if (slot.Length == 0) ReleaseTailLocked();
        }
    }
}
