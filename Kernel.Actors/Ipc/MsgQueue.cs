using Akka.Actor;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors.Ipc;

/// <summary>A message: its type and text.</summary>
public sealed record IpcMessage(long Type, byte[] Text);

/// <summary>A System V message queue (msg_queue): messages in arrival order, and the senders and receivers waiting.</summary>
public sealed class MsgQueue(int key, IpcCaller creator, int flags, long now, ulong maxBytes) : IpcObject(key, creator, flags, now)
{
    public LinkedList<IpcMessage> Messages { get; } = new();
    public ulong Bytes { get; set; }
    public ulong MaxBytes { get; set; } = maxBytes;
    public int LastSendPid { get; set; }
    public int LastReceivePid { get; set; }
    public long SendTime { get; set; }
    public long ReceiveTime { get; set; }
    public List<MsgWait> Receivers { get; } = [];
    public List<MsgWait> Senders { get; } = [];

    /// <summary>msg_fits_inqueue: both the bytes and the message count are bounded by msg_qbytes.</summary>
    public bool Fits(ulong size) => size + Bytes <= MaxBytes && 1 + (ulong)Messages.Count <= MaxBytes;
}

/// <summary>A msgsnd waiting for room (with its message) or a msgrcv waiting for a message.</summary>
public sealed class MsgWait(KernelRequest request, IActorRef sender, MsgQueue queue, IpcCaller caller, IpcMessage? message)
    : IpcWait(request, sender)
{
    public MsgQueue Queue { get; } = queue;
    public IpcCaller Caller { get; } = caller;
    public IpcMessage? Message { get; } = message;
}
