using System.Buffers.Binary;
using System.Text;
using Kernel.Actors.Vfs;

namespace Kernel.Tests.Vfs;

/// <summary>Parses linux_dirent64 records the way a guest libc does.</summary>
public static class DirentReader
{
    public readonly record struct Rec(ulong Ino, long Off, int RecLen, byte Type, string Name);

    public static List<Rec> Parse(ReadOnlySpan<byte> buf)
    {
        var list = new List<Rec>();
        int pos = 0;
        while (pos < buf.Length)
        {
            ulong ino = BinaryPrimitives.ReadUInt64LittleEndian(buf[pos..]);
            long off = BinaryPrimitives.ReadInt64LittleEndian(buf[(pos + 8)..]);
            int reclen = BinaryPrimitives.ReadUInt16LittleEndian(buf[(pos + 16)..]);
            byte type = buf[pos + 18];
            var name = buf.Slice(pos + 19, reclen - 19);
            name = name[..name.IndexOf((byte)0)];
            list.Add(new Rec(ino, off, reclen, type, Encoding.UTF8.GetString(name)));
            pos += reclen;
        }
        return list;
    }

    public static List<Rec> ReadAll(OpenFile dir, int bufferSize = 4096)
    {
        var all = new List<Rec>();
        var buf = new byte[bufferSize];
        while (true)
        {
            long n = dir.GetDents64(buf);
            Assert.True(n >= 0, $"getdents64 failed: {n}");
            if (n == 0) return all;
            all.AddRange(Parse(buf.AsSpan(0, (int)n)));
        }
    }

    public static List<string> ReadAllNames(OpenFile dir) => ReadAll(dir).Select(r => r.Name).ToList();
}
