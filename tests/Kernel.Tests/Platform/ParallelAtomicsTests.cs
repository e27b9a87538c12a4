using System.Runtime.InteropServices;
using Kernel.Platform;
using Kernel.Platform.Unicorn;

namespace Kernel.Tests.Platform;

/// <summary>
/// Two vCPUs (as two processes sharing a page are) run atomics on the same memory at the same time: every
/// read-modify-write stays indivisible (native/atomics.c), and an atomic on a read-only page faults as a store does.
/// </summary>
public sealed unsafe class ParallelAtomicsTests
{
    private const ulong Code = 0x10000, Data = 0x20000, Page = 4096;
    private const int Rounds = 200_000;

    // loop: SWPAL spin lock around a plain increment of [x3], LDAXR/STLXR increment of [x6], LDADDAL 2 to [x10];
    // x4 rounds, then svc #0. x1 is the lock.
    private static readonly uint[] Program =
    [
        0x52800030, 0xb8f08020, 0x35ffffe0, 0xf9400062, 0x91000442, 0xf9000062, 0x889ffc3f, 0xc85ffcc5,
        0x910004a5, 0xc807fcc5, 0x35ffffa7, 0xd2800049, 0xf8e9015f, 0xf1000484, 0x54fffe41, 0xd4000001,
    ];

    [Fact]
    public void Atomics_of_two_vcpus_on_one_page_lose_no_update()
    {
        var code = (uint*)NativeMemory.AlignedAlloc((nuint)Page, (nuint)Page);
        var data = (ulong*)NativeMemory.AlignedAlloc((nuint)Page, (nuint)Page);
        try
        {
            for (var i = 0; i < Program.Length; i++) code[i] = Program[i];
            NativeMemory.Clear(data, (nuint)Page);
            var cpus = new[] { new UnicornCpu(), new UnicornCpu() };
            var stop = 0;
            var traps = new Trap[2];
            var threads = Enumerable.Range(0, 2).Select(i => new Thread(() => traps[i] = RunLoop(cpus[i], (nint)code, (nint)data, ref stop))).ToArray();
            foreach (var t in threads) t.Start();
            // A lost SWPAL leaves the lock taken by nobody and both vCPUs spinning: stop them instead of hanging.
            var finished = threads.All(t => t.Join(TimeSpan.FromSeconds(60)));
            if (!finished)
            {
                Volatile.Write(ref stop, 1);
                foreach (var cpu in cpus) cpu.Interrupt();
                foreach (var t in threads) t.Join();
            }
            foreach (var cpu in cpus) cpu.Dispose();
            Assert.True(finished, $"the vCPUs were still spinning after 60 s: lock {data[0]}, counter {data[1]}");
            Assert.All(traps, t => Assert.Equal(TrapKind.Syscall, t.Kind));

            Assert.Equal(0UL, data[0]);                  // the lock is free
            Assert.Equal(2UL * Rounds, data[1]);         // incremented under the SWPAL lock
            Assert.Equal(2UL * Rounds, data[2]);         // LDAXR/STLXR
            Assert.Equal(4UL * Rounds, data[3]);         // LDADDAL
            Assert.True(UnicornCpu.ParallelAtomics, "Unicorn's TCG context did not have the layout native/atomics.c expects");
        }
        finally
        {
            NativeMemory.AlignedFree(code);
            NativeMemory.AlignedFree(data);
        }
    }

    [Fact]
    public void An_atomic_on_a_read_only_page_faults_and_writes_nothing()
    {
        var code = (uint*)NativeMemory.AlignedAlloc((nuint)Page, (nuint)Page);
        var data = (ulong*)NativeMemory.AlignedAlloc((nuint)Page, (nuint)Page);
        try
        {
            for (var i = 0; i < Program.Length; i++) code[i] = Program[i];
            NativeMemory.Clear(data, (nuint)Page);
            using var cpu = new UnicornCpu();
            cpu.Map(Code, Page, Prot.Read | Prot.Exec, (nint)code);
            cpu.Map(Data, Page, Prot.Read, (nint)data);
            var context = Context(cpu, 1);
            var trap = cpu.Run(context);
            Assert.Equal(TrapKind.MemoryFault, trap.Kind);
            Assert.Equal(MemoryAccess.Write, trap.Access);
            Assert.False(trap.Unmapped);
            Assert.Equal(Data, trap.Address);
            Assert.Equal(0UL, data[0]);

            cpu.Unmap(Data, Page);
            trap = cpu.Run(Context(cpu, 1));
            Assert.Equal(TrapKind.MemoryFault, trap.Kind);
            Assert.True(trap.Unmapped);
            Assert.Equal(Data, trap.Address);
        }
        finally
        {
            NativeMemory.AlignedFree(code);
            NativeMemory.AlignedFree(data);
        }
    }

    private static ICpuContext Context(UnicornCpu cpu, int rounds)
    {
        var context = cpu.NewContext();
        context.Pc = Code;
        context.SetX(1, Data);
        context.SetX(3, Data + 8);
        context.SetX(6, Data + 16);
        context.SetX(10, Data + 24);
        context.SetX(4, (ulong)rounds);
        return context;
    }

    private static Trap RunLoop(UnicornCpu cpu, nint code, nint data, ref int stop)
    {
        cpu.Map(Code, Page, Prot.Read | Prot.Exec, code);
        cpu.Map(Data, Page, Prot.Read | Prot.Write, data);
        var context = Context(cpu, Rounds);
        Trap trap;
        do trap = cpu.Run(context);
        while (trap.Kind == TrapKind.Interrupted && Volatile.Read(ref stop) == 0);
        return trap;
    }
}
