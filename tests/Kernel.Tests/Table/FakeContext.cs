using Kernel.Syscalls;

namespace Kernel.Tests.Table;

/// <summary>A context for handlers that must not touch memory or task state (stubs): any such access fails the test.</summary>
internal sealed class FakeContext(int number) : ISyscallContext
{
    public int Number { get; } = number;
    public ulong Arg(int index) => 0;
    public IGuestMemory Memory => throw new InvalidOperationException("a stub touched guest memory");
    public IKernelTask Task => throw new InvalidOperationException("a stub touched the task");
}
