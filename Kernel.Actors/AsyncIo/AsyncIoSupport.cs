using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.AsyncIo;

/// <summary>
/// Where asynchronous I/O state runs its work: the VFS actor. Readiness callbacks and timers never touch a ring or an
/// AIO context on their own thread; they post the work here, so each is changed by one thread at a time.
/// </summary>
public interface IAsyncIoHost
{
    void Post(Action work);
    ICancelable Schedule(TimeSpan delay, Action work);
}

/// <summary>Waiting on a file's readiness (its <see cref="WaitQueue"/>) until a subscription is disposed.</summary>
internal static class Readiness
{
    /// <summary>
    /// Calls <paramref name="changed"/> (on the notifying thread) with each notification's key that concerns
    /// <paramref name="interest"/> (0: unknown, which concerns everyone); null when the file's readiness never changes.
    /// </summary>
    public static IDisposable? Watch(OpenFile file, int interest, Action<int> changed)
    {
        var queue = file.Readiness;
        if (queue is null) return null;
        var waiter = queue.Subscribe(interest, key =>
        {
            changed(key);
            return true;
        });
        return new Subscription(() => queue.Unsubscribe(waiter));
    }

    private sealed class Subscription(Action undo) : IDisposable
    {
        private Action? _undo = undo;
        public void Dispose() => Interlocked.Exchange(ref _undo, null)?.Invoke();
    }
}

/// <summary>Transfers between files and guest memory for requests that run away from the caller's thread.</summary>
internal static class GuestIo
{
    public const int MaxIo = 0x7ffff000; // MAX_RW_COUNT
    public const int MaxIovecs = 1024;   // UIO_MAXIOV

    /// <summary>
    /// One read or write of [buffer, buffer+length): at the file position for <paramref name="offset"/> -1, else at
    /// the offset, which stream files (pipes, terminals) ignore. A partly mapped buffer gives a short transfer,
    /// an unmapped one EFAULT.
    /// </summary>
    public static long Transfer(OpenFile file, IGuestMemory mem, ulong buffer, ulong length, long offset, bool write)
    {
        if (length == 0) return 0;
        var n = mem.AccessibleLength(buffer, (int)Math.Min(length, MaxIo), write: !write);
        if (n == 0) return -(long)Errno.EFAULT;
        mem.GetSpan(buffer, n, !write, out var span);
        if (offset < -1) return -(long)Errno.EINVAL;
        var r = file.Transfer(span, offset, write);
        if (offset >= 0 && r == -(long)Errno.ESPIPE) r = file.Transfer(span, -1, write);
        return r;
    }

    /// <summary>Copies in an iovec array: EINVAL past UIO_MAXIOV or for a negative length, EFAULT for a bad pointer.</summary>
    public static long ReadIovecs(IGuestMemory mem, ulong address, ulong count, out (ulong Base, ulong Length)[] vecs)
    {
        vecs = [];
        if (count > MaxIovecs) return -(long)Errno.EINVAL;
        var raw = new byte[16 * (int)count];
        if (mem.Read(address, raw) != Errno.None) return -(long)Errno.EFAULT;
        vecs = new (ulong, ulong)[count];
        for (var i = 0; i < (int)count; i++)
        {
            vecs[i] = (BitConverter.ToUInt64(raw, 16 * i), BitConverter.ToUInt64(raw, 16 * i + 8));
            if ((long)vecs[i].Length < 0) return -(long)Errno.EINVAL;
        }
        return 0;
    }

    /// <summary>readv/writev semantics over <paramref name="vecs"/> from <paramref name="skip"/> bytes in: a short step ends it.</summary>
    public static long Vectored(OpenFile file, IGuestMemory mem, (ulong Base, ulong Length)[] vecs, long offset, bool write, long skip = 0)
    {
        long total = 0;
        foreach (var (b, len) in vecs)
        {
            if (skip >= (long)len)
            {
                skip -= (long)len;
                continue;
            }
            var start = b + (ulong)skip;
            var want = len - (ulong)skip;
            skip = 0;
            var r = Transfer(file, mem, start, want, offset < 0 ? -1 : offset + total, write);
            if (r < 0) return total > 0 ? total : r;
            total += r;
            if ((ulong)r < Math.Min(want, MaxIo)) break;
        }
        return total;
    }

    /// <summary>RWF_APPEND: a write to a regular file goes to its end, wherever the offset said.</summary>
    public static long AppendOffset(OpenFile file, long offset) =>
        file.Stat(out var st) >= 0 && (st.Mode & OpenFlags.S_IFMT) == OpenFlags.S_IFREG ? st.Size : offset;

    public static ulong TotalLength((ulong Base, ulong Length)[] vecs)
    {
        ulong total = 0;
        foreach (var (_, len) in vecs) total = Math.Min(total + len, MaxIo);
        return total;
    }
}
