using System.Buffers.Binary;
using Akka.Actor;
using Kernel.Actors.Ipc;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// Message queues (ipc/msg.c): msgget, msgsnd, msgrcv, msgctl.
public sealed partial class IpcActor
{
    private const int MsgNoError = 0x1000, MsgExcept = 0x2000, MsgCopy = 0x4000;
    private const int MsgStat = 11, MsgInfo = 12, MsgStatAny = 13;
    private const int MsgSsz = 16, MsgSeg = 0xffff;

    private long MsgGet(MsgGet r)
    {
        var ns = Objects(r);
        var caller = IpcCaller.Of(TaskOf(r));
        return Get(ns.Queues, r.Key, r.Flags, caller, () =>
        {
            var q = new MsgQueue(r.Key, caller, r.Flags, Now, (ulong)ns.MsgMnb);
            return ns.Queues.Add(q, ns.MsgMni);
        });
    }

    private KernelReply? MsgSend(MsgSend r, IActorRef sender)
    {
        var ns = Objects(r);
        Span<byte> typeBytes = stackalloc byte[8];
        if (!CopyIn(r, r.Buffer, typeBytes)) return new Failed(Errno.EFAULT);
        var type = BinaryPrimitives.ReadInt64LittleEndian(typeBytes);
        if (r.Size > (ulong)ns.MsgMax || r.Id < 0) return new Failed(Errno.EINVAL);
        if (type < 1) return new Failed(Errno.EINVAL);
        var text = new byte[r.Size];
        if (!CopyIn(r, r.Buffer + 8, text)) return new Failed(Errno.EFAULT);
        var q = ns.Queues.Find(r.Id);
        if (q is null) return new Failed(Errno.EINVAL);
        var caller = IpcCaller.Of(TaskOf(r));
        var message = new IpcMessage(type, text);
        var e = TrySend(ns, q, caller, message);
        if (e != Errno.EAGAIN) return e == Errno.None ? new Done(0) : new Failed(e);
        if ((r.Flags & IpcFlags.NoWait) != 0) return new Failed(Errno.EAGAIN);
        var wait = new MsgWait(r, sender, q, caller, message);
        q.Senders.Add(wait);
        Park(wait, null);
        return null;
    }

    /// <summary>One attempt at a send: None when done, EAGAIN when the queue is full, EACCES when not permitted.</summary>
    private Errno TrySend(IpcObjects ns, MsgQueue q, IpcCaller caller, IpcMessage message)
    {
        if (!q.Permits(caller, IpcFlags.WriteAccess)) return Errno.EACCES;
        if (!q.Fits((ulong)message.Text.Length)) return Errno.EAGAIN;
        q.LastSendPid = caller.Pid;
        q.SendTime = Now;
        if (!PipelinedSend(q, message))
        {
            q.Messages.AddLast(message);
            q.Bytes += (ulong)message.Text.Length;
            ns.Messages++;
            ns.MessageBytes += message.Text.Length;
        }
        return Errno.None;
    }

    /// <summary>
    /// pipelined_send: a receiver already waiting for this type takes the message at once; one whose buffer is too
    /// small (without MSG_NOERROR) is woken with E2BIG and the message goes on to the next.
    /// </summary>
    private bool PipelinedSend(MsgQueue q, IpcMessage message)
    {
        foreach (var w in q.Receivers.ToList())
        {
            var rcv = (MsgReceive)w.Request;
            var type = rcv.Type;
            var mode = Mode(ref type, rcv.Flags);
            if (!Matches(message, type, mode)) continue;
            if ((rcv.Flags & MsgNoError) == 0 && rcv.Size < (ulong)message.Text.Length)
            {
                Finish(w, new Failed(Errno.E2BIG));
                continue;
            }
            q.LastReceivePid = w.Caller.Pid;
            q.ReceiveTime = Now;
            Finish(w, Received(message, rcv.Size));
            return true;
        }
        return false;
    }

    private enum Search { Any, Equal, NotEqual, LessEqual, Number }

    /// <summary>convert_mode: how msgtyp selects (a negative type asks for the lowest type up to its absolute value).</summary>
    private static Search Mode(ref long type, int flags)
    {
        if ((flags & MsgCopy) != 0) return Search.Number;
        if (type == 0) return Search.Any;
        if (type < 0)
        {
            type = type == long.MinValue ? long.MaxValue : -type;
            return Search.LessEqual;
        }
        return (flags & MsgExcept) != 0 ? Search.NotEqual : Search.Equal;
    }

    private static bool Matches(IpcMessage m, long type, Search mode) => mode switch
    {
        Search.Any or Search.Number => true,
        Search.LessEqual => m.Type <= type,
        Search.Equal => m.Type == type,
        Search.NotEqual => m.Type != type,
        _ => false,
    };

    /// <summary>find_msg: the first match, the lowest type for LessEqual, or the Nth message for MSG_COPY.</summary>
    private static LinkedListNode<IpcMessage>? Find(MsgQueue q, long type, Search mode)
    {
        LinkedListNode<IpcMessage>? found = null;
        long count = 0;
        for (var n = q.Messages.First; n is not null; n = n.Next)
        {
            if (!Matches(n.Value, type, mode)) continue;
            if (mode == Search.LessEqual && n.Value.Type != 1)
            {
                type = n.Value.Type - 1;
                found = n;
            }
            else if (mode == Search.Number)
            {
                if (type == count) return n;
            }
            else return n;
            count++;
        }
        return found;
    }

    private static MsgReceived Received(IpcMessage m, ulong size) =>
        new(m.Type, (ulong)m.Text.Length <= size ? m.Text : m.Text[..(int)size]);

    private KernelReply? MsgReceive(MsgReceive r, IActorRef sender)
    {
        if (r.Id < 0 || (long)r.Size < 0) return new Failed(Errno.EINVAL);
        if ((r.Flags & MsgCopy) != 0 && ((r.Flags & MsgExcept) != 0 || (r.Flags & IpcFlags.NoWait) == 0)) return new Failed(Errno.EINVAL);
        var ns = Objects(r);
        var q = ns.Queues.Find(r.Id);
        if (q is null) return new Failed(Errno.EINVAL);
        var caller = IpcCaller.Of(TaskOf(r));
        var size = (r.Flags & MsgCopy) != 0 ? Math.Min(r.Size, (ulong)ns.MsgMax) : r.Size;
        var reply = TryReceive(ns, q, caller, r with { Size = size });
        if (reply is not null) return reply;
        if ((r.Flags & IpcFlags.NoWait) != 0) return new Failed(Errno.ENOMSG);
        var wait = new MsgWait(r, sender, q, caller, null);
        q.Receivers.Add(wait);
        Park(wait, null);
        return null;
    }

    /// <summary>One attempt at a receive: the reply, or null when no message matches.</summary>
    private KernelReply? TryReceive(IpcObjects ns, MsgQueue q, IpcCaller caller, MsgReceive r)
    {
        if (!q.Permits(caller, IpcFlags.ReadAccess)) return new Failed(Errno.EACCES);
        var type = r.Type;
        var mode = Mode(ref type, r.Flags);
        var node = Find(q, type, mode);
        if (node is null) return null;
        var m = node.Value;
        if (r.Size < (ulong)m.Text.Length && (r.Flags & MsgNoError) == 0) return new Failed(Errno.E2BIG);
        if (mode == Search.Number) return Received(m, r.Size);
        q.Messages.Remove(node);
        q.Bytes -= (ulong)m.Text.Length;
        ns.Messages--;
        ns.MessageBytes -= m.Text.Length;
        q.LastReceivePid = caller.Pid;
        q.ReceiveTime = Now;
        WakeSenders(ns, q);
        return Received(m, r.Size);
    }

    /// <summary>Room was made: waiting senders try again in arrival order.</summary>
    private void WakeSenders(IpcObjects ns, MsgQueue q)
    {
        foreach (var w in q.Senders.ToList())
        {
            var e = TrySend(ns, q, w.Caller, w.Message!);
            if (e == Errno.EAGAIN) break;
            Finish(w, e == Errno.None ? new Done(0) : new Failed(e));
        }
    }

    private long MsgControl(MsgControl r)
    {
        var ns = Objects(r);
        var caller = IpcCaller.Of(TaskOf(r));
        if (r.Id < 0 || r.Command < 0) return -(long)Errno.EINVAL;
        switch (r.Command)
        {
            case IpcFlags.Info or MsgInfo:
            {
                Span<byte> b = stackalloc byte[32];
                var info = r.Command == MsgInfo;
                BinaryPrimitives.WriteInt32LittleEndian(b, info ? ns.Queues.InUse : ns.MsgMni * ns.MsgMnb / 1024); // msgpool
                BinaryPrimitives.WriteInt32LittleEndian(b[4..], info ? (int)ns.Messages : ns.MsgMnb); // msgmap
                BinaryPrimitives.WriteInt32LittleEndian(b[8..], ns.MsgMax);
                BinaryPrimitives.WriteInt32LittleEndian(b[12..], ns.MsgMnb);
                BinaryPrimitives.WriteInt32LittleEndian(b[16..], ns.MsgMni);
                BinaryPrimitives.WriteInt32LittleEndian(b[20..], MsgSsz);
                BinaryPrimitives.WriteInt32LittleEndian(b[24..], info ? (int)ns.MessageBytes : ns.MsgMnb); // msgtql
                BinaryPrimitives.WriteUInt16LittleEndian(b[28..], MsgSeg);
                return Reply(r, r.Buffer, b, Math.Max(ns.Queues.MaxIndex, 0));
            }
            case IpcFlags.Stat or MsgStat or MsgStatAny:
            {
                var q = r.Command == IpcFlags.Stat ? ns.Queues.Find(r.Id) : ns.Queues.AtIndex(r.Id);
                if (q is null) return -(long)Errno.EINVAL;
                if (r.Command != MsgStatAny && !q.Permits(caller, IpcFlags.ReadAccess)) return -(long)Errno.EACCES;
                Span<byte> b = stackalloc byte[120];
                q.WritePerm(b);
                BinaryPrimitives.WriteInt64LittleEndian(b[48..], q.SendTime);
                BinaryPrimitives.WriteInt64LittleEndian(b[56..], q.ReceiveTime);
                BinaryPrimitives.WriteInt64LittleEndian(b[64..], q.Ctime);
                BinaryPrimitives.WriteUInt64LittleEndian(b[72..], q.Bytes);
                BinaryPrimitives.WriteUInt64LittleEndian(b[80..], (ulong)q.Messages.Count);
                BinaryPrimitives.WriteUInt64LittleEndian(b[88..], q.MaxBytes);
                BinaryPrimitives.WriteInt32LittleEndian(b[96..], q.LastSendPid);
                BinaryPrimitives.WriteInt32LittleEndian(b[100..], q.LastReceivePid);
                return Reply(r, r.Buffer, b, r.Command == IpcFlags.Stat ? 0 : q.Id);
            }
            case IpcFlags.Set or IpcFlags.Rmid:
            {
                Span<byte> b = stackalloc byte[120];
                if (r.Command == IpcFlags.Set && !CopyIn(r, r.Buffer, b)) return -(long)Errno.EFAULT;
                var q = ns.Queues.Find(r.Id);
                if (q is null) return -(long)Errno.EINVAL;
                if (!q.OwnedBy(caller)) return -(long)Errno.EPERM;
                if (r.Command == IpcFlags.Rmid)
                {
                    RemoveQueue(ns, q);
                    return 0;
                }
                var qbytes = BinaryPrimitives.ReadUInt64LittleEndian(b[88..]);
                if (qbytes > (ulong)ns.MsgMnb && !caller.Has(Capabilities.SysResource)) return -(long)Errno.EPERM;
                var (uid, gid, mode) = IpcObject.ReadPerm(b);
                q.SetPerm(uid, gid, mode, Now);
                q.MaxBytes = qbytes;
                // A bigger queue may take waiting senders; changed permissions may refuse waiters (EACCES).
                WakeSenders(ns, q);
                foreach (var w in q.Receivers.ToList())
                    if (!q.Permits(w.Caller, IpcFlags.ReadAccess)) Finish(w, new Failed(Errno.EACCES));
                return 0;
            }
            default:
                return -(long)Errno.EINVAL;
        }
    }

    /// <summary>freeque: every waiter gets EIDRM and the messages go.</summary>
    private void RemoveQueue(IpcObjects ns, MsgQueue q)
    {
        ns.Queues.Remove(q);
        foreach (var w in q.Receivers.Concat(q.Senders).ToList()) Finish(w, new Failed(Errno.EIDRM));
        ns.Messages -= q.Messages.Count;
        ns.MessageBytes -= (long)q.Bytes;
        q.Messages.Clear();
        q.Bytes = 0;
    }
}
