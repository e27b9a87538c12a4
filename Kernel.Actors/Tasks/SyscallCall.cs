using Kernel.Syscalls;

namespace Kernel.Actors.Tasks;

/// <summary>One syscall as it arrived: the calling task, x8 and x0..x5.</summary>
public sealed class SyscallCall(KernelTask task, int number, ulong a0, ulong a1, ulong a2, ulong a3, ulong a4, ulong a5) : ISyscallContext
{
    private readonly ulong[] _args = [a0, a1, a2, a3, a4, a5];

    public int Number { get; } = number;
    public KernelTask KernelTask { get; } = task;
    public IKernelTask Task => KernelTask;
    public IGuestMemory Memory => KernelTask.Process.Mm;
    public ulong Arg(int index) => _args[index];
}
