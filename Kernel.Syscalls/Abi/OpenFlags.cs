namespace Kernel.Syscalls.Abi;

/// <summary>open(2) flags with their arm64 values (O_DIRECTORY, O_NOFOLLOW, O_DIRECT, O_LARGEFILE differ from x86_64).</summary>
public static class OpenFlags
{
    public const int O_ACCMODE = 3;
    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_APPEND = 0x400;
    public const int O_NONBLOCK = 0x800;
    public const int O_DSYNC = 0x1000;
    public const int O_ASYNC = 0x2000;
    public const int O_DIRECTORY = 0x4000;
    public const int O_NOFOLLOW = 0x8000;
    public const int O_DIRECT = 0x10000;
    public const int O_LARGEFILE = 0x20000;
    public const int O_NOATIME = 0x40000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_SYNC = 0x101000;
    public const int O_PATH = 0x200000;
    public const int O_TMPFILE = __O_TMPFILE | O_DIRECTORY;
    /// <summary>The O_TMPFILE bit without O_DIRECTORY.</summary>
    public const int __O_TMPFILE = 0x400000;

    /// <summary>Flags that stay with the open file description (F_GETFL shows them; F_SETFL may change some).</summary>
    public const int StatusFlagsMask = O_ACCMODE | O_APPEND | O_NONBLOCK | O_DSYNC | O_ASYNC | O_DIRECT | O_LARGEFILE | O_NOATIME | O_SYNC | O_PATH;

    /// <summary>Flags that F_SETFL may change.</summary>
    public const int SetFlMask = O_APPEND | O_NONBLOCK | O_ASYNC | O_DIRECT | O_NOATIME;

    public const int SEEK_SET = 0;
    public const int SEEK_CUR = 1;
    public const int SEEK_END = 2;
    public const int SEEK_DATA = 3;
    public const int SEEK_HOLE = 4;

    /// <summary>access(2) modes.</summary>
    public const int F_OK = 0;
    public const int X_OK = 1;
    public const int W_OK = 2;
    public const int R_OK = 4;

    /// <summary>renameat2(2) flags.</summary>
    public const uint RENAME_NOREPLACE = 1;
    public const uint RENAME_EXCHANGE = 2;
    public const uint RENAME_WHITEOUT = 4;

    /// <summary>File type and permission bits of st_mode.</summary>
    public const uint S_IFMT = 0xF000;
    public const uint S_IFSOCK = 0xC000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFIFO = 0x1000;
    public const uint S_ISUID = 0x800;
    public const uint S_ISGID = 0x400;
    public const uint S_ISVTX = 0x200;

    /// <summary>linux_dirent64 d_type values.</summary>
    public const byte DT_UNKNOWN = 0;
    public const byte DT_FIFO = 1;
    public const byte DT_CHR = 2;
    public const byte DT_DIR = 4;
    public const byte DT_BLK = 6;
    public const byte DT_REG = 8;
    public const byte DT_LNK = 10;
    public const byte DT_SOCK = 12;

    /// <summary>Longest name component and path (including the NUL) Linux accepts.</summary>
    public const int NAME_MAX = 255;
    public const int PATH_MAX = 4096;
    public const int PIPE_BUF = 4096;
}
