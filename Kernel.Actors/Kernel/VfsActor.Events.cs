using Akka.Actor;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// The readiness family: eventfd, epoll, poll/select, timerfd, inotify. Waits go through the parking of VfsActor.Parking.cs.
public sealed partial class VfsActor
{
    private const uint InMaskAdd = 0x20000000, InMaskCreate = 0x10000000, InOnlyDir = 0x01000000, InDontFollow = 0x02000000;

    private KernelReply? HandleEvents(EventsRequest request, IActorRef sender)
    {
        switch (request)
        {
            case CreateEventFd r:
                return Install(r.Task, new EventFdFile(r.Initial, r.Flags), r.Flags);
            case CreateEpoll r:
                return Install(r.Task, new EpollFile(r.Flags), r.Flags);
            case ControlEpoll r:
                return ControlEpoll(r);
            case CreateTimerFd r:
            {
                var timers = sandbox.TimerThread;
                // Long delays are cut to a day: the timer re-arms itself when woken early.
                ScheduleOnce schedule = (delay, action) => timers.Schedule(delay < TimeSpan.FromDays(1) ? delay : TimeSpan.FromDays(1), action).Cancel;
                var box = sandbox;
                var nsOffset = P(r.Task).Namespaces.Time.OffsetOf(r.Clock); // fixed: the creator is in the namespace, so it is frozen
                Func<long> offset = r.Clock == Kernel.Syscalls.Handlers.Time.ClockRealtime ? () => Interlocked.Read(ref box.RealtimeOffsetNs) : () => nsOffset;
                return Install(r.Task, new TimerFdFile(r.Clock, r.Flags, schedule, offset), r.Flags);
            }
            case SetTimerFd r:
            {
                if (FileOf<TimerFdFile>(r.Task, r.Fd, out var timer) is { } error) return error;
                var (value, interval) = timer!.Set(r.Flags, r.Value, r.Interval);
                // TFD_TIMER_CANCEL_ON_SET on an absolute realtime timer: a clock change cancels it.
                if ((r.Flags & (TimerFdFile.AbsoluteTime | TimerFdFile.CancelOnSet)) == (TimerFdFile.AbsoluteTime | TimerFdFile.CancelOnSet)
                    && timer.ClockId == Kernel.Syscalls.Handlers.Time.ClockRealtime)
                    sandbox.WatchClockSet(timer);
                return new TimerSetting(value, interval);
            }
            case GetTimerFd r:
            {
                if (FileOf<TimerFdFile>(r.Task, r.Fd, out var timer) is { } error) return error;
                var (value, interval) = timer!.Get();
                return new TimerSetting(value, interval);
            }
            case CreateInotify r:
                return Install(r.Task, new InotifyFile(sandbox.Vfs.Notify, r.Flags), r.Flags);
            case AddInotifyWatch r:
                return AddInotifyWatch(r);
            case RemoveInotifyWatch r:
            {
                if (FileOf<InotifyFile>(r.Task, r.Fd, out var inotify) is { } error) return error;
                return inotify!.RemoveWatch(r.Wd) ? new Done(0) : new Failed(Errno.EINVAL);
            }
            case WaitEpoll or PollFiles or SelectFiles:
                return Start(new ParkedCall(request, sender, Self, Timeout(request)));
            default:
                return new Failed(Errno.ENOSYS);
        }
    }

    /// <summary>The descriptor's file if it is a <typeparamref name="T"/>: else EBADF (not open, or O_PATH) or EINVAL (another kind).</summary>
    private static Failed? FileOf<T>(IKernelTask task, int fd, out T? file) where T : OpenFile
    {
        var f = P(task).Files.GetFile(fd);
        file = f as T;
        if (f is null || f.IsPathOnly) return new Failed(Errno.EBADF);
        return file is null ? new Failed(Errno.EINVAL) : null;
    }

    private static TimeSpan? Timeout(EventsRequest request) => request switch
    {
        WaitEpoll w => w.Timeout,
        PollFiles p => p.Timeout,
        SelectFiles s => s.Timeout,
        _ => null,
    };

    /// <summary>Installs a new file at the lowest free descriptor (O_CLOEXEC in <paramref name="flags"/> sets close-on-exec).</summary>
    private static KernelReply Install(IKernelTask task, OpenFile file, int flags)
    {
        var fd = P(task).Files.Install(file, (flags & OCloexec) != 0);
        if (fd < 0) file.DropReference();
        return Result(fd);
    }

    private static KernelReply ControlEpoll(ControlEpoll r)
    {
        var files = P(r.Task).Files;
        if (files.GetFile(r.Epfd) is not { IsPathOnly: false } epFile) return new Failed(Errno.EBADF);
        if (files.GetFile(r.Fd) is not { IsPathOnly: false } target) return new Failed(Errno.EBADF);
        if (!target.Pollable) return new Failed(Errno.EPERM);
        if (ReferenceEquals(epFile, target) || epFile is not EpollFile ep) return new Failed(Errno.EINVAL);
        return Result(ep.Control(r.Op, target, r.Fd, r.Events, r.Data));
    }

    private KernelReply AddInotifyWatch(AddInotifyWatch r)
    {
        var process = P(r.Task);
        if (process.Files.GetFile(r.Fd) is not { IsPathOnly: false } file) return new Failed(Errno.EBADF);
        if ((r.Mask & InMaskAdd) != 0 && (r.Mask & InMaskCreate) != 0) return new Failed(Errno.EINVAL);
        if (file is not InotifyFile inotify) return new Failed(Errno.EINVAL);
        if (r.Path is null) return new Failed(r.PathError);
        var e = sandbox.Vfs.Resolve(process.Fs, null, r.Path, (r.Mask & InDontFollow) != 0 ? AtFlags.AT_SYMLINK_NOFOLLOW : 0, out var loc);
        if (e < 0) return Result(e);
        if ((r.Mask & InOnlyDir) != 0 && !loc.IsDirectory) return new Failed(Errno.ENOTDIR);
        e = Permission.Check(loc.Inode, process.Fs.Creds, Permission.MayRead);
        return e < 0 ? Result(e) : Result(inotify.AddWatch(loc.Inode, r.Mask));
    }

    /// <summary>An attempt of a waiting call of this family (epoll_wait, poll, select).</summary>
    private KernelReply? TryEvents(ParkedCall call) => call.Request switch
    {
        WaitEpoll r => TryEpollWait(call, r),
        PollFiles r => TryPoll(call, r),
        SelectFiles r => TrySelect(call, r),
        _ => throw new ArgumentException($"{call.Request.GetType().Name} cannot wait"),
    };

    private static KernelReply? TryEpollWait(ParkedCall call, WaitEpoll r)
    {
        var process = P(r.Task);
        if (process.IsExiting) return new Failed(Errno.EINTR);
        // The instance is looked up once: closing the descriptor does not end the wait (Linux holds the file).
        if (call.Context is not EpollFile ep)
        {
            if (FileOf<EpollFile>(r.Task, r.Epfd, out var found) is { } error) return error;
            call.Context = ep = found!;
        }
        var reply = Harvest(ep, r, process.Mm);
        if (reply is not null || !call.MayWait) return reply ?? new Done(0);
        return call.Watch(ep.Callers, Poll.In) ? Harvest(ep, r, process.Mm) : null;
    }

    /// <summary>Copies ready events out: Done(n), Failed(EFAULT) when not even one could be stored, null when none is ready.</summary>
    private static KernelReply? Harvest(EpollFile ep, WaitEpoll r, Mm.AddressSpace mm)
    {
        var n = Readiness.Harvest(ep, mm, r.EventsAddress, r.MaxEvents);
        return n == 0 ? null : Result(n);
    }
}
