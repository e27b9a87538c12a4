using Kernel.Platform;

namespace Kernel.Tests.Infrastructure;

/// <summary>A CPU that runs nothing: for tests that need an address space's bookkeeping and host memory, or a task's context, but no guest code.</summary>
public sealed class NoCpu : ICpu
{
    public void Map(ulong address, ulong length, Prot prot, nint host) { }
    public void Unmap(ulong address, ulong length) { }
    public void Protect(ulong address, ulong length, Prot prot) { }
    public void InvalidateCode(ulong address, ulong length) { }
    public ICpuContext NewContext() => new Context();
    public ICpuContext CloneContext(ICpuContext source) => new Context();
    public Trap Run(ICpuContext context) => throw new NotSupportedException();
    public void Interrupt() { }
    public void Dispose() { }

    public sealed class Context : ICpuContext
    {
        public ulong GetX(int index) => 0;
        public void SetX(int index, ulong value) { }
        public ulong Pc { get; set; }
        public ulong Sp { get; set; }
        public ulong Tpidr { get; set; }
        public CpuState Capture() => CpuState.Empty();
        public void Load(CpuState state) { }
        public void Dispose() { }
    }
}
