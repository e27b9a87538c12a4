using Akka.Actor;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

// The VFS actor's requests come in families, each with its own request base record (Kernel.Syscalls/Protocol)
// and its own partial file here (VfsActor.<Family>.cs), so that families grow without touching each other.
public sealed partial class VfsActor
{
    private KernelReply? HandleFamily(KernelRequest request, IActorRef sender) => request switch
    {
        FdIoRequest r => HandleFdIo(r, sender),
        RootFsRequest r => HandleRootFs(r, sender),
        AttributeRequest r => HandleAttributes(r),
        EventsRequest r => HandleEvents(r, sender),
        AsyncIoRequest r => HandleAsyncIo(r, sender),
        FileHandleRequest r => HandleFileHandles(r),
        SeccompRequest r => HandleSeccomp(r, sender),
        NamespaceRequest r => HandleNamespaces(r),
        MqueueRequest r => HandleMqueue(r, sender),
        _ => new Failed(Errno.ENOSYS),
    };
}
