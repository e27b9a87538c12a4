using Kernel.Actors.Vfs;

namespace Kernel.Actors.Mm;

/// <summary>
/// The file behind a MAP_SHARED mapping of a tmpfs file: guest address A of the VMA (or of any piece split from it)
/// shows the file's byte <see cref="Base"/> + A. <see cref="MayWrite"/>: mapped from a writable descriptor (Linux's
/// VM_MAYWRITE), which blocks F_SEAL_WRITE.
/// </summary>
public sealed record MappedFile(TmpRegular Node, long Base, bool MayWrite)
{
    public long OffsetAt(ulong address) => Base + (long)address;
}
