using System.Runtime.InteropServices;

namespace Kernel.Platform.Unicorn;

/// <summary>
/// An emulated arm64 CPU on Unicorn 2 (CPU model MAX), one instance per guest address space. Threads are
/// <see cref="UnicornContext"/>s; the one last run stays loaded in the engine, so a single-threaded process
/// never pays for a context switch.
/// </summary>
public sealed unsafe class UnicornCpu : ICpu
{
    // Beyond any guest address: emulation never stops because PC reached it.
    private const ulong UntilNever = 0xFFFF_FFFF_FFFF_FFFCul;
    private const ulong StubAddress = 0x1000; // below mmap_min_addr: no guest mapping can be there

    // Runs once at EL1: sets SCTLR_EL1 (MMU off, but EL0 may use DC ZVA, CTR_EL0, cache maintenance and WFI/WFE
    // as under Linux), lets EL0 read the virtual counter (CNTKCTL_EL1), enables FP/SIMD (CPACR_EL1), then
    // erets into EL0 at an svc that hands control back to us.
    private static readonly uint[] EnterUserStub =
    [
        0xd29b2380, 0xf2a69aa0, 0xd5181000, 0xd2800060, 0xd518e100, 0xd2a00600, 0xd5181040,
        0xd518401f, 0x10000080, 0xd5184020, 0xd5033fdf, 0xd69f03e0, 0xd4000001,
    ];

    // The same, plus MDSCR_EL1.SS and SPSR_EL1.SS: the eret enters EL0 with software step active (the architectural
    // single step a debugger uses). Only an EL1 MSR rebuilds the translator's flags, so this state is made once here
    // and kept as a second template; a step runs one instruction from it with the thread's registers.
    private static readonly uint[] EnterSteppingStub =
    [
        0xd29b2380, 0xf2a69aa0, 0xd5181000, 0xd2800060, 0xd518e100, 0xd2a00600, 0xd5181040,
        0xd2800020, 0xd5100240, // mov x0, #1; msr mdscr_el1, x0
        0xd2a00400, 0xd5184000, // mov x0, #0x200000; msr spsr_el1, x0
        0x10000080, 0xd5184020, 0xd5033fdf, 0xd69f03e0, 0xd4000001,
    ];

    private const ulong PstateSs = 1UL << 21;

    private nint _uc;
    private readonly ShimState* _state;
    private readonly nint _template;
    private readonly nint _stepTemplate;
    private UnicornContext? _loaded;

    public UnicornCpu()
    {
        Native.Check(Native.uc_open(Native.ArchArm64, Native.ModeArm, out _uc), "uc_open");
        _state = (ShimState*)NativeMemory.AllocZeroed((nuint)sizeof(ShimState));
        nint reset = 0;
        try
        {
            Native.Check(Native.kshim_set_cpu_model(_uc, Native.CpuArm64Max), "set CPU model");
            Native.Check(Native.kshim_attach(_uc, _state), "attach hooks");
            Native.Check(Native.uc_context_alloc(_uc, out reset), "context alloc");
            Native.Check(Native.uc_context_save(_uc, reset), "context save");
            _stepTemplate = SteppingTemplate();
            Native.Check(Native.uc_context_restore(_uc, reset), "context restore");
            _template = EnterUserMode(EnterUserStub);
        }
        catch
        {
            Dispose();
            throw;
        }
        finally
        {
            if (reset != 0) Native.uc_context_free(reset);
        }
    }

    /// <summary>
    /// The stepping template. Unicorn leaves SCR_EL3.RW clear while it runs EL1 as AArch64, which makes the CPU
    /// believe EL1 (the debug target) is AArch32, and software step stays off; this template sets it. 0 when the
    /// engine refuses (no single-stepping then).
    /// </summary>
    private nint SteppingTemplate()
    {
        var scr = new CpReg { Crn = 1, Crm = 1, Op0 = 3, Op1 = 6, Op2 = 0 };
        if (Native.uc_reg_read(_uc, Native.RegCpReg, &scr) != 0) return 0;
        scr.Value |= 1UL << 10; // SCR_EL3.RW
        if (Native.uc_reg_write(_uc, Native.RegCpReg, &scr) != 0) return 0;
        return EnterUserMode(EnterSteppingStub);
    }

    private nint EnterUserMode(uint[] stub)
    {
        var page = (uint*)NativeMemory.AlignedAlloc(4096, 4096);
        try
        {
            new Span<uint>(page, 1024).Clear();
            stub.CopyTo(new Span<uint>(page, stub.Length));
            Native.Check(Native.uc_mem_map_ptr(_uc, StubAddress, 4096, (uint)(Prot.Read | Prot.Exec), (nint)page), "map stub");
            _state->Reason = 0;
            Native.Check(Native.kshim_emu_start(_uc, _state, StubAddress, UntilNever), "enter EL0");
            if (_state->Reason != 1 || _state->IntNo != 2)
            {
                throw new CpuException("the EL0 entry stub did not reach its svc");
            }
            Native.kshim_remove_cache(_uc, StubAddress, StubAddress + 4096);
            Native.Check(Native.uc_mem_unmap(_uc, StubAddress, 4096), "unmap stub");
            Native.Check(Native.uc_context_alloc(_uc, out var template), "context alloc");
            ulong zero = 0;
            for (var i = 0; i < 31; i++)
            {
                Native.uc_reg_write(_uc, Native.XReg(i), &zero);
            }
            Native.uc_reg_write(_uc, Native.RegPc, &zero);
            Native.uc_reg_write(_uc, Native.RegSp, &zero);
            Native.Check(Native.uc_context_save(_uc, template), "context save");
            return template;
        }
        finally
        {
            NativeMemory.AlignedFree(page);
        }
    }

    // The native side keeps stores to writable, non-executable pages on the fast path (see native/kshim.c), and lets
    // atomics on writable pages go straight to host memory (native/atomics.c), so it must know each page's
    // protection: stores elsewhere take Unicorn's slow path, which checks and invalidates.
    public void Map(ulong address, ulong length, Prot prot, nint host)
    {
        Native.Check(Native.uc_mem_map_ptr(_uc, address, (nuint)length, (uint)prot, host), $"map {address:x}+{length:x}");
        TrackProtection(address, length, prot);
    }

    public void Unmap(ulong address, ulong length)
    {
        Native.Check(Native.uc_mem_unmap(_uc, address, (nuint)length), $"unmap {address:x}+{length:x}");
        TrackProtection(address, length, Prot.None);
    }

    public void Protect(ulong address, ulong length, Prot prot)
    {
        Native.Check(Native.uc_mem_protect(_uc, address, (nuint)length, (uint)prot), $"protect {address:x}+{length:x}");
        TrackProtection(address, length, prot);
    }

    private void TrackProtection(ulong address, ulong length, Prot prot) =>
        Native.Check(Native.kshim_set_protection(_state, address, address + length, (int)prot), "track page protection");

    public void InvalidateCode(ulong address, ulong length) =>
        Native.kshim_remove_cache(_uc, address, address + length);

    public ICpuContext NewContext()
    {
        Native.Check(Native.uc_context_alloc(_uc, out var handle), "context alloc");
        var context = new UnicornContext(this, handle);
        SaveLoaded();
        Native.Check(Native.uc_context_restore(_uc, _template), "context restore");
        _loaded = context;
        return context;
    }

    public ICpuContext CloneContext(ICpuContext source)
    {
        var src = (UnicornContext)source;
        if (_loaded == src)
        {
            Native.Check(Native.uc_context_save(_uc, src.Handle), "context save");
        }
        Native.Check(Native.uc_context_alloc(_uc, out var handle), "context alloc");
        var clone = new UnicornContext(this, handle);
        SaveLoaded();
        Native.Check(Native.uc_context_restore(_uc, src.Handle), "context restore");
        _loaded = clone;
        return clone;
    }

    private void SaveLoaded()
    {
        if (_loaded is { Disposed: false })
        {
            Native.Check(Native.uc_context_save(_uc, _loaded.Handle), "context save");
        }
        _loaded = null;
    }

    internal void EnsureLoaded(UnicornContext context)
    {
        if (_loaded == context)
        {
            return;
        }
        SaveLoaded();
        Native.Check(Native.uc_context_restore(_uc, context.Handle), "context restore");
        _loaded = context;
    }

    internal bool IsLoaded(UnicornContext context) => _loaded == context;

    /// <summary>Every user-visible register of the state in the engine now.</summary>
    internal CpuState ReadEngine()
    {
        ulong Reg(int id)
        {
            ulong v = 0;
            Native.Check(Native.uc_reg_read(_uc, id, &v), "register read");
            return v;
        }
        var x = new ulong[31];
        for (var i = 0; i < 31; i++) x[i] = Reg(Native.XReg(i));
        var v = new UInt128[32];
        for (var i = 0; i < 32; i++)
        {
            UInt128 q = 0;
            Native.Check(Native.uc_reg_read(_uc, Native.RegQ0 + i, &q), "vector read");
            v[i] = q;
        }
        return new CpuState(x, Reg(Native.RegSp), Reg(Native.RegPc), Reg(Native.RegNzcv), Reg(Native.RegTpidrEl0),
            Reg(Native.RegTpidrroEl0), v, (uint)Reg(Native.RegFpcr), (uint)Reg(Native.RegFpsr));
    }

    /// <summary>Puts <paramref name="state"/> into the engine's registers.</summary>
    internal void WriteEngine(CpuState state)
    {
        void Reg(int id, ulong value) => Native.Check(Native.uc_reg_write(_uc, id, &value), "register write");
        for (var i = 0; i < 31; i++) Reg(Native.XReg(i), state.X[i]);
        for (var i = 0; i < 32; i++)
        {
            var q = state.V[i];
            Native.Check(Native.uc_reg_write(_uc, Native.RegQ0 + i, &q), "vector write");
        }
        Reg(Native.RegSp, state.Sp);
        Reg(Native.RegPc, state.Pc);
        Reg(Native.RegNzcv, state.Pstate & 0xF000_0000);
        Reg(Native.RegTpidrEl0, state.Tpidr);
        Reg(Native.RegTpidrroEl0, state.Tpidrro);
        Reg(Native.RegFpcr, state.Fpcr);
        Reg(Native.RegFpsr, state.Fpsr);
    }

    internal void Forget(UnicornContext context)
    {
        if (_loaded == context)
        {
            _loaded = null;
        }
    }

    internal nint Engine => _uc;

    public Trap Run(ICpuContext context)
    {
        var ctx = (UnicornContext)context;
        EnsureLoaded(ctx);
        var pc = ctx.Pc;
        _state->Reason = 0;
        var err = Native.kshim_emu_start(_uc, _state, pc, UntilNever);
        var stopRequested = Interlocked.Exchange(ref _state->StopRequest, 0) != 0;
        return Outcome(err, stopRequested, ctx.Pc);
    }

    public bool CanStep => _stepTemplate != 0;

    /// <summary>
    /// Whether translated code uses host atomics for the guest's (native/atomics.c), so that processes sharing memory
    /// see each other's atomics whole. False only if Unicorn's TCG context failed the layout check at a translation.
    /// </summary>
    public static bool ParallelAtomics => Native.kshim_parallel_atomics(-1) == 1;

    public Trap Step(ICpuContext context)
    {
        var ctx = (UnicornContext)context;
        var before = ctx.Capture();
        // The thread's registers in the stepping template's system state, one instruction, then back.
        SaveLoaded();
        Native.Check(Native.uc_context_restore(_uc, _stepTemplate), "context restore");
        WriteEngine(before);
        ulong pstate;
        Native.Check(Native.uc_reg_read(_uc, Native.RegPstate, &pstate), "pstate read");
        pstate |= PstateSs;
        Native.Check(Native.uc_reg_write(_uc, Native.RegPstate, &pstate), "pstate write");
        _state->Reason = 0;
        var err = Native.kshim_emu_start(_uc, _state, before.Pc, UntilNever);
        var stopRequested = Interlocked.Exchange(ref _state->StopRequest, 0) != 0;
        var after = ReadEngine();
        EnsureLoaded(ctx);
        WriteEngine(after);
        var trap = Outcome(err, stopRequested, after.Pc);
        // The step's own exception comes as an undefined instruction (a software-step syndrome) with the instruction
        // done; a real undefined instruction leaves the pc where it was (b . is the one instruction that does too).
        if (trap.Kind == TrapKind.Undefined && (after.Pc != before.Pc || BranchesToItself(before.Pc)))
            return new Trap(TrapKind.Step, after.Pc);
        return trap;
    }

    private bool BranchesToItself(ulong pc)
    {
        uint insn = 0;
        return Native.uc_mem_read(_uc, pc, &insn, 4) == 0 && insn == 0x14000000;
    }

    /// <summary>
    /// A data abort that did not come through the invalid-memory hook (which reports unmapped and protected pages):
    /// an access the architecture requires to be aligned was not (exclusives, acquire/release, atomics), which Linux
    /// reports as SIGBUS/BUS_ADRALN. Unicorn does not give the fault address, but those instructions all address
    /// [Xn] (Rn in bits 9:5, 31 = SP), so it is read from there.
    /// </summary>
    private Trap DataAbort(ulong pc)
    {
        uint insn = 0;
        if (Native.uc_mem_read(_uc, pc, &insn, 4) != 0 || (insn & 0x0a000000) != 0x08000000) return new Trap(TrapKind.Fault, pc, Code: 4);
        var rn = (int)((insn >> 5) & 31);
        ulong address = 0;
        Native.uc_reg_read(_uc, rn == 31 ? Native.RegSp : Native.XReg(rn), &address);
        return new Trap(TrapKind.Alignment, pc, address);
    }

    private Trap Outcome(int err, bool stopRequested, ulong pc)
    {
        switch (_state->Reason)
        {
            case 1:
                return _state->IntNo switch
                {
                    2 => new Trap(TrapKind.Syscall, pc),
                    1 => new Trap(TrapKind.Undefined, pc),
                    7 => new Trap(TrapKind.Breakpoint, pc),
                    4 => DataAbort(pc),
                    _ => new Trap(TrapKind.Fault, pc, Code: _state->IntNo),
                };
            case 2:
                var (access, unmapped) = _state->MemType switch
                {
                    Native.MemReadUnmapped => (MemoryAccess.Read, true),
                    Native.MemWriteUnmapped => (MemoryAccess.Write, true),
                    Native.MemFetchUnmapped => (MemoryAccess.Execute, true),
                    Native.MemReadProt => (MemoryAccess.Read, false),
                    Native.MemWriteProt => (MemoryAccess.Write, false),
                    Native.MemFetchProt => (MemoryAccess.Execute, false),
                    _ => (MemoryAccess.None, true),
                };
                return new Trap(TrapKind.MemoryFault, pc, _state->MemAddress, access, unmapped);
        }
        if (err != 0)
        {
            return new Trap(TrapKind.Fault, pc, Code: (uint)err);
        }
        return stopRequested ? new Trap(TrapKind.Interrupted, pc) : new Trap(TrapKind.Fault, pc);
    }

    // Interrupt may come from any thread while the owner disposes the CPU (exec replaces it): the gate keeps
    // the shared state alive for as long as an Interrupt can touch it.
    private readonly Lock _gate = new();

    public void Interrupt()
    {
        lock (_gate)
        {
            if (_uc != 0) Volatile.Write(ref _state->StopRequest, 1);
        }
    }

    public void Dispose()
    {
        lock (_gate) DisposeLocked();
    }

    private void DisposeLocked()
    {
        if (_uc != 0)
        {
            if (_template != 0)
            {
                Native.uc_context_free(_template);
            }
            if (_stepTemplate != 0)
            {
                Native.uc_context_free(_stepTemplate);
            }
            Native.uc_close(_uc);
            _uc = 0;
            Native.kshim_detach(_state);
            NativeMemory.Free(_state);
        }
    }
}
