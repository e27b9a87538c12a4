using Kernel.Actors.Mm;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.AsyncIo;

/// <summary>
/// The descriptor of an io_uring ("anon_inode:[io_uring]", O_RDWR). mmap of it maps the rings (IORING_OFF_SQ_RING and
/// IORING_OFF_CQ_RING name the same pages, IORING_FEAT_SINGLE_MMAP) or the SQEs (IORING_OFF_SQES). Each mapping holds a
/// reference, as a Linux VMA holds the file: the ring ends with the last descriptor and the last mapping.
/// </summary>
public sealed class IoUringFile(IoUringContext ring) : OpenFile(null, O_RDWR), ISharedPagesFile, ISharedMappingOwner
{
    private static readonly ulong AnonDev = StatInfo.MakeDev(0, 14);

    public IoUringContext Ring { get; } = ring;

    public long MapPages(long offset, ulong length, out SharedPagesMapping? mapping)
    {
        mapping = null;
        // Linux validates the offset while it picks the address, whose failure is ENOMEM.
        switch ((ulong)offset & IoUringContext.OffMmapMask)
        {
            case IoUringContext.OffSqRing or IoUringContext.OffCqRing:
                mapping = new SharedPagesMapping(Ring.Pages, 0, Ring.RingsSize, "anon_inode:[io_uring]", this);
                return 0;
            case IoUringContext.OffSqes:
                mapping = new SharedPagesMapping(Ring.Pages, Ring.SqesOffset, Ring.SqesSize, "anon_inode:[io_uring]", this);
                return 0;
            default:
                return -(long)Errno.ENOMEM;
        }
    }

    public override string AnonymousName => "anon_inode:[io_uring]";

    public void MappingAdded() => AddReference();
    public void MappingRemoved() => DropReference();

    public override long Stat(out StatInfo st)
    {
        st = new StatInfo(AnonDev, 1, 0x180 /* 0600, no file type: an anonymous inode */, 1, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0, 0);
        return 0;
    }

    public override void Release() => Ring.Close();
}
