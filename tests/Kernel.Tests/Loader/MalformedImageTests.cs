using System.Buffers.Binary;
using Kernel.Actors.Loader;
using Kernel.Syscalls.Abi;

namespace Kernel.Tests.Loader;

public sealed class MalformedImageTests(TestBinaries bins) : LoaderTestBase, IClassFixture<TestBinaries>
{
    [Fact]
    public void HostX86Binary_IsENOEXEC()
    {
        byte[] host = File.ReadAllBytes("/bin/true");
        Assert.Equal(62, BinaryPrimitives.ReadUInt16LittleEndian(host.AsSpan(18))); // EM_X86_64
        Fails(Errno.ENOEXEC, Request("/bin/true"), new FakeExecutableSource().Add("/bin/true", host));
    }

    [Fact]
    public void TextFile_IsENOEXEC()
    {
        Fails(Errno.ENOEXEC, Request("/t"), new FakeExecutableSource().Add("/t", "hello world\nnot a program\n"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4)]
    [InlineData(20)]
    [InlineData(63)]
    [InlineData(64)]
    [InlineData(100)]
    public void TruncatedHeaders_AreENOEXEC(int length)
    {
        byte[] cut = bins.StaticNoPie[..length];
        Fails(Errno.ENOEXEC, Request("/p"), new FakeExecutableSource().Add("/p", cut));
    }

    [Fact]
    public void TruncatedSegments_AreENOEXEC()
    {
        var elf = TestElf.Read(bins.StaticNoPie);
        int end = (int)(elf.PhOff + (ulong)elf.PhNum * 56);
        Fails(Errno.ENOEXEC, Request("/p"), new FakeExecutableSource().Add("/p", bins.StaticNoPie[..(end - 1)]));
        Fails(Errno.ENOEXEC, Request("/p"), new FakeExecutableSource().Add("/p", bins.StaticNoPie[..(bins.StaticNoPie.Length / 2)]));
    }

    [Theory]
    [InlineData(4, 1)]      // ELFCLASS32
    [InlineData(5, 2)]      // big endian
    [InlineData(16, 1)]     // ET_REL
    [InlineData(16, 4)]     // ET_CORE
    [InlineData(18, 62)]    // EM_X86_64
    [InlineData(54, 32)]    // e_phentsize
    [InlineData(56, 0)]     // e_phnum
    public void WrongHeaderFields_AreENOEXEC(int offset, int value)
    {
        byte[] f = (byte[])bins.StaticNoPie.Clone();
        if (offset >= 16) BinaryPrimitives.WriteUInt16LittleEndian(f.AsSpan(offset), (ushort)value);
        else f[offset] = (byte)value;
        Fails(Errno.ENOEXEC, Request("/p"), new FakeExecutableSource().Add("/p", f));
    }

    [Fact]
    public void BadPtInterp_IsENOEXEC()
    {
        var elf = TestElf.Read(bins.DynamicPie);
        var interp = elf.Phdrs.Single(p => p.Type == TestElf.PtInterp);
        var files = new FakeExecutableSource();
        // Not NUL-terminated (p_filesz one short).
        files.Add("/a", TestElf.PatchPhdr(bins.DynamicPie, interp.Index, 32, interp.FileSize - 1, 8));
        Fails(Errno.ENOEXEC, Request("/a"), files);
        // Past the end of the file.
        files.Add("/b", TestElf.PatchPhdr(bins.DynamicPie, interp.Index, 8, (ulong)bins.DynamicPie.Length - 4, 8));
        Fails(Errno.ENOEXEC, Request("/b"), files);
        // Longer than PATH_MAX.
        files.Add("/c", TestElf.PatchPhdr(bins.DynamicPie, interp.Index, 32, 5000, 8));
        Fails(Errno.ENOEXEC, Request("/c"), files);
    }

    [Fact]
    public void RandomGarbage_OnlyEverThrowsLoadException()
    {
        var rng = new Random(12345);
        var files = new FakeExecutableSource().Add("/lib/ld-linux-aarch64.so.1", bins.LdSo);
        int loaded = 0, rejected = 0;
        for (int i = 0; i < 400; i++)
        {
            byte[] f;
            switch (i % 4)
            {
                case 0: // pure noise behind an ELF magic
                    f = new byte[rng.Next(0, 2000)];
                    rng.NextBytes(f);
                    if (f.Length >= 4) { f[0] = 0x7f; f[1] = (byte)'E'; f[2] = (byte)'L'; f[3] = (byte)'F'; }
                    break;
                case 1: // a valid header with a few random bytes in the headers
                case 2:
                    f = (byte[])(i % 8 < 4 ? bins.StaticPie : bins.DynamicPie).Clone();
                    int headerEnd = 64 + 56 * BinaryPrimitives.ReadUInt16LittleEndian(f.AsSpan(56));
                    for (int k = rng.Next(1, 6); k > 0; k--)
                        f[rng.Next(4, headerEnd)] = (byte)rng.Next(256);
                    break;
                default: // noise behind "#!"
                    f = new byte[rng.Next(2, 400)];
                    rng.NextBytes(f);
                    f[0] = (byte)'#'; f[1] = (byte)'!';
                    break;
            }
            files.Add("/fuzz", f);
            try
            {
                var mem = new FakeLoadTarget { StackSize = 256 * 1024 };
                var r = ElfLoader.Load(Request("/fuzz"), files, mem);
                Assert.Equal(0UL, r.StackPointer % 16);
                loaded++;
            }
            catch (LoadException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 100, $"only {rejected} rejected");
        Assert.True(loaded > 0, "no mutated image loaded at all");
    }
}
