using System.Buffers.Binary;

namespace Kernel.Syscalls.Seccomp;

/// <summary>One classic BPF instruction as a program gives it (struct sock_filter: u16 code, u8 jt, u8 jf, u32 k).</summary>
public readonly record struct BpfInstruction(ushort Code, byte Jt, byte Jf, uint K)
{
    public const int Size = 8;

    public static BpfInstruction Read(ReadOnlySpan<byte> b) =>
        new(BinaryPrimitives.ReadUInt16LittleEndian(b), b[2], b[3], BinaryPrimitives.ReadUInt32LittleEndian(b[4..]));
}

/// <summary>
/// Classic BPF for seccomp: the checks of Linux's bpf_check_classic (net/core/filter.c) and seccomp_check_filter
/// (kernel/seccomp.c), and an interpreter over a 64-byte struct seccomp_data. A checked program is immutable, so
/// threads and processes share it.
/// </summary>
public sealed class ClassicBpf
{
    public const int MaxInstructions = 4096; // BPF_MAXINSNS
    private const int MemWords = 16;         // BPF_MEMWORDS
    private const uint AncillaryOffset = 0xfffff000; // SKF_AD_OFF: loads at or above it are socket helpers

    // The opcode's parts (include/uapi/linux/bpf_common.h).
    private const int Ld = 0x00, Ldx = 0x01, St = 0x02, Stx = 0x03, Alu = 0x04, Jmp = 0x05, Ret = 0x06, Misc = 0x07;
    private const int W = 0x00, H = 0x08, B = 0x10;
    private const int Imm = 0x00, Abs = 0x20, Ind = 0x40, Mem = 0x60, Len = 0x80, Msh = 0xa0;
    private const int Add = 0x00, Sub = 0x10, Mul = 0x20, Div = 0x30, Or = 0x40, And = 0x50, Lsh = 0x60, Rsh = 0x70,
        Neg = 0x80, Mod = 0x90, Xor = 0xa0;
    private const int Ja = 0x00, Jeq = 0x10, Jgt = 0x20, Jge = 0x30, Jset = 0x40;
    private const int K = 0x00, X = 0x08, RetA = 0x10, Tax = 0x00, Txa = 0x80;

    private readonly Op[] _ops;

    private ClassicBpf(Op[] ops, int converted, BpfInstruction[] original)
    {
        _ops = ops;
        ConvertedLength = converted;
        Original = original;
    }

    public int Length => _ops.Length;

    /// <summary>The program as it was installed (ptrace's PTRACE_SECCOMP_GET_FILTER returns it).</summary>
    public IReadOnlyList<BpfInstruction> Original { get; }

    /// <summary>
    /// The length of the eBPF program Linux converts this one to (bpf_convert_filter), which is what seccomp's limit
    /// of instructions per path counts: a 3-instruction prologue, two for a constant return, five for a division by
    /// X (its zero check), one more for a negative jump constant, two for a conditional jump that needs a JA.
    /// </summary>
    public int ConvertedLength { get; }

    /// <summary>What the interpreter runs: the instruction with its opcode reduced to one of <see cref="Kind"/>.</summary>
    private readonly record struct Op(Kind Kind, byte Jt, byte Jf, uint K);

    private enum Kind : byte
    {
        LoadData, LoadImmA, LoadImmX, LoadMemA, LoadMemX, StoreA, StoreX, Tax, Txa, Neg,
        AddK, AddX, SubK, SubX, MulK, MulX, DivK, DivX, AndK, AndX, OrK, OrX, XorK, XorX, LshK, LshX, RshK, RshX,
        Ja, JeqK, JeqX, JgtK, JgtX, JgeK, JgeX, JsetK, JsetX, RetK, RetA,
    }

    /// <summary>
    /// A seccomp program, or null when Linux refuses it with EINVAL: an opcode bpf_check_classic or seccomp does not
    /// take, a jump out of the program, a load from scratch memory not stored on every path before, a misaligned or
    /// out-of-bounds load of seccomp_data (<paramref name="dataSize"/> bytes), or a last instruction that is no return.
    /// </summary>
    public static ClassicBpf? ForSeccomp(IReadOnlyList<BpfInstruction> program, uint dataSize)
    {
        var n = program.Count;
        if (n is 0 or > MaxInstructions || !CheckClassic(program) || !CheckLoadsAndStores(program)) return null;
        var ops = new Op[n];
        var converted = 3;
        for (var pc = 0; pc < n; pc++)
        {
            var i = program[pc];
            Kind? kind = i.Code switch
            {
                Ld | W | Abs when i.K < dataSize && (i.K & 3) == 0 => Kind.LoadData,
                Ld | W | Abs => null,
                Ld | W | Len => Kind.LoadImmA, // the length of seccomp_data, below
                Ldx | W | Len => Kind.LoadImmX,
                Ld | Imm => Kind.LoadImmA,
                Ldx | Imm => Kind.LoadImmX,
                Ld | Mem => Kind.LoadMemA,
                Ldx | Mem => Kind.LoadMemX,
                St => Kind.StoreA,
                Stx => Kind.StoreX,
                Misc | Tax => Kind.Tax,
                Misc | Txa => Kind.Txa,
                Alu | Neg => Kind.Neg,
                Alu | Add | K => Kind.AddK, Alu | Add | X => Kind.AddX,
                Alu | Sub | K => Kind.SubK, Alu | Sub | X => Kind.SubX,
                Alu | Mul | K => Kind.MulK, Alu | Mul | X => Kind.MulX,
                Alu | Div | K => Kind.DivK, Alu | Div | X => Kind.DivX,
                Alu | And | K => Kind.AndK, Alu | And | X => Kind.AndX,
                Alu | Or | K => Kind.OrK, Alu | Or | X => Kind.OrX,
                Alu | Xor | K => Kind.XorK, Alu | Xor | X => Kind.XorX,
                Alu | Lsh | K => Kind.LshK, Alu | Lsh | X => Kind.LshX,
                Alu | Rsh | K => Kind.RshK, Alu | Rsh | X => Kind.RshX,
                Jmp | Ja => Kind.Ja,
                Jmp | Jeq | K => Kind.JeqK, Jmp | Jeq | X => Kind.JeqX,
                Jmp | Jgt | K => Kind.JgtK, Jmp | Jgt | X => Kind.JgtX,
                Jmp | Jge | K => Kind.JgeK, Jmp | Jge | X => Kind.JgeX,
                Jmp | Jset | K => Kind.JsetK, Jmp | Jset | X => Kind.JsetX,
                Ret | K => Kind.RetK,
                Ret | RetA => Kind.RetA,
                _ => null, // MOD, the packet loads (H, B, IND, MSH): classic BPF has them, seccomp does not
            };
            if (kind is null) return null;
            var k = i.Code == (Ld | W | Len) || i.Code == (Ldx | W | Len) ? dataSize : i.K;
            ops[pc] = new Op(kind.Value, i.Jt, i.Jf, k);
            converted += ConvertedSize(kind.Value, i);
        }
        return new ClassicBpf(ops, converted, program.ToArray());
    }

    private static int ConvertedSize(Kind kind, BpfInstruction i)
    {
        switch (kind)
        {
            case Kind.DivX: return 5;
            case Kind.RetK: return 2;
            case Kind.JeqK or Kind.JgtK or Kind.JgeK or Kind.JsetK or Kind.JeqX or Kind.JgtX or Kind.JgeX or Kind.JsetX:
            {
                var size = (i.Code & X) == 0 && (int)i.K < 0 ? 2 : 1; // the constant goes through a register
                // jf == 0 is one jump; so is jt == 0 for the tests that have an inverse (JEQ, JGT, JGE), not JSET.
                var single = i.Jf == 0 || (i.Jt == 0 && kind is not (Kind.JsetK or Kind.JsetX));
                return single ? size : size + 1;
            }
            default: return 1;
        }
    }

    /// <summary>bpf_check_classic's per-instruction checks and the final return.</summary>
    private static bool CheckClassic(IReadOnlyList<BpfInstruction> program)
    {
        var n = program.Count;
        for (var pc = 0; pc < n; pc++)
        {
            var i = program[pc];
            if (!ClassicAllows(i.Code)) return false;
            switch (i.Code)
            {
                case Alu | Div | K or Alu | Mod | K when i.K == 0:
                case Alu | Lsh | K or Alu | Rsh | K when i.K >= 32:
                case Ld | Mem or Ldx | Mem or St or Stx when i.K >= MemWords:
                case Jmp | Ja when i.K >= (uint)(n - pc - 1):
                    return false;
                case Jmp | Jeq | K or Jmp | Jeq | X or Jmp | Jgt | K or Jmp | Jgt | X
                    or Jmp | Jge | K or Jmp | Jge | X or Jmp | Jset | K or Jmp | Jset | X
                    when pc + i.Jt + 1 >= n || pc + i.Jf + 1 >= n:
                    return false;
                case Ld | W | Abs or Ld | H | Abs or Ld | B | Abs when i.K >= AncillaryOffset:
                    return false; // an ancillary (socket) load: seccomp programs have none
            }
        }
        return program[n - 1].Code == (Ret | K) || program[n - 1].Code == (Ret | RetA);
    }

    private static bool ClassicAllows(ushort code) => code switch
    {
        Alu | Add | K or Alu | Add | X or Alu | Sub | K or Alu | Sub | X or Alu | Mul | K or Alu | Mul | X
            or Alu | Div | K or Alu | Div | X or Alu | Mod | K or Alu | Mod | X or Alu | And | K or Alu | And | X
            or Alu | Or | K or Alu | Or | X or Alu | Xor | K or Alu | Xor | X or Alu | Lsh | K or Alu | Lsh | X
            or Alu | Rsh | K or Alu | Rsh | X or Alu | Neg => true,
        Ld | W | Abs or Ld | H | Abs or Ld | B | Abs or Ld | W | Len or Ld | W | Ind or Ld | H | Ind or Ld | B | Ind
            or Ld | Imm or Ld | Mem or Ldx | W | Len or Ldx | B | Msh or Ldx | Imm or Ldx | Mem => true,
        St or Stx or Misc | Tax or Misc | Txa or Ret | K or Ret | RetA => true,
        Jmp | Ja or Jmp | Jeq | K or Jmp | Jeq | X or Jmp | Jge | K or Jmp | Jge | X or Jmp | Jgt | K or Jmp | Jgt | X
            or Jmp | Jset | K or Jmp | Jset | X => true,
        _ => false,
    };

    /// <summary>check_load_and_stores: every scratch word loaded must have been stored on each path that reaches the load.</summary>
    private static bool CheckLoadsAndStores(IReadOnlyList<BpfInstruction> program)
    {
        var n = program.Count;
        var masks = new ushort[n];
        Array.Fill(masks, ushort.MaxValue);
        ushort valid = 0;
        for (var pc = 0; pc < n; pc++)
        {
            valid &= masks[pc];
            var i = program[pc];
            switch (i.Code)
            {
                case St or Stx:
                    valid |= (ushort)(1 << (int)i.K);
                    break;
                case Ld | Mem or Ldx | Mem:
                    if ((valid & (1 << (int)i.K)) == 0) return false;
                    break;
                case Jmp | Ja:
                    masks[pc + 1 + (int)i.K] &= valid;
                    valid = ushort.MaxValue;
                    break;
                case Jmp | Jeq | K or Jmp | Jeq | X or Jmp | Jgt | K or Jmp | Jgt | X
                    or Jmp | Jge | K or Jmp | Jge | X or Jmp | Jset | K or Jmp | Jset | X:
                    masks[pc + 1 + i.Jt] &= valid;
                    masks[pc + 1 + i.Jf] &= valid;
                    valid = ushort.MaxValue;
                    break;
            }
        }
        return true;
    }

    /// <summary>Runs the program over <paramref name="data"/> (little-endian words); its return value.</summary>
    public uint Run(ReadOnlySpan<byte> data)
    {
        uint a = 0, x = 0;
        Span<uint> mem = stackalloc uint[MemWords];
        var ops = _ops;
        var pc = 0;
        while (true)
        {
            var op = ops[pc++];
            var k = op.K;
            switch (op.Kind)
            {
                case Kind.LoadData: a = BinaryPrimitives.ReadUInt32LittleEndian(data[(int)k..]); break;
                case Kind.LoadImmA: a = k; break;
                case Kind.LoadImmX: x = k; break;
                case Kind.LoadMemA: a = mem[(int)k]; break;
                case Kind.LoadMemX: x = mem[(int)k]; break;
                case Kind.StoreA: mem[(int)k] = a; break;
                case Kind.StoreX: mem[(int)k] = x; break;
                case Kind.Tax: x = a; break;
                case Kind.Txa: a = x; break;
                case Kind.Neg: a = unchecked(0u - a); break;
                case Kind.AddK: a = unchecked(a + k); break;
                case Kind.AddX: a = unchecked(a + x); break;
                case Kind.SubK: a = unchecked(a - k); break;
                case Kind.SubX: a = unchecked(a - x); break;
                case Kind.MulK: a = unchecked(a * k); break;
                case Kind.MulX: a = unchecked(a * x); break;
                case Kind.DivK: a /= k; break;
                case Kind.DivX:
                    if (x == 0) return 0; // classic BPF ends a program that divides by zero with 0
                    a /= x;
                    break;
                case Kind.AndK: a &= k; break;
                case Kind.AndX: a &= x; break;
                case Kind.OrK: a |= k; break;
                case Kind.OrX: a |= x; break;
                case Kind.XorK: a ^= k; break;
                case Kind.XorX: a ^= x; break;
                case Kind.LshK: a <<= (int)k; break;
                case Kind.LshX: a <<= (int)(x & 31); break;
                case Kind.RshK: a >>= (int)k; break;
                case Kind.RshX: a >>= (int)(x & 31); break;
                case Kind.Ja: pc += (int)k; break;
                case Kind.JeqK: pc += a == k ? op.Jt : op.Jf; break;
                case Kind.JeqX: pc += a == x ? op.Jt : op.Jf; break;
                case Kind.JgtK: pc += a > k ? op.Jt : op.Jf; break;
                case Kind.JgtX: pc += a > x ? op.Jt : op.Jf; break;
                case Kind.JgeK: pc += a >= k ? op.Jt : op.Jf; break;
                case Kind.JgeX: pc += a >= x ? op.Jt : op.Jf; break;
                case Kind.JsetK: pc += (a & k) != 0 ? op.Jt : op.Jf; break;
                case Kind.JsetX: pc += (a & x) != 0 ? op.Jt : op.Jf; break;
                case Kind.RetK: return k;
                case Kind.RetA: return a;
            }
        }
    }
}
