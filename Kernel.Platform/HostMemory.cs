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
            ReleaseCopyOnWrite(guest, length);
            madvise(Base + (nint)guest, (nuint)length, MadvDontNeed);
        }
    }

    /// <summary>How many bytes of [guest, guest+length) are resident in host memory (mincore), for RSS figures.</summary>
    public ulong ResidentBytes(ulong guest, ulong length)
    {
        ulong resident = 0;
        if (Base != 0 && guest + length <= Size) ForEachResidentRun(guest, length, (_, bytes) => resident += bytes);
        return resident;
    }

    /// <summary>Per page of [guest, guest+length): 1 when resident on the host (mincore's vector), else 0.</summary>
    public byte[] Residency(ulong guest, ulong length)
    {
        const ulong page = 4096;
        var vector = new byte[(int)((length + page - 1) / page)];
        if (Base == 0 || guest + length > Size) return vector;
        ForEachResidentRun(guest, length, (from, bytes) =>
        {
            for (var p = (from - guest) / page; p < (from - guest + bytes + page - 1) / page; p++) vector[p] = 1;
        });
        MarkShared(guest, length, vector); // pages still shared copy-on-write are as resident as Linux's
        return vector;
    }

    /// <summary>Makes [guest, guest+length) resident without changing its contents (mlock).</summary>
    public void Populate(ulong guest, ulong length)
    {
        const int MadvPopulateWrite = 23;
        if (Base != 0 && guest + length <= Size) madvise(Base + (nint)guest, (nuint)length, MadvPopulateWrite);
    }

    /// <summary>
    /// Copies the pages of [guest, guest+length) that the source has touched (resident on the host) into this
    /// range at the same guest address: a fork copies what the parent uses, not the whole reservation.
    /// </summary>
    public void CopyResidentFrom(HostMemory source, ulong guest, ulong length) =>
        source.ForEachResidentRun(guest, length, (from, bytes) =>
            Buffer.MemoryCopy((void*)(source.Base + (nint)from), (void*)(Base + (nint)from), bytes, bytes));

    /// <summary>
    /// Calls <paramref name="run"/> with each run of resident pages in [guest, guest+length) (clipped to the range).
    /// A chunk mincore cannot inspect (it should not happen for our own reservation) counts as resident as a whole.
    /// </summary>
    private void ForEachResidentRun(ulong guest, ulong length, Action<ulong, ulong> run)
    {
        const ulong page = 4096;
        const ulong chunk = 1UL << 30; // mincore's vector for 1 GiB is 256 KiB
        var b = Base;
        var vector = new byte[(int)(Math.Min(length, chunk) / page) + 1];
        for (ulong done = 0; done < length; done += chunk)
        {
            var n = Math.Min(chunk, length - done);
            var start = guest + done;
            fixed (byte* v = vector)
            {
                if (mincore(b + (nint)start, (nuint)n, v) != 0)
                {
                    run(start, n);
                    continue;
                }
            }
            var pages = (int)((n + page - 1) / page);
            for (var i = 0; i < pages;)
            {
                if ((vector[i] & 1) == 0)
                {
                    i++;
                    continue;
                }
                var end = i;
                while (end < pages && (vector[end] & 1) != 0) end++;
                var from = start + (ulong)i * page;
                run(from, Math.Min((ulong)(end - i) * page, guest + length - from));
                i = end;
            }
        }
    }

    public void Dispose()
    {
        if (Base != 0)
        {
            DestroyCopyOnWrite();
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
