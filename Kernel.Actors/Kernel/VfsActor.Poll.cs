using Kernel.Actors.Files;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// ppoll and pselect6 that must wait: a pass over the descriptors; when none is ready, subscribe to all of them and
// look again (so that no change is lost), then stay parked until one of them changes or the timeout passes.
public sealed partial class VfsActor
{
    private static KernelReply? TryPoll(ParkedCall call, PollFiles r)
    {
        var process = P(r.Task);
        if (process.IsExiting) return new Failed(Errno.EINTR);
        if (call.Context is not PollSet set)
        {
            var e = PollSet.Read(process.Mm, r.FdsAddress, r.Count, out var read);
            if (e != Errno.None) return new Failed(e);
            call.Context = set = read!;
        }
        var files = process.Files;
        var revents = new int[set.Count];
        int count = set.Pass(files.GetFile, revents);
        if (count == 0 && call.MayWait)
        {
            bool added = false;
            foreach (var (fd, events) in set.Entries)
            {
                if (fd >= 0 && files.GetFile(fd)?.Readiness is { } queue) added |= call.Watch(queue, events | Poll.Err | Poll.Hup);
            }
            if (!added || (count = set.Pass(files.GetFile, revents)) == 0) return null;
        }
        var w = PollSet.WriteBack(process.Mm, r.FdsAddress, revents);
        return w != Errno.None ? new Failed(w) : new Done(count);
    }

    private static KernelReply? TrySelect(ParkedCall call, SelectFiles r)
    {
        var process = P(r.Task);
        if (process.IsExiting) return new Failed(Errno.EINTR);
        FdTable files = process.Files;
        if (call.Context is not SelectSets sets)
        {
            // Linux looks at no more descriptors than the table has room for (max_fds).
            var e = SelectSets.Read(process.Mm, Math.Min(r.Nfds, files.Capacity), r.ReadSet, r.WriteSet, r.ExceptSet, out var read);
            if (e == Errno.None) e = read!.CheckOpen(files.GetFile);
            if (e != Errno.None) return new Failed(e);
            call.Context = sets = read!;
        }
        int count = sets.Pass(files.GetFile, out var result);
        if (count == 0 && call.MayWait)
        {
            bool added = false;
            for (int fd = 0; fd < sets.Nfds; fd++)
            {
                var wanted = sets.Wanted(fd);
                if (wanted != 0 && files.GetFile(fd)?.Readiness is { } queue) added |= call.Watch(queue, wanted | Poll.SelectEx);
            }
            if (!added || (count = sets.Pass(files.GetFile, out result)) == 0) return null;
        }
        var w = result.WriteBack(process.Mm, r.ReadSet, r.WriteSet, r.ExceptSet);
        return w != Errno.None ? new Failed(w) : new Done(count);
    }
}
