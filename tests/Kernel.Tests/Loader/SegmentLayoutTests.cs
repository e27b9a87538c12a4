using Kernel.Actors.Loader;
using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Tests.Loader;

public sealed class SegmentLayoutTests : LoaderTestBase
{
    private const uint R = 4, W = 2, X = 1;

    [Fact]
    public void SegmentsSharingAPage_LaterSegmentTakesItOver()
    {
        // Text ends at 0x401100; data starts in the same page at 0x401200 and has bss up to 0x403200.
        byte[] f = TinyElf.Build(2, 0x400100,
            TinyElf.Load(R | X, 0, 0x400000, 0x1100, 0x1100),
            TinyElf.Load(R | W, 0x1200, 0x401200, 0x100, 0x2000));
        var mem = new FakeLoadTarget();
        var r = ElfLoader.Load(Request("/t"), new FakeExecutableSource().Add("/t", f), mem);

        Assert.Equal(Prot.Read | Prot.Exec, mem.ProtAt(0x400000));
        Assert.Equal(Prot.Read | Prot.Write, mem.ProtAt(0x401000)); // the later mapping's protection
        // The shared page holds the file page of the data segment (which also covers the text tail), then bss zeroes.
        Assert.Equal(f.AsSpan(0x1000, 0x300).ToArray(), mem.Read(0x401000, 0x300));
        Assert.All(mem.Read(0x401300, 0x2000 - 0x100), b => Assert.Equal(0, b));
        Assert.Equal(0x404000UL, r.BrkStart);
        Assert.Equal(
            [(0x400000UL, 0x401000UL, "/t"), (0x401000UL, 0x402000UL, "/t"), (0x402000UL, 0x404000UL, "")],
            r.Mappings.Where(v => v.Label != "[stack]").Select(v => (v.Start, v.End, v.Label)));
        Assert.Equal(0x1000UL, r.Mappings.Single(v => v.Start == 0x401000).FileOffset);
        AssertMappingsDescribeMemory(r, mem);
    }

    [Fact]
    public void LastFilePage_KeepsFileBytesWithoutBss_ButIsZeroedWithBss()
    {
        byte[] f = TinyElf.Build(2, 0x400100,
            TinyElf.Load(R | X, 0, 0x400000, 0x1100, 0x1100),
            TinyElf.Load(R | W, 0x2100, 0x410100, 0x100, 0x100));
        byte[] withTail = new byte[0x3000];
        f.CopyTo(withTail, 0);
        for (int i = f.Length; i < withTail.Length; i++) withTail[i] = 0xEE;
        var mem = new FakeLoadTarget();
        ElfLoader.Load(Request("/t"), new FakeExecutableSource().Add("/t", withTail), mem);
        // Without bss the whole file page is visible, as mmap shows it.
        Assert.Equal(withTail.AsSpan(0x2000, 0x1000).ToArray(), mem.Read(0x410000, 0x1000));
        Assert.Equal(withTail.AsSpan(0x1000, 0x1000).ToArray(), mem.Read(0x401000, 0x1000));

        byte[] bss = TinyElf.Build(2, 0x400100,
            TinyElf.Load(R | X, 0, 0x400000, 0x1100, 0x1100),
            TinyElf.Load(R | W, 0x2100, 0x410100, 0x100, 0x200));
        withTail = new byte[0x3000];
        bss.CopyTo(withTail, 0);
        for (int i = bss.Length; i < withTail.Length; i++) withTail[i] = 0xEE;
        mem = new FakeLoadTarget();
        ElfLoader.Load(Request("/t"), new FakeExecutableSource().Add("/t", withTail), mem);
        Assert.Equal(withTail.AsSpan(0x2000, 0x200).ToArray(), mem.Read(0x410000, 0x200));
        Assert.All(mem.Read(0x410200, 0xE00), b => Assert.Equal(0, b));
    }

    [Fact]
    public void BssOnlySegment_IsAnonymousZeroMemory()
    {
        byte[] f = TinyElf.Build(3, 0x100,
            TinyElf.Load(R | X, 0, 0, 0x800, 0x800),
            TinyElf.Load(R | W, 0, 0x10000, 0, 0x3000));
        var mem = new FakeLoadTarget();
        var r = ElfLoader.Load(Request("/t"), new FakeExecutableSource().Add("/t", f), mem);
        Assert.Equal(mem.PieBase, r.LoadBias);
        Assert.All(mem.Read(mem.PieBase + 0x10000, 0x3000), b => Assert.Equal(0, b));
        Assert.Contains(r.Mappings, v => v.Start == mem.PieBase + 0x10000 && v.End == mem.PieBase + 0x13000 && v.Label == "");
        Assert.Equal(mem.PieBase + 0x13000, r.BrkStart);
        // No PT_PHDR, but the first PT_LOAD holds the headers at file offset 64.
        Assert.Equal(mem.PieBase + 64, r.PhdrAddress);
    }

    [Fact]
    public void DescendingSegments_AreEINVAL()
    {
        byte[] f = TinyElf.Build(2, 0x410100,
            TinyElf.Load(R | W, 0x1000, 0x411000, 0x100, 0x100),
            TinyElf.Load(R | X, 0, 0x400000, 0x100, 0x100));
        Fails(Errno.EINVAL, Request("/t"), new FakeExecutableSource().Add("/t", f));
    }

    [Fact]
    public void NoLoadableSegment_IsENOEXEC()
    {
        byte[] f = TinyElf.Build(2, 0x400000, new TinyElf.Segment(TestElf.PtGnuStack, R | W, 0, 0, 0, 0));
        Fails(Errno.ENOEXEC, Request("/t"), new FakeExecutableSource().Add("/t", f));
    }

    [Fact]
    public void SegmentDataPastTheEndOfTheFile_IsENOEXEC()
    {
        byte[] f = TinyElf.Build(2, 0x400100, TinyElf.Load(R | X, 0, 0x400000, 0x1100, 0x1100));
        Fails(Errno.ENOEXEC, Request("/t"), new FakeExecutableSource().Add("/t", f[..0x1000]));
    }

    [Fact]
    public void EntryOutsideTheAddressSpace_IsEINVAL()
    {
        byte[] f = TinyElf.Build(2, 1UL << 48, TinyElf.Load(R | X, 0, 0x400000, 0x1100, 0x1100));
        Fails(Errno.EINVAL, Request("/t"), new FakeExecutableSource().Add("/t", f));
    }
}
