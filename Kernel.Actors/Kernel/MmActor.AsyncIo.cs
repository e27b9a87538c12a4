using Kernel.Actors.AsyncIo;
using Kernel.Actors.Tasks;
using Kernel.Platform;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// io_setup's part in the MM actor: the completion ring is mapped into the caller while its process is paused.
public sealed partial class MmActor
{
    private KernelReply HandleAsyncIo(AsyncIoMmRequest request) => request switch
    {
        SetUpAioContext r => SetUpAio(r),
        _ => new Failed(Errno.ENOSYS),
    };

    /// <summary>ioctx_alloc and aio_setup_ring: the ring pages mapped shared ("/[aio] (deleted)") at the context id.</summary>
    private KernelReply SetUpAio(SetUpAioContext r)
    {
        var mm = ((KernelTask)r.Task).Process.Mm;
        var e = AioTable.Size(r.NrEvents, out var ringEvents, out var mapLength);
        if (e < 0) return Result(e);
        var address = mm.FindFree(mapLength, 0);
        if (address == 0) return new Failed(Errno.ENOMEM);
        var pages = new SharedPages(mapLength, "[aio]");
        mm.MapSharedPages(address, mapLength, Prot.Read | Prot.Write, "/[aio] (deleted)", pages, 0, mapLength, null);
        var ctx = new AioContext(address, ringEvents, r.NrEvents, mapLength, pages);
        e = AioTable.For(mm).Add(sandbox, ctx);
        if (e < 0)
        {
            mm.Unmap(address, mapLength);
            pages.Dispose();
            return Result(e);
        }
        return new Done((long)address);
    }
}
