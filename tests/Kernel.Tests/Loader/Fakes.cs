using System.Buffers.Binary;
using System.Text;
using Kernel.Actors.Loader;
using Kernel.Platform;

namespace Kernel.Tests.Loader;

/// <summary>A guest address space as a dictionary of 4 KiB pages that enforces what a strict MM would.</summary>
public sealed class FakeLoadTarget : ILoadTarget
{
    public const ulong Page = 4096;
    private readonly Dictionary<ulong, Prot> _prot = [];
    private readonly Dictionary<ulong, byte[]> _data = [];

    public ulong PieBase { get; init; } = 0x5555_5555_0000;
    public ulong InterpreterBase { get; init; } = 0x7fff_b7f0_0000;
    public ulong StackTop { get; init; } = 0x7fff_ffff_f000;
    public ulong StackSize { get; init; } = 8UL << 20;

    public IEnumerable<ulong> MappedPages => _prot.Keys;

    public void Map(ulong address, ulong length, Prot prot)
    {
        Assert.True(address % Page == 0 && length % Page == 0 && length > 0, $"unaligned map 0x{address:x}+0x{length:x}");
        for (ulong p = address; p < address + length; p += Page)
            Assert.False(_prot.ContainsKey(p), $"page 0x{p:x} mapped twice");
        for (ulong p = address; p < address + length; p += Page)
            _prot[p] = prot;
    }

    public void Write(ulong address, ReadOnlySpan<byte> data)
    {
        for (int i = 0; i < data.Length;)
        {
            ulong a = address + (ulong)i;
            ulong page = a & ~(Page - 1);
            Assert.True(_prot.TryGetValue(page, out var prot), $"write to unmapped 0x{a:x}");
            Assert.True(prot.HasFlag(Prot.Write), $"write to read-only 0x{a:x}");
            if (!_data.TryGetValue(page, out var bytes))
                _data[page] = bytes = new byte[Page];
            int n = (int)Math.Min((ulong)(data.Length - i), page + Page - a);
            data.Slice(i, n).CopyTo(bytes.AsSpan((int)(a - page)));
            i += n;
        }
    }

    public void Protect(ulong address, ulong length, Prot prot)
    {
        Assert.True(address % Page == 0 && length % Page == 0, "unaligned protect");
        for (ulong p = address; p < address + length; p += Page)
        {
            Assert.True(_prot.ContainsKey(p), $"protect of unmapped 0x{p:x}");
            _prot[p] = prot;
        }
    }

    public bool IsMapped(ulong address) => _prot.ContainsKey(address & ~(Page - 1));

    public Prot ProtAt(ulong address) =>
        _prot.TryGetValue(address & ~(Page - 1), out var p) ? p : throw new Xunit.Sdk.XunitException($"0x{address:x} unmapped");

    public byte[] Read(ulong address, int length)
    {
        var result = new byte[length];
        for (int i = 0; i < length; i++)
        {
            ulong a = address + (ulong)i;
            ulong page = a & ~(Page - 1);
            Assert.True(_prot.ContainsKey(page), $"read of unmapped 0x{a:x}");
            result[i] = _data.TryGetValue(page, out var bytes) ? bytes[a - page] : (byte)0;
        }
        return result;
    }

    public ulong ReadU64(ulong address) => BinaryPrimitives.ReadUInt64LittleEndian(Read(address, 8));

    public string ReadCString(ulong address)
    {
        var bytes = new List<byte>();
        for (byte b; (b = Read(address++, 1)[0]) != 0;)
            bytes.Add(b);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}

/// <summary>A guest filesystem of in-memory files and injected errors.</summary>
public sealed class FakeExecutableSource : IExecutableSource
{
    public Dictionary<string, byte[]> Files { get; } = [];
    public Dictionary<string, int> Errors { get; } = [];

    public FakeExecutableSource Add(string path, byte[] contents) { Files[path] = contents; return this; }
    public FakeExecutableSource Add(string path, string text) => Add(path, Encoding.UTF8.GetBytes(text));

    public long ReadFile(string guestPath, out byte[] contents)
    {
        contents = [];
        if (Errors.TryGetValue(guestPath, out int errno))
            return -errno;
        if (!Files.TryGetValue(guestPath, out var data))
            return -2; // ENOENT
        contents = data;
        return 0;
    }
}
