using System.Runtime.InteropServices;
using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// The pages of a mapped file of a host directory: the host file itself, mapped by the kernel into guest ranges, so the
/// host's page cache makes stores through a mapping, read(2)/write(2) of the file and every other process's mapping one
/// copy of the bytes. A mapping that may write is the host file's shared pages (the kernel holds the host file open for
/// writing); a read-only one maps it privately, which shows the same page cache pages until something writes to them,
/// and nothing can (mprotect refuses PROT_WRITE without VM_MAYWRITE).
/// The host file has no pages past its end (the host would fault there), so they are never mapped: the guest range keeps
/// private zero pages there, and the memory manager leaves them out of the CPU's mappings (SIGBUS, as on Linux). Every
/// change of the length made through the VFS (write past the end, truncate) goes through here, a shrink before the host
/// file shrinks. One object per host file (by inode number) while some mapping holds it.
/// </summary>
public sealed class HostFilePages : IFilePages
{
    private const int FDupFdCloexec = 1030;
    private readonly object _lock = new();
    private SafeFdHandle? _writable, _readable;
    private long _length;

    internal HostFilePages(long length) => _length = length;

    public long MappedLength => Volatile.Read(ref _length);
    public bool CoversPastEnd => false;
    public MappingWatchers Watchers { get; } = new();

    public long Prepare(long end) => 0;

    /// <summary>Keeps a copy of the host descriptor of a guest file being mapped (for writing: the shared pages need one).</summary>
    internal long Adopt(int hostFd, bool writable)
    {
        lock (_lock)
        {
            if ((writable ? _writable : _readable ?? _writable) is not null) return 0;
            int fd = FcntlDup(hostFd, FDupFdCloexec, 3);
            if (fd < 0) return -(long)Marshal.GetLastPInvokeError();
            if (writable) _writable = new SafeFdHandle(fd);
            else _readable = new SafeFdHandle(fd);
            return 0;
        }
    }

    public bool MapInto(HostMemory host, ulong guest, ulong length, long offset, bool writable)
    {
        // Only the pages before the page-rounded end exist in the host file.
        long end = (MappedLength + 4095) & ~4095L;
        ulong n = offset >= end ? 0 : Math.Min(length, (ulong)(end - offset));
        if (n == 0) return true;
        var handle = writable ? _writable : _readable ?? _writable;
        if (handle is null) return false;
        int fd = (int)handle.DangerousGetHandle();
        return writable ? host.MapFile(guest, n, fd, offset) : host.MapFilePrivate(guest, n, fd, offset);
    }

    public void Sync(HostMemory host, ulong guest, ulong length, bool wait) => host.Sync(guest, length, wait);

    public long Read(long offset, Span<byte> buffer)
    {
        var handle = _readable ?? _writable;
        return handle is null ? -(long)Errno.EBADF : HostNative.PRead((int)handle.DangerousGetHandle(), buffer, offset);
    }

    /// <summary>write(2) reached <paramref name="end"/>: pages up to it exist now.</summary>
    internal void Wrote(long end)
    {
        lock (_lock)
        {
            long old = _length;
            if (end <= old) return;
            Volatile.Write(ref _length, end);
            Watchers.Resized(this, old, end);
        }
    }

    /// <summary>ftruncate of the host file through <paramref name="fd"/>: the mappings drop the pages a shrink takes before the host file loses them.</summary>
    internal long Truncate(int fd, long length)
    {
        lock (_lock)
        {
            long old = _length;
            if (length < old)
            {
                Volatile.Write(ref _length, length);
                Watchers.Resized(this, old, length);
            }
            long r = HostNative.FTruncate(fd, length);
            if (r < 0)
            {
                if (length < old)
                {
                    Volatile.Write(ref _length, old);
                    Watchers.Resized(this, length, old);
                }
                return r;
            }
            if (length > old)
            {
                Volatile.Write(ref _length, length);
                Watchers.Resized(this, old, length);
            }
            return 0;
        }
    }

    private sealed class SafeFdHandle : SafeHandle
    {
        public SafeFdHandle(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);
        public override bool IsInvalid => handle < 0;
        protected override bool ReleaseHandle() => HostNative.Close((int)handle) == 0;
    }

    [DllImport("libc.so.6", EntryPoint = "fcntl", SetLastError = true)]
    private static extern int FcntlDup(int fd, int cmd, int minFd);
}

public sealed partial class HostFilesystem
{
    // The pages of mapped host files, by inode number (hard links are one file); an entry lives while a mapping holds it.
    private readonly Dictionary<ulong, WeakReference<HostFilePages>> _mapped = new();

    /// <summary>The pages of file <paramref name="ino"/> if something maps it (writes and truncates must go through them).</summary>
    internal HostFilePages? MappedPages(ulong ino)
    {
        lock (_mapped)
        {
            if (_mapped.Count == 0) return null;
            return _mapped.TryGetValue(ino, out var w) && w.TryGetTarget(out var p) ? p : null;
        }
    }

    /// <summary>The pages of file <paramref name="ino"/>, made on its first mapping with the length the host file has now.</summary>
    internal HostFilePages PagesFor(ulong ino, long length)
    {
        lock (_mapped)
        {
            if (_mapped.TryGetValue(ino, out var w) && w.TryGetTarget(out var p)) return p;
            foreach (var dead in _mapped.Where(e => !e.Value.TryGetTarget(out _)).Select(e => e.Key).ToList()) _mapped.Remove(dead);
            p = new HostFilePages(length);
            _mapped[ino] = new WeakReference<HostFilePages>(p);
            return p;
        }
    }
}
