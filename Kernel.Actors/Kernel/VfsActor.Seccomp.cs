using System.Buffers.Binary;
using Akka.Actor;
using Kernel.Actors.Files;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Syscalls.Seccomp.SeccompNotification;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors;

// seccomp user notification (kernel/seccomp.c): a syscall that a filter answered SECCOMP_RET_USER_NOTIF waits here
// until the supervisor holding the listener receives it (SECCOMP_IOCTL_NOTIF_RECV, which waits for one) and answers
// (SEND, or ADDFD with SEND); closing the listener answers ENOSYS. Both kinds of wait end with ERESTARTSYS on a signal.
public sealed partial class VfsActor
{
    private KernelReply? HandleSeccomp(SeccompRequest request, IActorRef sender) => request switch
    {
        AwaitSeccompReply r => AwaitSupervisor(r, sender),
        SeccompListenerIoctl r => ListenerIoctl(r, sender),
        _ => new Failed(Errno.ENOSYS),
    };

    private KernelReply? AwaitSupervisor(AwaitSeccompReply r, IActorRef sender)
    {
        var notifier = (SeccompNotifier)r.Listener;
        lock (notifier.Gate)
        {
            if (notifier.Detached) return new Done(-(long)Errno.ENOSYS);
            notifier.Notifications.Add(new SeccompNotifier.Notification(notifier.NextId(), (KernelTask)r.Task, r, sender));
            HandOut(notifier);
        }
        notifier.Readiness.Notify(Poll.In | Poll.RdNorm | Poll.Out | Poll.WrNorm);
        return null;
    }

    private KernelReply? ListenerIoctl(SeccompListenerIoctl r, IActorRef sender)
    {
        var notifier = (SeccompNotifier)r.Listener;
        var mem = P(r.Task).Mm;
        switch (r.Request)
        {
            case IoctlRecv:
            {
                // The buffer must come zeroed, so that the struct can grow.
                var buf = new byte[Size];
                if (mem.Read(r.Argument, buf) != Errno.None) return new Failed(Errno.EFAULT);
                if (buf.AsSpan().ContainsAnyExcept((byte)0)) return new Failed(Errno.EINVAL);
                bool handed;
                lock (notifier.Gate)
                {
                    notifier.Receivers.Add(new SeccompNotifier.Receiver(r, sender));
                    handed = HandOut(notifier);
                }
                if (handed) notifier.Readiness.Notify(Poll.Out | Poll.WrNorm);
                return null; // answered by HandOut, now or when a notification comes
            }
            case IoctlSend:
                return SendResponse(r, notifier);
            case IoctlIdValid or IoctlIdValidWrongDir:
            {
                var id = new byte[8];
                if (mem.Read(r.Argument, id) != Errno.None) return new Failed(Errno.EFAULT);
                lock (notifier.Gate)
                {
                    return notifier.Find(BinaryPrimitives.ReadUInt64LittleEndian(id)) is { Phase: SeccompNotifier.Phase.Sent }
                        ? new Done(0) : new Failed(Errno.ENOENT);
                }
            }
            case IoctlSetFlags:
                if ((r.Argument & ~(ulong)FdSyncWakeUp) != 0) return new Failed(Errno.EINVAL);
                notifier.Flags = r.Argument;
                return new Done(0);
            default:
                return IsAddFd(r.Request) ? AddFd(r, notifier) : new Failed(Errno.EINVAL);
        }
    }

    /// <summary>Gives the oldest unreceived notifications to the waiting receivers (under the notifier's gate); whether any went.</summary>
    private static bool HandOut(SeccompNotifier notifier)
    {
        var handed = false;
        notifier.Receivers.RemoveAll(w => P(w.Request.Task).IsExiting);
        while (notifier.Receivers.Count > 0)
        {
            notifier.Notifications.RemoveAll(n => !n.Alive);
            var n = notifier.Notifications.Find(x => x.Phase == SeccompNotifier.Phase.Init);
            if (n is null) break;
            var receiver = notifier.Receivers[0];
            notifier.Receivers.RemoveAt(0);
            // struct seccomp_notif: id, the thread's pid, flags 0, then its seccomp_data.
            var buf = new byte[Size];
            BinaryPrimitives.WriteUInt64LittleEndian(buf, n.Id);
            BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(8), n.Task.Tid);
            n.Request.Data.CopyTo(buf.AsSpan(16));
            if (P(receiver.Request.Task).Mm.Write(receiver.Request.Argument, buf) != Errno.None)
            {
                receiver.Sender.Tell(new Failed(Errno.EFAULT)); // the notification stays for the next receiver
                continue;
            }
            n.Phase = SeccompNotifier.Phase.Sent;
            receiver.Sender.Tell(new Done(0));
            handed = true;
        }
        return handed;
    }

    private static KernelReply SendResponse(SeccompListenerIoctl r, SeccompNotifier notifier)
    {
        var resp = new byte[ResponseSize];
        if (P(r.Task).Mm.Read(r.Argument, resp) != Errno.None) return new Failed(Errno.EFAULT);
        var id = BinaryPrimitives.ReadUInt64LittleEndian(resp);
        var val = BinaryPrimitives.ReadInt64LittleEndian(resp.AsSpan(8));
        var error = BinaryPrimitives.ReadInt32LittleEndian(resp.AsSpan(16));
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(resp.AsSpan(20));
        if ((flags & ~FlagContinue) != 0) return new Failed(Errno.EINVAL);
        if ((flags & FlagContinue) != 0 && (error != 0 || val != 0)) return new Failed(Errno.EINVAL);
        lock (notifier.Gate)
        {
            var n = notifier.Find(id);
            if (n is null) return new Failed(Errno.ENOENT);
            if (n.Phase != SeccompNotifier.Phase.Sent) return new Failed(Errno.EINPROGRESS); // exactly one reply
            notifier.Notifications.Remove(n);
            // syscall_set_return_value: a non-zero error is the result, else the value.
            n.Waiter.Tell((flags & FlagContinue) != 0 ? new SeccompContinue() : new Done(error != 0 ? error : val));
        }
        return new Done(0);
    }

    /// <summary>SECCOMP_IOCTL_NOTIF_ADDFD: installs one of the supervisor's files in the waiting thread's process.</summary>
    private KernelReply AddFd(SeccompListenerIoctl r, SeccompNotifier notifier)
    {
        var size = ArgumentSize(r.Request);
        if (size < AddFdSize || size >= 4096) return new Failed(Errno.EINVAL);
        var raw = new byte[size];
        if (P(r.Task).Mm.Read(r.Argument, raw) != Errno.None) return new Failed(Errno.EFAULT);
        if (raw.AsSpan(AddFdSize).ContainsAnyExcept((byte)0)) return new Failed(Errno.E2BIG); // copy_struct_from_user
        var id = BinaryPrimitives.ReadUInt64LittleEndian(raw);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(8));
        var srcFd = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(12));
        var newFd = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(16));
        var newFdFlags = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(20));
        if ((newFdFlags & ~(uint)O_CLOEXEC) != 0) return new Failed(Errno.EINVAL);
        if ((flags & ~(AddFdSetFd | AddFdSend)) != 0) return new Failed(Errno.EINVAL);
        if (newFd != 0 && (flags & AddFdSetFd) == 0) return new Failed(Errno.EINVAL);
        if (FileOf(r.Task, srcFd) is not { } file) return new Failed(Errno.EBADF);
        lock (notifier.Gate)
        {
            var n = notifier.Find(id);
            if (n is null) return new Failed(Errno.ENOENT);
            if (n.Phase != SeccompNotifier.Phase.Sent) return new Failed(Errno.EINPROGRESS); // not received, or answered
            var fd = InstallInto(n.Task, file, (flags & AddFdSetFd) != 0 ? newFd : null, (newFdFlags & O_CLOEXEC) != 0);
            if (fd >= 0 && (flags & AddFdSend) != 0)
            {
                notifier.Notifications.Remove(n);
                n.Waiter.Tell(new Done(fd)); // the call returns the new descriptor
            }
            return Result(fd);
        }
    }

    /// <summary>receive_fd (lowest free descriptor) or receive_fd_replace (dup2 onto <paramref name="at"/>) in <paramref name="task"/>'s process.</summary>
    private long InstallInto(KernelTask task, OpenFile file, uint? at, bool closeOnExec)
    {
        var files = task.Process.Files;
        file.AddReference();
        if (at is not { } target)
        {
            var fd = files.Install(file, closeOnExec);
            if (fd < 0) file.DropReference();
            return fd;
        }
        if (target >= (uint)files.Limit)
        {
            file.DropReference();
            return -(long)Errno.EBADF;
        }
        var old = files.Replace((int)target, new FdEntry(file, closeOnExec));
        if (old is not null) ClosedByProcess(task, old.File);
        old?.File.DropReference();
        return target;
    }

    /// <summary>A signal for a thread waiting on its supervisor, or for a supervisor waiting in RECV.</summary>
    private static void InterruptSeccomp(SeccompRequest request)
    {
        switch (request)
        {
            case AwaitSeccompReply r:
            {
                var notifier = (SeccompNotifier)r.Listener;
                lock (notifier.Gate)
                {
                    var n = notifier.Notifications.Find(x => ReferenceEquals(x.Request, r));
                    if (n is null) return; // answered already
                    // WAIT_KILLABLE_RECV: once the supervisor has it, only a fatal signal (which ends the task) counts.
                    if (notifier.WaitKillableRecv && n.Phase == SeccompNotifier.Phase.Sent) return;
                    notifier.Notifications.Remove(n);
                    n.Waiter.Tell(new Failed(Errno.ERESTARTSYS));
                }
                break;
            }
            case SeccompListenerIoctl r:
            {
                var notifier = (SeccompNotifier)r.Listener;
                lock (notifier.Gate)
                {
                    var i = notifier.Receivers.FindIndex(w => ReferenceEquals(w.Request, r));
                    if (i < 0) return;
                    var receiver = notifier.Receivers[i];
                    notifier.Receivers.RemoveAt(i);
                    receiver.Sender.Tell(new Failed(Errno.ERESTARTSYS));
                }
                break;
            }
        }
    }
}
