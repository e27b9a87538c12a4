using System.Buffers.Binary;

namespace Kernel.Tests.Loader;

/// <summary>Hand-built arm64 ELF64 images for layouts the compiler does not produce.</summary>
public static class TinyElf
{
    public sealed record Segment(uint Type, uint Flags, ulong Offset, ulong VAddr, ulong FileSize, ulong MemSize);

    public static Segment Load(uint flags, ulong offset, ulong vaddr, ulong fileSize, ulong memSize) =>
        new(TestElf.PtLoad, flags, offset, vaddr, fileSize, memSize);

    /// <summary>An ELF header, the program headers right after it, and a recognisable byte pattern everywhere else.</summary>
    public static byte[] Build(ushort type, ulong entry, params Segment[] segments)
    {
        int headerEnd = 64 + 56 * segments.Length;
        ulong size = segments.Select(s => s.Offset + s.FileSize).Append((ulong)headerEnd).Max();
        var f = new byte[size];
        for (int i = headerEnd; i < f.Length; i++)
            f[i] = (byte)(i % 251 + 1);
        f[0] = 0x7f; f[1] = (byte)'E'; f[2] = (byte)'L'; f[3] = (byte)'F';
        f[4] = 2; f[5] = 1; f[6] = 1;
        var s = f.AsSpan();
        BinaryPrimitives.WriteUInt16LittleEndian(s[16..], type);
        BinaryPrimitives.WriteUInt16LittleEndian(s[18..], 183);
        BinaryPrimitives.WriteUInt32LittleEndian(s[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(s[24..], entry);
        BinaryPrimitives.WriteUInt64LittleEndian(s[32..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(s[52..], 64);
        BinaryPrimitives.WriteUInt16LittleEndian(s[54..], 56);
        BinaryPrimitives.WriteUInt16LittleEndian(s[56..], (ushort)segments.Length);
        for (int i = 0; i < segments.Length; i++)
        {
            var p = s[(64 + 56 * i)..];
            var g = segments[i];
            BinaryPrimitives.WriteUInt32LittleEndian(p, g.Type);
            BinaryPrimitives.WriteUInt32LittleEndian(p[4..], g.Flags);
            BinaryPrimitives.WriteUInt64LittleEndian(p[8..], g.Offset);
            BinaryPrimitives.WriteUInt64LittleEndian(p[16..], g.VAddr);
            BinaryPrimitives.WriteUInt64LittleEndian(p[24..], g.VAddr);
            BinaryPrimitives.WriteUInt64LittleEndian(p[32..], g.FileSize);
            BinaryPrimitives.WriteUInt64LittleEndian(p[40..], g.MemSize);
            BinaryPrimitives.WriteUInt64LittleEndian(p[48..], 4096);
        }
        return f;
    }
}
