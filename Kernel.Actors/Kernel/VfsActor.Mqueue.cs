using Akka.Actor;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors;

// POSIX message queues: files of the mqueue filesystem of the caller's IPC namespace. mq_timedsend and
// mq_timedreceive park in the VFS actor (ParkedCall) on the queue's wait queue while it is full or empty.
public sealed partial class VfsActor
{
    private KernelReply? HandleMqueue(MqueueRequest request, IActorRef sender) => request switch
    {
        OpenMqueue r => OpenQueue(r),
        UnlinkMqueue r => UnlinkQueue(r),
        SendMqueue or ReceiveMqueue => Start(new ParkedCall(request, sender, Self, request switch
        {
            SendMqueue s => s.Timeout,
            ReceiveMqueue v => v.Timeout,
            _ => null,
        })),
        NotifyMqueue r => NotifyQueue(r),
        MqueueAttributes r => QueueAttributes(r),
        _ => new Failed(Errno.ENOSYS),
    };

    /// <summary>The mqueue filesystem of <paramref name="process"/>'s IPC namespace.</summary>
    internal MqueueFs MqueueOf(KernelProcess process)
    {
        var ns = process.Namespaces.Ipc;
        return ns.Mqueue ??= new MqueueFs(State.MqueueLimits);
    }

    /// <summary>lookup_one_len's rules for a queue name: no '/', not "." or "..", at most NAME_MAX bytes.</summary>
    private static long CheckQueueName(string name) =>
        System.Text.Encoding.UTF8.GetByteCount(name) > 255 ? -(long)Errno.ENAMETOOLONG
        : name.Contains('/') || name is "." or ".." ? -(long)Errno.EACCES : 0;

    private KernelReply OpenQueue(OpenMqueue r)
    {
        var process = P(r.Task);
        if (!process.Files.HasFree()) return new Failed(Errno.EMFILE);
        long e = CheckQueueName(r.Name);
        if (e < 0) return Result(e);
        var fs = MqueueOf(process);
        var creds = process.Creds;
        if (!fs.Dir.Entries.TryGetValue(r.Name, out var queue))
        {
            if ((r.Flags & O_CREAT) == 0) return new Failed(Errno.ENOENT);
            e = Permission.Check(fs.Dir, creds, Permission.MayWrite | Permission.MayExec);
            if (e < 0) return Result(e);
            uint mode = r.Mode & 0xFFF & ~(uint)process.Fs.Umask;
            e = fs.Dir.CreateQueue(r.Name, mode, creds, r.Attr, r.Task.Settings.Has(Capabilities.SysResource),
                process.GetLimit(Kernel.Syscalls.Handlers.Limits.MsgQueue).Cur, out queue);
            if (e < 0) return Result(e);
        }
        else
        {
            if ((r.Flags & (O_CREAT | O_EXCL)) == (O_CREAT | O_EXCL)) return new Failed(Errno.EEXIST);
            if ((r.Flags & O_ACCMODE) == O_ACCMODE) return new Failed(Errno.EINVAL);
            e = Permission.Check(queue, creds, Permission.ForAccessMode(r.Flags & O_ACCMODE));
            if (e < 0) return Result(e);
        }
        // Linux keeps the open flags but O_CREAT, O_EXCL and O_TRUNC... as dentry_open does; mq_getsetattr shows O_NONBLOCK.
        var mount = MqueueMount(fs);
        var location = new Location(mount, queue!, new Location(mount, fs.Dir, null, ""), r.Name);
        queue!.Open(location, r.Flags & (O_ACCMODE | O_NONBLOCK), out var file);
        var fd = process.Files.Install(file!, (r.Flags & O_CLOEXEC) != 0);
        if (fd < 0) file!.DropReference();
        return Result(fd);
    }

    /// <summary>The internal mount of an mqueue filesystem (what /proc/[pid]/fd shows queues under: "/NAME").</summary>
    private Mount MqueueMount(MqueueFs fs)
    {
        if (!State.MqueueMounts.TryGetValue(fs, out var mount))
            State.MqueueMounts[fs] = mount = new Mount(sandbox.Vfs, fs, false, null, "");
        return mount;
    }

    private KernelReply UnlinkQueue(UnlinkMqueue r)
    {
        var process = P(r.Task);
        long e = CheckQueueName(r.Name);
        if (e < 0) return Result(e);
        var fs = MqueueOf(process);
        if (!fs.Dir.Entries.TryGetValue(r.Name, out var queue)) return new Failed(Errno.ENOENT);
        e = Permission.Check(fs.Dir, process.Creds, Permission.MayWrite | Permission.MayExec);
        if (e < 0) return Result(e);
        if (!Permission.MayDeleteInSticky(fs.Dir, queue, process.Creds)) return new Failed(Errno.EPERM);
        return Result(fs.Dir.RemoveEntry(r.Name, false));
    }

    /// <summary>The queue behind a descriptor: EBADF for a closed one, an O_PATH one or another kind of file.</summary>
    private static MqueueFile? QueueFile(IKernelTask task, int fd) => P(task).Files.GetFile(fd) is MqueueFile { IsPathOnly: false } f ? f : null;

    private KernelReply? TryMqueue(ParkedCall call)
    {
        var request = (MqueueRequest)call.Request;
        var process = P(request.Task);
        var file = QueueFile(request.Task, request switch { SendMqueue s => s.Fd, ReceiveMqueue v => v.Fd, _ => -1 });
        if (file is null) return new Failed(Errno.EBADF);
        var queue = file.Queue;
        if (request is SendMqueue send)
        {
            if (!file.CanWrite) return new Failed(Errno.EBADF);
            if (send.Length > (ulong)queue.MsgSize) return new Failed(Errno.EMSGSIZE);
            if (call.Context is null)
            {
                // Read once, when the call first gets this far: a wait must not read the guest's buffer again.
                var message = new byte[send.Length];
                if (process.Mm.Read(send.Message, message) != Errno.None) return new Failed(Errno.EFAULT);
                call.Context = message;
            }
            if (queue.IsFull) return Wait(call, file, queue);
            queue.Send((byte[])call.Context, send.Priority);
            if (queue.CurMsgs == 1 && !HasParkedReceiver(queue)) NotifyQueueOwner(queue, process);
            return new Done(0);
        }
        var receive = (ReceiveMqueue)request;
        if (!file.CanRead) return new Failed(Errno.EBADF);
        if (receive.Length < (ulong)queue.MsgSize) return new Failed(Errno.EMSGSIZE);
        if (queue.IsEmpty) return Wait(call, file, queue);
        var (data, priority) = queue.Receive();
        // Linux has taken the message off the queue by the time a bad buffer faults: it is lost, as there.
        if (process.Mm.Write(receive.Buffer, data) != Errno.None) return new Failed(Errno.EFAULT);
        if (receive.PriorityAddress != 0 && process.Mm.Write(receive.PriorityAddress, BitConverter.GetBytes(priority)) != Errno.None)
            return new Failed(Errno.EFAULT);
        return new Done(data.Length);
    }

    /// <summary>A full (or empty) queue: EAGAIN without waiting, ETIMEDOUT once the deadline passed, else parked.</summary>
    private static KernelReply? Wait(ParkedCall call, MqueueFile file, MqueueInode queue)
    {
        if (file.NonBlocking) return new Failed(Errno.EAGAIN);
        if (!call.MayWait) return new Failed(Errno.ETIMEDOUT);
        call.Watch(queue.Waiters, call.Request is SendMqueue ? Poll.Out : Poll.In);
        return null;
    }

    private bool HasParkedReceiver(MqueueInode queue) =>
        State.Parked.Any(c => c.Request is ReceiveMqueue r && QueueFile(r.Task, r.Fd)?.Queue == queue);

    /// <summary>__do_notify: the registration is used once; SIGEV_SIGNAL sends SI_MESGQ with the sender's pid and real uid.</summary>
    private void NotifyQueueOwner(MqueueInode queue, KernelProcess sender)
    {
        if (queue.Notification is not { } n) return;
        queue.Notification = null;
        if (n.Notify != MqueueNotification.SigevSignal || n.Signo == 0) return;
        if (sandbox.FindProcess(n.Pid) is not { ExitStatus: null } owner) return;
        SignalActor.Post(owner, new SigInfo(n.Signo, SigInfo.SiMesgq) { Pid = sender.Pid, Uid = sender.Creds.Uid, Value = n.Value }, null);
    }

    private KernelReply NotifyQueue(NotifyMqueue r)
    {
        var file = QueueFile(r.Task, r.Fd);
        if (file is null) return new Failed(Errno.EBADF);
        var queue = file.Queue;
        int pid = P(r.Task).Pid;
        if (r.Notify is not { } how)
        {
            if (queue.Notification?.Pid == pid) queue.Notification = null;
            return new Done(0);
        }
        if (queue.Notification is not null) return new Failed(Errno.EBUSY);
        queue.Notification = new MqueueNotification(pid, how.Notify, how.Signo, how.Value);
        // The owner's registration goes with its descriptor (mqueue_flush_file).
        file.OnRelease = f => { if (f.Queue.Notification?.Pid == pid) f.Queue.Notification = null; };
        return new Done(0);
    }

    private static KernelReply QueueAttributes(MqueueAttributes r)
    {
        var file = QueueFile(r.Task, r.Fd);
        if (file is null) return new Failed(Errno.EBADF);
        var queue = file.Queue;
        var old = new byte[64];
        BitConverter.TryWriteBytes(old.AsSpan(0), (long)(file.StatusFlags & O_NONBLOCK));
        BitConverter.TryWriteBytes(old.AsSpan(8), queue.MaxMsg);
        BitConverter.TryWriteBytes(old.AsSpan(16), queue.MsgSize);
        BitConverter.TryWriteBytes(old.AsSpan(24), queue.CurMsgs);
        if (r.NewFlags is { } flags)
            file.StatusFlags = (file.StatusFlags & ~O_NONBLOCK) | (int)(flags & O_NONBLOCK);
        return new Bytes(old);
    }
}
