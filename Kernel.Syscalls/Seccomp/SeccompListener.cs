namespace Kernel.Syscalls.Seccomp;

/// <summary>
/// The user-notification side of a filter installed with SECCOMP_FILTER_FLAG_NEW_LISTENER (Linux's struct notification):
/// SECCOMP_RET_USER_NOTIF parks the calling thread until the supervisor holding the listener descriptor answers.
/// </summary>
public abstract class SeccompListener
{
    /// <summary>The listener descriptor was closed: notifications fail with ENOSYS and the path may get a new listener.</summary>
    public abstract bool Detached { get; }

    /// <summary>The filter this listener serves, set when the filter is made (its users decide POLLHUP).</summary>
    public SeccompFilter? Filter { get; internal set; }
}

/// <summary>The open file of a listener descriptor: its ioctls go to the seccomp family.</summary>
public interface ISeccompListenerFile
{
    SeccompListener Listener { get; }
}

/// <summary>The user-notification ABI: struct sizes, the listener's ioctls and their flags.</summary>
public static class SeccompNotification
{
    /// <summary>struct seccomp_notif: u64 id, u32 pid, u32 flags, struct seccomp_data.</summary>
    public const ushort Size = 80;
    /// <summary>struct seccomp_notif_resp: u64 id, s64 val, s32 error, u32 flags.</summary>
    public const ushort ResponseSize = 24;
    /// <summary>struct seccomp_notif_addfd: u64 id, u32 flags, u32 srcfd, u32 newfd, u32 newfd_flags.</summary>
    public const int AddFdSize = 24;

    // _IOWR('!', 0, seccomp_notif), _IOWR('!', 1, seccomp_notif_resp), _IOW('!', 2, u64), _IOW('!', 3, addfd), _IOW('!', 4, u64).
    public const uint IoctlRecv = 0xC0502100, IoctlSend = 0xC0182101, IoctlIdValid = 0x40082102, IoctlIdValidWrongDir = 0x80082102,
        IoctlAddFd = 0x40182103, IoctlSetFlags = 0x40082104;

    public const uint FlagContinue = 1;              // SECCOMP_USER_NOTIF_FLAG_CONTINUE
    public const uint FdSyncWakeUp = 1;              // SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
    public const uint AddFdSetFd = 1, AddFdSend = 2; // SECCOMP_ADDFD_FLAG_*

    /// <summary>Whether <paramref name="request"/> is ADDFD with any argument size (an extensible-argument ioctl).</summary>
    public static bool IsAddFd(uint request) => (request & ~0xC0000000u & ~(0x3FFFu << 16)) == (IoctlAddFd & 0xFFFF);

    /// <summary>The argument size an ioctl number encodes (_IOC_SIZE).</summary>
    public static int ArgumentSize(uint request) => (int)((request >> 16) & 0x3FFF);
}
