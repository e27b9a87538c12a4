using Kernel.Actors.Vfs;

namespace Kernel.Actors.Mm;

/// <summary>
/// The file behind a MAP_SHARED mapping (a tmpfs file or memfd, a file of a host directory): guest address A of the VMA
/// (or of any piece split from it) shows the file's byte <see cref="Base"/> + A. <see cref="MayWrite"/>: mapped from a
/// writable descriptor (Linux's VM_MAYWRITE), which lets mprotect add PROT_WRITE and blocks F_SEAL_WRITE.
/// </summary>
public sealed record MappedFile(IFilePages Pages, long Base, bool MayWrite)
{
    public long OffsetAt(ulong address) => Base + (long)address;

    /// <summary>The tmpfs file mapped (memfds, SysV segments), or null for a host file.</summary>
    public TmpRegular? Node => Pages as TmpRegular;

    /// <summary>The guest address of the file's page-rounded end: pages from there on are past EOF (SIGBUS).</summary>
    public ulong EndAddress
    {
        get
        {
            long end = ((Pages.MappedLength + 4095) & ~4095L) - Base;
            return end <= 0 ? 0 : (ulong)end;
        }
    }
}

/// <summary>The file a private mapping copied: guest address A of the area showed its byte <see cref="Base"/> + A.</summary>
public sealed record PrivateFile(IFileBytes File, long Base)
{
    public long OffsetAt(ulong address) => Base + (long)address;
}
