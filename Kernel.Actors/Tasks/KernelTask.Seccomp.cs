using Kernel.Syscalls;
using Kernel.Syscalls.Handlers;
using Kernel.Syscalls.Seccomp;

namespace Kernel.Actors.Tasks;

// What seccomp(2) needs of a task: its sibling threads (TSYNC) and listener descriptors (NEW_LISTENER).
public sealed partial class KernelTask : ISeccompTask
{
    public IEnumerable<(int Tid, TaskSettings Settings)> OtherThreads =>
        Process.Threads.Where(t => t != this && t.State != TaskState.Exited).Select(t => (t.Tid, t.Settings)).ToList();

    public long OpenSeccompListener(bool waitKillableRecv, out SeccompListener? listener)
    {
        var notifier = new SeccompNotifier(Process.Sandbox, waitKillableRecv);
        var file = new SeccompListenerFile(notifier);
        var fd = Process.Files.Install(file, closeOnExec: true);
        if (fd < 0)
        {
            file.DropReference();
            listener = null;
            return fd;
        }
        listener = notifier;
        return fd;
    }

    public void CloseSeccompListener(int fd) => Process.Files.Remove(fd)?.File.DropReference();
}
