namespace Kernel.Syscalls.Protocol;

/// <summary>The readiness family (eventfd, epoll, poll/select, timerfd, inotify), served by the VFS actor.</summary>
public abstract record EventsRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>eventfd2: flags hold EFD_SEMAPHORE, EFD_NONBLOCK, EFD_CLOEXEC (validated).</summary>
public sealed record CreateEventFd(IKernelTask Task, ulong Initial, int Flags) : EventsRequest(Task);

/// <summary>epoll_create1: flags hold EPOLL_CLOEXEC (validated).</summary>
public sealed record CreateEpoll(IKernelTask Task, int Flags) : EventsRequest(Task);

/// <summary>epoll_ctl, with the struct epoll_event already copied in (ignored for EPOLL_CTL_DEL).</summary>
public sealed record ControlEpoll(IKernelTask Task, int Epfd, int Op, int Fd, uint Events, ulong Data) : EventsRequest(Task);

/// <summary>epoll_pwait/epoll_pwait2: up to MaxEvents events are written to EventsAddress; Timeout null waits for ever.</summary>
public sealed record WaitEpoll(IKernelTask Task, int Epfd, ulong EventsAddress, int MaxEvents, TimeSpan? Timeout) : EventsRequest(Task);

/// <summary>ppoll: the pollfd array is read from and its revents written back to guest memory by the actor.</summary>
public sealed record PollFiles(IKernelTask Task, ulong FdsAddress, int Count, TimeSpan? Timeout) : EventsRequest(Task);

/// <summary>pselect6: each set address may be 0; the actor reads the sets, checks the descriptors and writes the results.</summary>
public sealed record SelectFiles(IKernelTask Task, int Nfds, ulong ReadSet, ulong WriteSet, ulong ExceptSet, TimeSpan? Timeout) : EventsRequest(Task);

/// <summary>timerfd_create: Clock is CLOCK_REALTIME, CLOCK_MONOTONIC or CLOCK_BOOTTIME (validated).</summary>
public sealed record CreateTimerFd(IKernelTask Task, int Clock, int Flags) : EventsRequest(Task);

/// <summary>timerfd_settime with the new setting in ns (validated); replies the old one.</summary>
public sealed record SetTimerFd(IKernelTask Task, int Fd, int Flags, long Value, long Interval) : EventsRequest(Task);

/// <summary>timerfd_gettime: replies the current setting.</summary>
public sealed record GetTimerFd(IKernelTask Task, int Fd) : EventsRequest(Task);

/// <summary>A timer setting in ns: time to the next expiry (0 when disarmed) and the interval.</summary>
public sealed record TimerSetting(long Value, long Interval) : KernelReply;

/// <summary>inotify_init1: flags hold IN_NONBLOCK, IN_CLOEXEC (validated).</summary>
public sealed record CreateInotify(IKernelTask Task, int Flags) : EventsRequest(Task);

/// <summary>inotify_add_watch: Path is null when copying it in failed with PathError (reported after the fd checks, as Linux does).</summary>
public sealed record AddInotifyWatch(IKernelTask Task, int Fd, string? Path, Abi.Errno PathError, uint Mask) : EventsRequest(Task);

/// <summary>inotify_rm_watch.</summary>
public sealed record RemoveInotifyWatch(IKernelTask Task, int Fd, int Wd) : EventsRequest(Task);
