using System.Runtime.InteropServices;

namespace Kernel.Platform;

/// <summary>
/// Kernel-owned pages that guests map shared (the io_uring rings, the AIO completion ring): a host memfd that the
/// kernel maps once for its own view (<see cref="Span"/>) and that <see cref="HostMemory.MapShared"/> maps into a
/// guest's host range, so both sides see one copy of the bytes. A guest mapping keeps the pages alive on its own:
/// disposing this object ends only the kernel's view.
/// </summary>
public sealed unsafe partial class SharedPages : IDisposable
{
    private const int ProtReadWrite = 3, MapShared = 1, MfdCloexec = 1;

    private int _fd;

    public SharedPages(ulong size, string name)
    {
        if (size == 0 || (size & 4095) != 0) throw new ArgumentOutOfRangeException(nameof(size));
        Size = size;
        _fd = memfd_create(name, MfdCloexec);
        if (_fd < 0) throw new OutOfMemoryException($"memfd_create failed ({Marshal.GetLastPInvokeError()})");
        if (ftruncate(_fd, (long)size) != 0)
        {
            close(_fd);
            throw new OutOfMemoryException($"cannot size shared pages to {size} bytes");
        }
        Base = mmap(0, (nuint)size, ProtReadWrite, MapShared, _fd, 0);
        if (Base == -1)
        {
            close(_fd);
            throw new OutOfMemoryException("cannot map shared pages");
        }
    }

    public ulong Size { get; }

    /// <summary>The kernel's view of the pages (0 once disposed).</summary>
    public nint Base { get; private set; }

    internal int Fd => _fd;

    public Span<byte> Span(ulong offset, int length)
    {
        if (offset + (ulong)length > Size) throw new ArgumentOutOfRangeException(nameof(offset));
        return new((void*)(Base + (nint)offset), length);
    }

    /// <summary>A 32-bit field shared with the guest, read once (the guest may change it at any time).</summary>
    public uint ReadU32(ulong offset) => Volatile.Read(ref *(uint*)(Base + (nint)offset));

    /// <summary>Publishes a 32-bit field after every earlier store (the guest reads it with acquire semantics).</summary>
    public void WriteU32(ulong offset, uint value) => Volatile.Write(ref *(uint*)(Base + (nint)offset), value);

    public void Dispose()
    {
        var b = Base;
        Base = 0;
        if (b != 0) munmap(b, (nuint)Size);
        var fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0) close(fd);
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int memfd_create(string name, int flags);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int ftruncate(int fd, long length);

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc")]
    private static partial int munmap(nint addr, nuint length);

    [LibraryImport("libc")]
    private static partial int close(int fd);
}
