namespace Kernel.Syscalls.Abi;

/// <summary>*at(2) flags (the same on every architecture).</summary>
public static class AtFlags
{
    /// <summary>dirfd value meaning "the current directory".</summary>
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    /// <summary>unlinkat: remove a directory.</summary>
    public const int AT_REMOVEDIR = 0x200;
    /// <summary>faccessat: check with the effective ids.</summary>
    public const int AT_EACCESS = 0x200;
    public const int AT_SYMLINK_FOLLOW = 0x400;
    public const int AT_NO_AUTOMOUNT = 0x800;
    public const int AT_EMPTY_PATH = 0x1000;
    public const int AT_STATX_SYNC_TYPE = 0x6000;
    public const int AT_RECURSIVE = 0x8000;
}
