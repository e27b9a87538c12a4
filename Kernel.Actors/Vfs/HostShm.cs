using System.Runtime.InteropServices;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>
/// The contents of a tmpfs file once it is mapped MAP_SHARED: a host memory file (memfd) that the memory manager maps
/// into guest address spaces, so that stores through a mapping and read/write see the same pages. The host file only
/// grows (it must cover every mapped page, or the host would fault); the file's length is kept by <see cref="PagedData"/>,
/// and bytes past it are holes punched to zero.
/// </summary>
internal sealed class HostShm : IDisposable
{
    private const string Libc = "libc.so.6";
    private const int SeekData = 3, SeekHole = 4;
    private const int FallocKeepSize = 1, FallocPunchHole = 2;
    private const uint MfdCloexec = 1;

    private readonly SafeShmHandle _handle;
    private long _size;

    private HostShm(SafeShmHandle handle) => _handle = handle;

    /// <summary>Bytes the host file spans (at least every mapped page).</summary>
    public long Size => Volatile.Read(ref _size);

    /// <summary>The host fd (owned here: closed when the file's contents are collected).</summary>
    public int Fd => (int)_handle.DangerousGetHandle();

    public static long Create(out HostShm? shm)
    {
        shm = null;
        int fd = MemfdCreate("kernel-tmpfs", MfdCloexec);
        if (fd < 0) return -(long)Marshal.GetLastPInvokeError();
        shm = new HostShm(new SafeShmHandle(fd));
        return 0;
    }

    /// <summary>Grows the host file to at least <paramref name="size"/> bytes (pages past it would fault in a mapping).</summary>
    public long EnsureSize(long size)
    {
        if (size <= _size) return 0;
        if (FTruncate(Fd, size) < 0) return -(long)Marshal.GetLastPInvokeError();
        _size = size;
        return 0;
    }

    public long Read(long offset, Span<byte> dest)
    {
        int done = 0;
        while (done < dest.Length)
        {
            long n = HostNative.PRead(Fd, dest[done..], offset + done);
            if (n < 0) return done > 0 ? done : n;
            if (n == 0)
            {
                dest[done..].Clear(); // beyond the host file: a hole
                return dest.Length;
            }
            done += (int)n;
        }
        return done;
    }

    public long Write(long offset, ReadOnlySpan<byte> src)
    {
        int done = 0;
        while (done < src.Length)
        {
            long n = HostNative.PWrite(Fd, src[done..], offset + done);
            if (n < 0) return done > 0 ? done : n;
            done += (int)n;
        }
        _size = Math.Max(_size, offset + done);
        return done;
    }

    public long Punch(long offset, long length) => Fallocate(FallocPunchHole | FallocKeepSize, offset, length);

    /// <summary>Preallocates without changing the host size: the pages stay holes to SEEK_DATA until written, as in tmpfs.</summary>
    public long Reserve(long offset, long length) => Fallocate(FallocKeepSize, offset, length);

    public long SeekDataBefore(long offset, long length)
    {
        long r = HostNative.LSeek(Fd, offset, SeekData);
        return r < 0 || r >= length ? -(long)Errno.ENXIO : r;
    }

    public long SeekHoleBefore(long offset, long length)
    {
        long r = HostNative.LSeek(Fd, offset, SeekHole);
        return r < 0 ? length : Math.Min(r, length);
    }

    /// <summary>Pages the host file has allocated.</summary>
    public long Pages => HostNative.FStat(Fd, 0, out var st) == 0 ? st.Blocks / 8 : 0;

    private long Fallocate(int mode, long offset, long length)
    {
        if (length <= 0) return 0;
        return FallocateRaw(Fd, mode, offset, length) < 0 ? -(long)Marshal.GetLastPInvokeError() : 0;
    }

    public void Dispose() => _handle.Dispose();

    private sealed class SafeShmHandle : SafeHandle
    {
        public SafeShmHandle(int fd) : base(-1, ownsHandle: true) => SetHandle(fd);

        public override bool IsInvalid => handle < 0;
        protected override bool ReleaseHandle() => HostNative.Close((int)handle) == 0;
    }

    [DllImport(Libc, EntryPoint = "memfd_create", SetLastError = true)]
    private static extern int MemfdCreate(string name, uint flags);

    [DllImport(Libc, EntryPoint = "ftruncate64", SetLastError = true)]
    private static extern int FTruncate(int fd, long length);

    [DllImport(Libc, EntryPoint = "fallocate64", SetLastError = true)]
    private static extern int FallocateRaw(int fd, int mode, long offset, long length);
}
