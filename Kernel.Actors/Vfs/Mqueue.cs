using System.Globalization;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Vfs;

/// <summary>The fs.mqueue sysctls (/proc/sys/fs/mqueue), Linux's defaults.</summary>
public sealed class MqueueLimits
{
    public const int HardMsgMax = 65536, HardMsgSizeMax = 16 << 20, PrioMax = 32768;
    public int QueuesMax { get; set; } = 256;
    public int MsgMax { get; set; } = 10;
    public int MsgSizeMax { get; set; } = 8192;
    public int MsgDefault { get; set; } = 10;
    public int MsgSizeDefault { get; set; } = 8192;

    /// <summary>RLIMIT_MSGQUEUE bytes charged to each user id for its queues.</summary>
    internal Dictionary<uint, long> BytesByUser { get; } = [];
}

/// <summary>
/// The mqueue filesystem of one IPC namespace: POSIX message queues are its files (mq_open resolves names in it;
/// `mount -t mqueue` shows it). One flat directory, sticky and writable by all, as Linux's.
/// </summary>
public sealed class MqueueFs : Filesystem
{
    private long _nextIno = 1;

    public MqueueFs(MqueueLimits limits)
    {
        Limits = limits;
        Root = new MqueueDir(this);
    }

    public MqueueLimits Limits { get; }
    public override string Type => "mqueue";
    public override Inode Root { get; }
    public MqueueDir Dir => (MqueueDir)Root;
    internal ulong NextIno() => (ulong)Interlocked.Increment(ref _nextIno);
    /// <summary>Queues that exist (named, or unlinked and still open): queues_max counts them.</summary>
    internal int QueueCount;

    public override StatFsInfo StatFs() => new(StatFsInfo.MQUEUE_MAGIC, 4096, 0, 0, 0, 0, 0, Dev, 255, 4096, 0);
}

public sealed class MqueueDir(MqueueFs fs) : MemoryInode(fs, fs.NextIno(), S_IFDIR | S_ISVTX | 0x1FF /* 01777 */)
{
    internal readonly Dictionary<string, MqueueInode> Entries = new(StringComparer.Ordinal);
    private MqueueFs MqFs => (MqueueFs)Fs;

    protected override uint LinkCount => 2;

    public override long Lookup(string name, out Inode? child)
    {
        child = Entries.GetValueOrDefault(name);
        return child is null ? -(long)Errno.ENOENT : 0;
    }

    public override long ReadDir(out List<DirEntry> entries)
    {
        entries = Entries.Select(e => new DirEntry(e.Key, e.Value.Ino, 8 /* DT_REG */)).ToList();
        return 0;
    }

    /// <summary>
    /// open(O_CREAT) in a mounted mqueue filesystem: a queue with the default sizes. The VFS's create path knows the
    /// credentials but not the process, so root stands for CAP_SYS_RESOURCE and RLIMIT_MSGQUEUE is not charged here.
    /// </summary>
    public override long CreateFile(string name, uint mode, Credentials creds, out Inode? child)
    {
        long r = CreateQueue(name, mode, creds, null, creds.IsRoot, ulong.MaxValue, out var q);
        child = q;
        return r;
    }

    /// <summary>
    /// mqueue_create_attr: queues_max (ENOSPC unless <paramref name="privileged"/>), then the sizes (EINVAL past the
    /// sysctl limits, or the hard ones when privileged), then RLIMIT_MSGQUEUE (<paramref name="byteLimit"/>, EMFILE).
    /// </summary>
    public long CreateQueue(string name, uint mode, Credentials creds, (long MaxMsg, long MsgSize)? attr, bool privileged, ulong byteLimit, out MqueueInode? queue)
    {
        queue = null;
        var limits = MqFs.Limits;
        if (MqFs.QueueCount >= limits.QueuesMax && !privileged) return -(long)Errno.ENOSPC;
        var (maxMsg, msgSize) = attr ?? (limits.MsgDefault, limits.MsgSizeDefault);
        if (maxMsg <= 0 || msgSize <= 0) return -(long)Errno.EINVAL;
        if (privileged ? maxMsg > MqueueLimits.HardMsgMax || msgSize > MqueueLimits.HardMsgSizeMax
                       : maxMsg > limits.MsgMax || msgSize > limits.MsgSizeMax)
            return -(long)Errno.EINVAL;
        // The bytes Linux pins for a queue: its messages, a msg_msg header each and a priority tree node per possible priority.
        long bytes = maxMsg * msgSize + maxMsg * MqueueInode.MsgHeaderSize + Math.Min(maxMsg, MqueueLimits.PrioMax) * MqueueInode.TreeNodeSize;
        long charged = limits.BytesByUser.GetValueOrDefault(creds.Uid);
        if ((ulong)(charged + bytes) > byteLimit) return -(long)Errno.EMFILE;
        limits.BytesByUser[creds.Uid] = charged + bytes;
        queue = new MqueueInode(MqFs, mode & 0xFFF, creds.Fsuid, creds.Fsgid, maxMsg, msgSize, bytes, creds.Uid);
        Entries[name] = queue;
        MqFs.QueueCount++;
        Mtime = Ctime = Timespec.Now;
        return 0;
    }

    public override long RemoveEntry(string name, bool directory)
    {
        if (!Entries.Remove(name, out var q)) return -(long)Errno.ENOENT;
        if (directory) return -(long)Errno.ENOTDIR;
        Mtime = Ctime = Timespec.Now;
        q.Unlinked();
        return 0;
    }

    public override long CreateDirectory(string name, uint mode, Credentials creds) => -(long)Errno.EPERM;
}

/// <summary>One POSIX message queue: messages by priority (highest first, FIFO within one), its sizes and its notification.</summary>
public sealed class MqueueInode : MemoryInode
{
    /// <summary>sizeof(struct msg_msg) and sizeof(struct posix_msg_tree_node) on 64-bit Linux.</summary>
    internal const int MsgHeaderSize = 48, TreeNodeSize = 48;

    private readonly SortedDictionary<uint, Queue<byte[]>> _byPriority = new(Comparer<uint>.Create((a, b) => b.CompareTo(a)));
    private readonly MqueueFs _fs;
    private readonly long _charged;
    private readonly uint _chargedUid;
    private int _opens;
    private bool _unlinked, _released;

    internal MqueueInode(MqueueFs fs, uint perm, uint uid, uint gid, long maxMsg, long msgSize, long charged, uint chargedUid)
        : base(fs, fs.NextIno(), S_IFREG | perm, uid, gid)
    {
        _fs = fs;
        MaxMsg = maxMsg;
        MsgSize = msgSize;
        _charged = charged;
        _chargedUid = chargedUid;
    }

    public long MaxMsg { get; }
    public long MsgSize { get; }
    public long CurMsgs { get; private set; }
    /// <summary>QSIZE: the bytes of the messages queued.</summary>
    public long QueueBytes { get; private set; }
    public WaitQueue Waiters { get; } = new();
    public MqueueNotification? Notification { get; set; }

    /// <summary>st_size of every queue file, Linux's FILENT_SIZE (what SEEK_END counts from, too).</summary>
    internal const long FileSize = 80;

    protected override long Size => FileSize;

    public bool IsFull => CurMsgs >= MaxMsg;
    public bool IsEmpty => CurMsgs == 0;

    public void Send(byte[] message, uint priority)
    {
        if (!_byPriority.TryGetValue(priority, out var q))
        {
            _byPriority[priority] = q = new Queue<byte[]>();
        }
        q.Enqueue(message);
        CurMsgs++;
        QueueBytes += message.Length;
        Mtime = Ctime = Timespec.Now;
        Waiters.Notify(Poll.In | Poll.RdNorm);
    }

    public (byte[] Message, uint Priority) Receive()
    {
        var (priority, q) = _byPriority.First();
        var message = q.Dequeue();
        if (q.Count == 0)
        {
            _byPriority.Remove(priority);
        }
        CurMsgs--;
        QueueBytes -= message.Length;
        Atime = Ctime = Timespec.Now;
        Waiters.Notify(Poll.Out | Poll.WrNorm);
        return (message, priority);
    }

    public int PollEvents() => (CurMsgs > 0 ? Poll.In | Poll.RdNorm : 0) | (CurMsgs < MaxMsg ? Poll.Out | Poll.WrNorm : 0);

    /// <summary>What reading the queue's file gives (mqueue_read_file).</summary>
    public string Describe()
    {
        var n = Notification;
        return string.Format(CultureInfo.InvariantCulture, "QSIZE:{0,-10} NOTIFY:{1,-5} SIGNO:{2,-5} NOTIFY_PID:{3,-6}\n",
            QueueBytes, n?.Notify ?? 0, n is { Notify: MqueueNotification.SigevSignal } ? n.Signo : 0, n?.Pid ?? 0);
    }

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        _opens++;
        file = new MqueueFile(location, this, flags);
        return 0;
    }

    internal void Closed()
    {
        _opens--;
        ReleaseIfGone();
    }

    internal void Unlinked()
    {
        _unlinked = true;
        ReleaseIfGone();
    }

    // The queue's count and bytes go back once it is neither named nor open (mqueue_evict_inode).
    private void ReleaseIfGone()
    {
        if (!_unlinked || _opens > 0 || _released) return;
        _released = true;
        _fs.QueueCount--;
        var bytes = _fs.Limits.BytesByUser;
        bytes[_chargedUid] = bytes.GetValueOrDefault(_chargedUid) - _charged;
    }
}

/// <summary>An mq_notify registration: the owning process, and what to send (SIGEV_NONE or SIGEV_SIGNAL).</summary>
public sealed record MqueueNotification(int Pid, int Notify, int Signo, ulong Value)
{
    public const int SigevSignal = 0, SigevNone = 1, SigevThread = 2;
}

/// <summary>A message queue descriptor: mq_* calls use it; read gives the status line; poll the queue's readiness.</summary>
public sealed class MqueueFile : OpenFile
{
    private readonly object _posLock = new();
    private long _pos;

    public MqueueFile(Location location, MqueueInode queue, int flags) : base(location, flags)
    {
        Queue = queue;
    }

    public MqueueInode Queue { get; }
    /// <summary>The process that registered the queue's notification through this description is told on its last close.</summary>
    internal Action<MqueueFile>? OnRelease { get; set; }

    public override bool Pollable => true;
    public override int PollEvents() => Queue.PollEvents();
    public override WaitQueue Readiness => Queue.Waiters;

    public override long Read(Span<byte> buffer)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        var text = System.Text.Encoding.ASCII.GetBytes(Queue.Describe());
        lock (_posLock)
        {
            if (_pos >= text.Length) return 0;
            int n = (int)Math.Min(buffer.Length, text.Length - _pos);
            text.AsSpan((int)_pos, n).CopyTo(buffer);
            _pos += n;
            return n;
        }
    }

    public override long Seek(long offset, int whence)
    {
        lock (_posLock)
        {
            long r = ComputeSeek(_pos, MqueueInode.FileSize, offset, whence);
            if (r >= 0) _pos = r;
            return r;
        }
    }

    public override void Release()
    {
        OnRelease?.Invoke(this);
        Queue.Closed();
    }
}
