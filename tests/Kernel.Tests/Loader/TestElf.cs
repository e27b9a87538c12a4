using System.Buffers.Binary;
using System.Text;

namespace Kernel.Tests.Loader;

/// <summary>The test's own minimal ELF64 reader (the oracle the loader's results are checked against).</summary>
public sealed record TestElf(ushort Type, ulong Entry, ulong PhOff, int PhNum, IReadOnlyList<TestElf.Phdr> Phdrs)
{
    public sealed record Phdr(int Index, uint Type, uint Flags, ulong Offset, ulong VAddr, ulong FileSize, ulong MemSize);

    public const uint PtLoad = 1, PtInterp = 3, PtPhdr = 6, PtGnuStack = 0x6474e551;

    public IEnumerable<Phdr> Loads => Phdrs.Where(p => p.Type == PtLoad);

    public static TestElf Read(byte[] f)
    {
        ushort U16(int o) => BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(o));
        uint U32(int o) => BinaryPrimitives.ReadUInt32LittleEndian(f.AsSpan(o));
        ulong U64(int o) => BinaryPrimitives.ReadUInt64LittleEndian(f.AsSpan(o));
        ulong phoff = U64(32);
        int phnum = U16(56);
        var phdrs = Enumerable.Range(0, phnum).Select(i =>
        {
            int o = (int)phoff + i * 56;
            return new Phdr(i, U32(o), U32(o + 4), U64(o + 8), U64(o + 16), U64(o + 32), U64(o + 40));
        }).ToList();
        return new TestElf(U16(16), U64(24), phoff, phnum, phdrs);
    }

    public string? Interpreter(byte[] f) =>
        Phdrs.FirstOrDefault(p => p.Type == PtInterp) is { } p
            ? Encoding.ASCII.GetString(f, (int)p.Offset, (int)p.FileSize).TrimEnd('\0')
            : null;

    /// <summary>Patches one field of program header <paramref name="index"/> in a copy of the file.</summary>
    public static byte[] PatchPhdr(byte[] file, int index, int fieldOffset, ulong value, int size)
    {
        var copy = (byte[])file.Clone();
        int o = (int)BinaryPrimitives.ReadUInt64LittleEndian(copy.AsSpan(32)) + index * 56 + fieldOffset;
        if (size == 4) BinaryPrimitives.WriteUInt32LittleEndian(copy.AsSpan(o), (uint)value);
        else BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(o), value);
        return copy;
    }
}
