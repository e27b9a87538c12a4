using System.Buffers.Binary;

namespace Kernel.Actors.Vfs;

/// <summary>File metadata, written out in the arm64 layouts.</summary>
public readonly record struct StatInfo(ulong Dev, ulong Ino, uint Mode, uint Nlink, uint Uid, uint Gid, ulong Rdev, long Size,
    int BlkSize, long Blocks, long AtimeSec, long AtimeNsec, long MtimeSec, long MtimeNsec, long CtimeSec, long CtimeNsec)
{
    public const int Arm64StatSize = 128;
    public const int StatxSize = 256;

    /// <summary>The creation time, for filesystems that record one (tmpfs, the host's); null elsewhere (procfs, devpts).</summary>
    public Timespec? Btime { get; init; }

    /// <summary>arm64 <c>struct stat</c> (asm-generic layout, 128 bytes).</summary>
    public void WriteArm64Stat(Span<byte> dest128)
    {
        var d = dest128[..Arm64StatSize];
        d.Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(d[0..], Dev);
        BinaryPrimitives.WriteUInt64LittleEndian(d[8..], Ino);
        BinaryPrimitives.WriteUInt32LittleEndian(d[16..], Mode);
        BinaryPrimitives.WriteUInt32LittleEndian(d[20..], Nlink);
        BinaryPrimitives.WriteUInt32LittleEndian(d[24..], Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(d[28..], Gid);
        BinaryPrimitives.WriteUInt64LittleEndian(d[32..], Rdev);
        // 40: __pad1
        BinaryPrimitives.WriteInt64LittleEndian(d[48..], Size);
        BinaryPrimitives.WriteInt32LittleEndian(d[56..], BlkSize);
        // 60: __pad2
        BinaryPrimitives.WriteInt64LittleEndian(d[64..], Blocks);
        BinaryPrimitives.WriteInt64LittleEndian(d[72..], AtimeSec);
        BinaryPrimitives.WriteInt64LittleEndian(d[80..], AtimeNsec);
        BinaryPrimitives.WriteInt64LittleEndian(d[88..], MtimeSec);
        BinaryPrimitives.WriteInt64LittleEndian(d[96..], MtimeNsec);
        BinaryPrimitives.WriteInt64LittleEndian(d[104..], CtimeSec);
        BinaryPrimitives.WriteInt64LittleEndian(d[112..], CtimeNsec);
    }

    public const uint STATX_BASIC_STATS = 0x7FF, STATX_BTIME = 0x800, STATX_MNT_ID = 0x1000, STATX_MNT_ID_UNIQUE = 0x4000;
    public const ulong STATX_ATTR_APPEND = 0x20, STATX_ATTR_IMMUTABLE = 0x10, STATX_ATTR_NODUMP = 0x40, STATX_ATTR_AUTOMOUNT = 0x1000,
        STATX_ATTR_MOUNT_ROOT = 0x2000, STATX_ATTR_DAX = 0x200000;

    /// <summary>
    /// <c>struct statx</c> (256 bytes, same on every architecture). As Linux's vfs_statx: the basic fields and the
    /// mount id always, the birth time when asked for and known, the unique mount id when asked for; attributes
    /// report STATX_ATTR_MOUNT_ROOT and the inode's chattr flags, the mask what the filesystem could report.
    /// </summary>
    public void WriteStatx(Span<byte> dest256, in StatxContext x)
    {
        var d = dest256[..StatxSize];
        d.Clear();
        uint mask = STATX_BASIC_STATS | STATX_MNT_ID;
        if ((x.Requested & STATX_BTIME) != 0 && Btime is { } b)
        {
            mask |= STATX_BTIME;
            WriteTs(d[80..], b.Sec, b.Nsec);
        }
        ulong mountId = (ulong)x.MountId;
        if ((x.Requested & STATX_MNT_ID_UNIQUE) != 0)
        {
            // Unique ids are 64-bit and never reused; Linux numbers them from 2^31 up.
            mask = (mask & ~STATX_MNT_ID) | STATX_MNT_ID_UNIQUE;
            mountId += 1UL << 31;
        }
        BinaryPrimitives.WriteUInt32LittleEndian(d[0..], mask);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], (uint)BlkSize);
        BinaryPrimitives.WriteUInt64LittleEndian(d[8..], (x.MountRoot ? STATX_ATTR_MOUNT_ROOT : 0) | x.Attributes);
        BinaryPrimitives.WriteUInt32LittleEndian(d[16..], Nlink);
        BinaryPrimitives.WriteUInt32LittleEndian(d[20..], Uid);
        BinaryPrimitives.WriteUInt32LittleEndian(d[24..], Gid);
        BinaryPrimitives.WriteUInt16LittleEndian(d[28..], (ushort)Mode);
        BinaryPrimitives.WriteUInt64LittleEndian(d[32..], Ino);
        BinaryPrimitives.WriteUInt64LittleEndian(d[40..], (ulong)Size);
        BinaryPrimitives.WriteUInt64LittleEndian(d[48..], (ulong)Blocks);
        BinaryPrimitives.WriteUInt64LittleEndian(d[56..], STATX_ATTR_AUTOMOUNT | STATX_ATTR_MOUNT_ROOT | STATX_ATTR_DAX | x.FsAttributes);
        WriteTs(d[64..], AtimeSec, AtimeNsec);
        WriteTs(d[96..], CtimeSec, CtimeNsec);
        WriteTs(d[112..], MtimeSec, MtimeNsec);
        BinaryPrimitives.WriteUInt32LittleEndian(d[128..], Major(Rdev));
        BinaryPrimitives.WriteUInt32LittleEndian(d[132..], Minor(Rdev));
        BinaryPrimitives.WriteUInt32LittleEndian(d[136..], Major(Dev));
        BinaryPrimitives.WriteUInt32LittleEndian(d[140..], Minor(Dev));
        BinaryPrimitives.WriteUInt64LittleEndian(d[144..], mountId);
    }

    private static void WriteTs(Span<byte> d, long sec, long nsec)
    {
        BinaryPrimitives.WriteInt64LittleEndian(d, sec);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], (uint)nsec);
    }

    /// <summary>Linux's dev_t encoding (new_encode_dev / huge_encode_dev).</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        (minor & 0xFFu) | ((ulong)(major & 0xFFFu) << 8) | ((ulong)(minor & ~0xFFu) << 12) | ((ulong)(major & ~0xFFFu) << 32);

    public static uint Major(ulong dev) => (uint)(((dev >> 8) & 0xFFF) | ((dev >> 32) & ~0xFFFUL));
    public static uint Minor(ulong dev) => (uint)((dev & 0xFF) | ((dev >> 12) & ~0xFFUL));
}

/// <summary>
/// What statx reports beyond the inode: the mask the caller asked for, the mount's id, whether the file is that
/// mount's root, the attribute flags the filesystem supports (FS_IOC_SETFLAGS's, on tmpfs and ext4) and those set.
/// </summary>
public readonly record struct StatxContext(uint Requested, int MountId, bool MountRoot, ulong FsAttributes, ulong Attributes = 0);

/// <summary>Filesystem statistics, written out as arm64 <c>struct statfs</c> (120 bytes).</summary>
public readonly record struct StatFsInfo(long Type, long BlockSize, ulong Blocks, ulong BlocksFree, ulong BlocksAvailable,
    ulong Files, ulong FilesFree, ulong FsId, long NameLen, long FragmentSize, long Flags)
{
    public const int Arm64StatFsSize = 120;

    public const long TMPFS_MAGIC = 0x01021994;
    public const long HUGETLBFS_MAGIC = 0x958458f6;
    public const long MQUEUE_MAGIC = 0x19800202;
    public const long EXT4_SUPER_MAGIC = 0xEF53;
    public const long PIPEFS_MAGIC = 0x50495045;
    public const long ANON_INODE_FS_MAGIC = 0x09041934;

    /// <summary>An internal filesystem's figures, as Linux's simple_statfs gives them: a type, the page size and NAME_MAX.</summary>
    public static StatFsInfo Internal(long type) => new(type, 4096, 0, 0, 0, 0, 0, 0, 255, 4096, ST_VALID);
    public const long ST_RDONLY = 1;
    public const long ST_NOSUID = 2;
    public const long ST_NODEV = 4;
    /// <summary>Always set by Linux's statfs: f_flags is meaningful (since 2.6.36).</summary>
    public const long ST_VALID = 0x20;

    public void WriteArm64StatFs(Span<byte> dest120)
    {
        var d = dest120[..Arm64StatFsSize];
        d.Clear();
        BinaryPrimitives.WriteInt64LittleEndian(d[0..], Type);
        BinaryPrimitives.WriteInt64LittleEndian(d[8..], BlockSize);
        BinaryPrimitives.WriteUInt64LittleEndian(d[16..], Blocks);
        BinaryPrimitives.WriteUInt64LittleEndian(d[24..], BlocksFree);
        BinaryPrimitives.WriteUInt64LittleEndian(d[32..], BlocksAvailable);
        BinaryPrimitives.WriteUInt64LittleEndian(d[40..], Files);
        BinaryPrimitives.WriteUInt64LittleEndian(d[48..], FilesFree);
        BinaryPrimitives.WriteUInt64LittleEndian(d[56..], FsId);
        BinaryPrimitives.WriteInt64LittleEndian(d[64..], NameLen);
        BinaryPrimitives.WriteInt64LittleEndian(d[72..], FragmentSize);
        BinaryPrimitives.WriteInt64LittleEndian(d[80..], Flags);
        // 88..119: f_spare
    }
}
