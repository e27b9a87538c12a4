namespace Kernel.Platform;

// Shared file mappings: the pages of a host file placed into the guest's range, so every mapping of the file and the
// file itself see one copy. The host address of a guest page never changes, so the CPU's mappings stay valid.
public sealed unsafe partial class HostMemory
{
    private const int MapShared = 0x01, MapFixed = 0x10, MapPrivate = 0x02, MapAnonymous = 0x20, MapNoReserve = 0x4000;

    /// <summary>Maps <paramref name="length"/> bytes of host file <paramref name="fd"/> from <paramref name="offset"/> at guest address <paramref name="guest"/>.</summary>
    public bool MapFile(ulong guest, ulong length, int fd, long offset) =>
        length == 0 || mmap(Base + (nint)guest, (nuint)length, ProtReadWrite, MapShared | MapFixed, fd, offset) != -1;

    /// <summary>Puts fresh private zero pages back where a file was mapped (a discard alone would keep the file's pages there).</summary>
    public void Unshare(ulong guest, ulong length)
    {
        if (length > 0) mmap(Base + (nint)guest, (nuint)length, ProtReadWrite, MapPrivate | MapAnonymous | MapNoReserve | MapFixed, -1, 0);
    }
}
