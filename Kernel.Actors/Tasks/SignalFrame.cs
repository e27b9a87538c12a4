using System.Buffers.Binary;
using Kernel.Platform;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// arm64's rt_sigframe (arch/arm64/kernel/signal.c): siginfo, then a ucontext whose mcontext holds the general
/// registers and, in its reserved area, an fpsimd_context record; a frame record {x29, x30} sits above it so
/// that unwinders can walk through the handler.
/// </summary>
internal static class SignalFrame
{
    private const int UcontextOffset = SigInfo.Size;                 // 128
    private const int UcStack = UcontextOffset + 16;                  // uc_flags, uc_link
    private const int UcSigmask = UcontextOffset + 40;
    private const int Mcontext = UcontextOffset + 176;                // uc_mcontext is 16-aligned at 176
    private const int McRegs = Mcontext + 8;                          // after fault_address
    private const int McSp = McRegs + 31 * 8;
    private const int McPc = McSp + 8;
    private const int McPstate = McPc + 8;
    private const int McReserved = Mcontext + 288;                    // __reserved[4096], 16-aligned
    public const int Size = McReserved + 4096;                        // 4688: sizeof(struct rt_sigframe)
    private const uint FpsimdMagic = 0x46508001, FpsimdSize = 528;
    private const uint EsrMagic = 0x45535201;
    private const ulong NzcvMask = 0xF0000000;

    /// <summary>The frame's address and the bytes to store there (below <paramref name="stackTop"/>).</summary>
    public static (ulong Frame, ulong Record, byte[] Bytes) Build(CpuState regs, ulong stackTop, SigInfo info, ulong savedMask,
        (ulong Sp, int Flags, ulong Size) altStack, ulong faultAddress, ulong? esr)
    {
        var record = (stackTop - 16) & ~15UL;
        var frame = (record - Size) & ~15UL;
        var b = new byte[Size];
        info.ToBytes().CopyTo(b, 0);
        var s = b.AsSpan();
        BinaryPrimitives.WriteUInt64LittleEndian(s[UcStack..], altStack.Sp);
        BinaryPrimitives.WriteInt32LittleEndian(s[(UcStack + 8)..], altStack.Flags);
        BinaryPrimitives.WriteUInt64LittleEndian(s[(UcStack + 16)..], altStack.Size);
        BinaryPrimitives.WriteUInt64LittleEndian(s[UcSigmask..], savedMask);
        BinaryPrimitives.WriteUInt64LittleEndian(s[Mcontext..], faultAddress);
        for (var i = 0; i < 31; i++) BinaryPrimitives.WriteUInt64LittleEndian(s[(McRegs + i * 8)..], regs.X[i]);
        BinaryPrimitives.WriteUInt64LittleEndian(s[McSp..], regs.Sp);
        BinaryPrimitives.WriteUInt64LittleEndian(s[McPc..], regs.Pc);
        BinaryPrimitives.WriteUInt64LittleEndian(s[McPstate..], regs.Pstate);
        var r = s[McReserved..];
        BinaryPrimitives.WriteUInt32LittleEndian(r, FpsimdMagic);
        BinaryPrimitives.WriteUInt32LittleEndian(r[4..], FpsimdSize);
        BinaryPrimitives.WriteUInt32LittleEndian(r[8..], regs.Fpsr);
        BinaryPrimitives.WriteUInt32LittleEndian(r[12..], regs.Fpcr);
        for (var i = 0; i < 32; i++) BinaryPrimitives.WriteUInt128LittleEndian(r[(16 + i * 16)..], regs.V[i]);
        if (esr is { } e)
        {
            var rec = r[(int)FpsimdSize..];
            BinaryPrimitives.WriteUInt32LittleEndian(rec, EsrMagic);
            BinaryPrimitives.WriteUInt32LittleEndian(rec[4..], 16);
            BinaryPrimitives.WriteUInt64LittleEndian(rec[8..], e);
        }
        // The terminator record {0, 0} is already zero.
        return (frame, record, b);
    }

    /// <summary>
    /// Reads the frame rt_sigreturn finds at <paramref name="sp"/>: the registers to resume with (NZCV only from
    /// the guest's pstate: the rest stays the kernel's), the mask and the alternate stack; null when it cannot be read.
    /// </summary>
    public static (CpuState Regs, ulong Mask, (ulong Sp, int Flags, ulong Size) AltStack)? Restore(IGuestMemory memory, ulong sp, CpuState current)
    {
        if ((sp & 15) != 0) return null;
        var b = new byte[Size];
        if (memory.Read(sp, b) != Errno.None) return null;
        var s = (ReadOnlySpan<byte>)b;
        var x = new ulong[31];
        for (var i = 0; i < 31; i++) x[i] = BinaryPrimitives.ReadUInt64LittleEndian(s[(McRegs + i * 8)..]);
        var pstate = (current.Pstate & ~NzcvMask) | (BinaryPrimitives.ReadUInt64LittleEndian(s[McPstate..]) & NzcvMask);
        var v = current.V;
        uint fpsr = current.Fpsr, fpcr = current.Fpcr;
        var r = s[McReserved..];
        if (BinaryPrimitives.ReadUInt32LittleEndian(r) == FpsimdMagic)
        {
            if (BinaryPrimitives.ReadUInt32LittleEndian(r[4..]) != FpsimdSize) return null;
            fpsr = BinaryPrimitives.ReadUInt32LittleEndian(r[8..]);
            fpcr = BinaryPrimitives.ReadUInt32LittleEndian(r[12..]);
            v = new UInt128[32];
            for (var i = 0; i < 32; i++) v[i] = BinaryPrimitives.ReadUInt128LittleEndian(r[(16 + i * 16)..]);
        }
        var regs = current with
        {
            X = x,
            Sp = BinaryPrimitives.ReadUInt64LittleEndian(s[McSp..]),
            Pc = BinaryPrimitives.ReadUInt64LittleEndian(s[McPc..]),
            Pstate = pstate,
            V = v,
            Fpsr = fpsr,
            Fpcr = fpcr,
        };
        var mask = BinaryPrimitives.ReadUInt64LittleEndian(s[UcSigmask..]);
        var alt = (BinaryPrimitives.ReadUInt64LittleEndian(s[UcStack..]), BinaryPrimitives.ReadInt32LittleEndian(s[(UcStack + 8)..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[(UcStack + 16)..]));
        return (regs, mask, alt);
    }
}
