using System.Buffers.Binary;
using Kernel.Actors.Files;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// ppoll and pselect6: a pass over the descriptors; when none is ready, subscribe to all of them and look again
// (so no change is lost), then park until one of them changes or the timeout passes.
public sealed partial class VfsActor
{
    private sealed record PollState((int Fd, int Events)[] Fds);
    private sealed record SelectState(int Nfds, ulong[]? In, ulong[]? Out, ulong[]? Ex);

    private static KernelReply? TryPoll(ParkedCall call, PollFiles r)
    {
        var process = P(r.Task);
        if (process.IsExiting) return new Failed(Errno.EINTR);
        if (call.Context is not PollState state)
        {
            var raw = new byte[r.Count * 8];
            if (process.Mm.Read(r.FdsAddress, raw) != Errno.None) return new Failed(Errno.EFAULT);
            var fds = new (int, int)[r.Count];
            for (int i = 0; i < r.Count; i++)
                fds[i] = (BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(8 * i)), BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(8 * i + 4)));
            call.Context = state = new PollState(fds);
        }
        var revents = new int[state.Fds.Length];
        int count = PollPass(process.Files, state, revents);
        if (count == 0 && call.MayWait)
        {
            if (!PollSubscribe(process.Files, state, call)) return null;
            count = PollPass(process.Files, state, revents);
            if (count == 0) return null;
        }
        // Only the revents fields are written back, as Linux does.
        for (int i = 0; i < revents.Length; i++)
        {
            if (process.Mm.Write(r.FdsAddress + (ulong)(8 * i) + 6, BitConverter.GetBytes((short)revents[i])) != Errno.None)
                return new Failed(Errno.EFAULT);
        }
        return new Done(count);
    }

    /// <summary>One pass: each entry's revents (POLLNVAL for a descriptor that is not open); returns how many are non-zero.</summary>
    private static int PollPass(FdTable files, PollState state, int[] revents)
    {
        int count = 0;
        for (int i = 0; i < state.Fds.Length; i++)
        {
            var (fd, events) = state.Fds[i];
            if (fd < 0)
            {
                revents[i] = 0;
                continue;
            }
            var file = files.GetFile(fd);
            revents[i] = file is null || file.IsPathOnly ? Poll.Nval : file.PollEvents() & (events | Poll.Err | Poll.Hup);
            if (revents[i] != 0) count++;
        }
        return count;
    }

    /// <summary>Subscribes the call to every polled file; true when a subscription is new (then it is worth looking again).</summary>
    private static bool PollSubscribe(FdTable files, PollState state, ParkedCall call)
    {
        bool added = false;
        foreach (var (fd, events) in state.Fds)
        {
            if (fd >= 0 && files.GetFile(fd)?.Readiness is { } queue) added |= call.Watch(queue, events | Poll.Err | Poll.Hup);
        }
        return added;
    }

    private static KernelReply? TrySelect(ParkedCall call, SelectFiles r)
    {
        var process = P(r.Task);
        if (process.IsExiting) return new Failed(Errno.EINTR);
        var files = process.Files;
        if (call.Context is not SelectState state)
        {
            // Linux looks at no more descriptors than the table has room for (max_fds).
            int n = Math.Min(r.Nfds, files.Capacity);
            ulong[]? Read(ulong address, out bool fault)
            {
                fault = false;
                if (address == 0) return null;
                var raw = new byte[(n + 63) / 64 * 8];
                if (process.Mm.Read(address, raw) != Errno.None) fault = true;
                var words = new ulong[raw.Length / 8];
                for (int i = 0; i < words.Length; i++) words[i] = BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(8 * i));
                return words;
            }
            var sin = Read(r.ReadSet, out var f1);
            var sout = Read(r.WriteSet, out var f2);
            var sex = Read(r.ExceptSet, out var f3);
            if (f1 || f2 || f3) return new Failed(Errno.EFAULT);
            for (int fd = 0; fd < n; fd++)
            {
                if (Bit(sin, fd) | Bit(sout, fd) | Bit(sex, fd) && files.Get(fd) is null) return new Failed(Errno.EBADF);
            }
            call.Context = state = new SelectState(n, sin, sout, sex);
        }
        var result = new SelectState(state.Nfds, Empty(state.In), Empty(state.Out), Empty(state.Ex));
        int count = SelectPass(files, state, result);
        if (count == 0 && call.MayWait)
        {
            bool added = false;
            for (int fd = 0; fd < state.Nfds; fd++)
            {
                int key = (Bit(state.In, fd) ? Poll.SelectIn : 0) | (Bit(state.Out, fd) ? Poll.SelectOut : 0);
                if (key == 0 && !Bit(state.Ex, fd)) continue;
                if (files.GetFile(fd)?.Readiness is { } queue) added |= call.Watch(queue, key | Poll.SelectEx);
            }
            if (!added) return null;
            count = SelectPass(files, state, result);
            if (count == 0) return null;
        }
        if (Write(r.ReadSet, result.In) | Write(r.WriteSet, result.Out) | Write(r.ExceptSet, result.Ex)) return new Failed(Errno.EFAULT);
        return new Done(count);

        bool Write(ulong address, ulong[]? words)
        {
            if (words is null) return false;
            var raw = new byte[words.Length * 8];
            for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(8 * i), words[i]);
            return process.Mm.Write(address, raw) != Errno.None;
        }
    }

    /// <summary>One pass of do_select: fills the result sets, returns the number of bits set.</summary>
    private static int SelectPass(FdTable files, SelectState state, SelectState result)
    {
        int count = 0;
        for (int fd = 0; fd < state.Nfds; fd++)
        {
            bool wantIn = Bit(state.In, fd), wantOut = Bit(state.Out, fd), wantEx = Bit(state.Ex, fd);
            if (!(wantIn || wantOut || wantEx)) continue;
            // A descriptor closed meanwhile (or an O_PATH one) reads as POLLNVAL, which is in every set.
            var file = files.GetFile(fd);
            int mask = file is null || file.IsPathOnly ? Poll.Nval : file.PollEvents();
            if (wantIn && (mask & Poll.SelectIn) != 0) count += Set(result.In!, fd);
            if (wantOut && (mask & Poll.SelectOut) != 0) count += Set(result.Out!, fd);
            if (wantEx && (mask & Poll.SelectEx) != 0) count += Set(result.Ex!, fd);
        }
        return count;
    }

    private static bool Bit(ulong[]? set, int fd) => set is not null && (set[fd >> 6] & (1UL << (fd & 63))) != 0;

    private static int Set(ulong[] set, int fd)
    {
        set[fd >> 6] |= 1UL << (fd & 63);
        return 1;
    }

    private static ulong[]? Empty(ulong[]? set) => set is null ? null : new ulong[set.Length];
}
