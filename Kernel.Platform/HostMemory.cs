using System.Runtime.InteropServices;

namespace Kernel.Platform;

/// <summary>
/// One flat host range (reserved with MAP_NORESERVE) that backs a guest address window [0, Size): guest address
/// a lives at Base + a. The whole range stays readable and writable on the host side; which guest pages exist
/// and with what protection is the memory manager's and the CPU's business, so a host-side copy never faults.
/// </summary>
public sealed unsafe partial class HostMemory : IDisposable
{
    private const int ProtReadWrite = 3;
    private const int MapPrivateAnonymousNoReserve = 0x02 | 0x20 | 0x4000;
    private const int MadvDontNeed = 4;

    public nint Base { get; private set; }
    public ulong Size { get; }

    public HostMemory(ulong size)
    {
        Size = size;
        var p = mmap(0, (nuint)size, ProtReadWrite, MapPrivateAnonymousNoReserve, -1, 0);
        if (p == -1)
        {
            throw new OutOfMemoryException($"cannot reserve {size >> 20} MiB of host address space for a guest");
        }
        Base = p;
    }

    public nint HostAddress(ulong guest) => Base + (nint)guest;

    public Span<byte> Span(ulong guest, int length) => new((void*)(Base + (nint)guest), length);

    /// <summary>Returns the pages to the host (they read as zero afterwards).</summary>
    public void Discard(ulong guest, ulong length)
    {
        if (length > 0)
        {
            madvise(Base + (nint)guest, (nuint)length, MadvDontNeed);
        }
    }

    /// <summary>How many bytes of [guest, guest+length) are resident in host memory (mincore), for RSS figures.</summary>
    public ulong ResidentBytes(ulong guest, ulong length)
    {
        const int Page = 4096;
        var b = Base;
        if (b == 0 || length == 0 || guest + length > Size) return 0;
        ulong resident = 0;
        var vector = new byte[Math.Min((length + Page - 1) / Page, 1 << 16)];
        for (ulong at = guest & ~(ulong)(Page - 1), end = guest + length; at < end;)
        {
            var pages = (int)Math.Min((ulong)vector.Length, (end - at + Page - 1) / Page);
            fixed (byte* v = vector)
            {
                if (mincore(b + (nint)at, (nuint)pages * Page, v) != 0) return resident;
            }
            for (var i = 0; i < pages; i++) resident += (ulong)(vector[i] & 1) * Page;
            at += (ulong)pages * Page;
        }
        return resident;
    }

    public void Dispose()
    {
        if (Base != 0)
        {
            munmap(Base, (nuint)Size);
            Base = 0;
        }
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial nint mmap(nint addr, nuint length, int prot, int flags, int fd, long offset);

    [LibraryImport("libc")]
    private static partial int munmap(nint addr, nuint length);

    [LibraryImport("libc")]
    private static partial int mincore(nint addr, nuint length, byte* vector);

    [LibraryImport("libc")]
    private static partial int madvise(nint addr, nuint length, int advice);
}
