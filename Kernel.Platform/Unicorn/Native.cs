using System.Runtime.InteropServices;

namespace Kernel.Platform.Unicorn;

/// <summary>
/// P/Invoke declarations for libkshim.so: Unicorn 2.0.1's API (Debian's libunicorn.a, linked in statically so that
/// its TLB fill can be wrapped) and our native hooks.
/// </summary>
internal static unsafe partial class Native
{
    private const string Lib = "kshim";
    private const string Shim = Lib;

    public const int ArchArm64 = 2;
    public const int ModeArm = 0;
    public const int CpuArm64Max = 3;

    public const int RegX0 = 199;   // X0..X28 are consecutive
    public const int RegX29 = 1;
    public const int RegX30 = 2;
    public const int RegSp = 4;
    public const int RegNzcv = 3;
    public const int RegPc = 260;
    public const int RegPstate = 265;
    public const int RegTpidrEl0 = 262;
    public const int RegTpidrroEl0 = 263;
    public const int RegQ0 = 104;   // Q0..Q31 are consecutive
    public const int RegFpcr = 291;
    public const int RegFpsr = 292;
    public const int RegCpReg = 290; // a system register named by a CpReg

    public const int MemReadUnmapped = 19;
    public const int MemWriteUnmapped = 20;
    public const int MemFetchUnmapped = 21;
    public const int MemWriteProt = 22;
    public const int MemReadProt = 23;
    public const int MemFetchProt = 24;

    public static int XReg(int i) => i switch
    {
        < 29 => RegX0 + i,
        29 => RegX29,
        30 => RegX30,
        _ => throw new ArgumentOutOfRangeException(nameof(i)),
    };

    [LibraryImport(Lib)] public static partial int uc_open(int arch, int mode, out nint uc);
    [LibraryImport(Lib)] public static partial int uc_close(nint uc);
    [LibraryImport(Lib)] public static partial nint uc_strerror(int err);
    [LibraryImport(Lib)] public static partial int uc_mem_map_ptr(nint uc, ulong address, nuint size, uint perms, nint ptr);
    [LibraryImport(Lib)] public static partial int uc_mem_unmap(nint uc, ulong address, nuint size);
    [LibraryImport(Lib)] public static partial int uc_mem_protect(nint uc, ulong address, nuint size, uint perms);
    [LibraryImport(Lib)] public static partial int uc_emu_start(nint uc, ulong begin, ulong until, ulong timeout, nuint count);
    [LibraryImport(Lib)] public static partial int uc_reg_read(nint uc, int regid, void* value);
    [LibraryImport(Lib)] public static partial int uc_mem_read(nint uc, ulong address, void* bytes, nuint size);
    [LibraryImport(Lib)] public static partial int uc_reg_write(nint uc, int regid, void* value);
    [LibraryImport(Lib)] public static partial int uc_reg_read_batch(nint uc, int* regs, void** values, int count);
    [LibraryImport(Lib)] public static partial int uc_context_alloc(nint uc, out nint context);
    [LibraryImport(Lib)] public static partial int uc_context_save(nint uc, nint context);
    [LibraryImport(Lib)] public static partial int uc_context_restore(nint uc, nint context);
    [LibraryImport(Lib)] public static partial int uc_context_free(nint context);
    [LibraryImport(Lib)] public static partial int uc_context_reg_read(nint context, int regid, void* value);
    [LibraryImport(Lib)] public static partial int uc_context_reg_write(nint context, int regid, void* value);

    [LibraryImport(Shim)] public static partial int kshim_attach(nint uc, ShimState* state);
    [LibraryImport(Shim)] public static partial int kshim_set_cpu_model(nint uc, int model);
    [LibraryImport(Shim)] public static partial int kshim_remove_cache(nint uc, ulong begin, ulong end);
    [LibraryImport(Shim)] public static partial int kshim_emu_start(nint uc, ShimState* state, ulong begin, ulong until);
    [LibraryImport(Shim)] public static partial int kshim_set_protection(ShimState* state, ulong start, ulong end, int prot);
    [LibraryImport(Shim)] public static partial void kshim_detach(ShimState* state);
    [LibraryImport(Shim)] public static partial int kshim_parallel_atomics(int enable);

    public static string Describe(int err) => Marshal.PtrToStringUTF8(uc_strerror(err)) ?? $"unicorn error {err}";

    public static void Check(int err, string what)
    {
        if (err != 0)
        {
            throw new CpuException($"{what}: {Describe(err)}");
        }
    }
}

/// <summary>uc_arm64_cp_reg: a system register by its encoding, and its value.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct CpReg
{
    public uint Crn, Crm, Op0, Op1, Op2;
    public ulong Value;
}

/// <summary>Layout of kshim_state in native/kshim.c.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct ShimState
{
    public int StopRequest;
    public int Reason;
    public uint IntNo;
    public int MemType;
    public ulong MemAddress;
    public long MemSize;
    private nint _fast;          // native-private from here on: two range sets and the engine's CPU
    private int _fastCount, _fastCapacity;
    private nint _writable;
    private int _writableCount, _writableCapacity;
    private nint _cpu;
}

/// <summary>The CPU backend failed in a way that is the host's problem, not the guest's.</summary>
public sealed class CpuException(string message) : Exception(message);
