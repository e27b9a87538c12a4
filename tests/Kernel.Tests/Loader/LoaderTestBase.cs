using Kernel.Actors.Loader;
using Kernel.Syscalls.Abi;

namespace Kernel.Tests.Loader;

public abstract class LoaderTestBase
{
    public static readonly byte[] Random16 = Enumerable.Range(0, 16).Select(i => (byte)(0xA0 + i)).ToArray();

    public static ExecRequest Request(string path, string[]? argv = null, string[]? envp = null) =>
        new(path, argv ?? [path], envp ?? ["HOME=/root", "PATH=/bin"], Uid: 1000, Euid: 1001, Gid: 100, Egid: 101,
            Secure: false, Hwcap: 0xefff, Hwcap2: 0x2a, Random16: Random16);

    public static LoadException Fails(Errno expected, ExecRequest request, IExecutableSource files, FakeLoadTarget? target = null)
    {
        var ex = Assert.Throws<LoadException>(() => ElfLoader.Load(request, files, target ?? new FakeLoadTarget()));
        Assert.True(ex.Errno == expected, $"expected {expected}, got {ex.Errno}: {ex.Message}");
        return ex;
    }

    /// <summary>Every PT_LOAD of <paramref name="file"/> is in memory at its address plus <paramref name="bias"/>:
    /// file bytes, then zeroes up to p_memsz, with the segment's protection on every page.</summary>
    public static void AssertSegmentsLoaded(FakeLoadTarget mem, byte[] file, ulong bias)
    {
        var elf = TestElf.Read(file);
        Assert.NotEmpty(elf.Loads);
        foreach (var ph in elf.Loads)
        {
            ulong start = ph.VAddr + bias;
            Assert.Equal(file.AsSpan((int)ph.Offset, (int)ph.FileSize).ToArray(), mem.Read(start, (int)ph.FileSize));
            var bss = mem.Read(start + ph.FileSize, (int)(ph.MemSize - ph.FileSize));
            Assert.True(bss.All(b => b == 0), $"bss of segment {ph.Index} not zero");
            var expected = ((ph.Flags & 4) != 0 ? Kernel.Platform.Prot.Read : 0)
                | ((ph.Flags & 2) != 0 ? Kernel.Platform.Prot.Write : 0)
                | ((ph.Flags & 1) != 0 ? Kernel.Platform.Prot.Exec : 0);
            for (ulong p = start & ~4095UL; p < start + ph.MemSize; p += 4096)
                Assert.Equal(expected, mem.ProtAt(p));
        }
    }

    /// <summary>The mapping list is sorted, disjoint and covers exactly the pages the target holds.</summary>
    public static void AssertMappingsDescribeMemory(LoadResult result, FakeLoadTarget mem)
    {
        ulong previousEnd = 0;
        ulong pages = 0;
        foreach (var v in result.Mappings)
        {
            Assert.True(v.Start >= previousEnd && v.End > v.Start, $"mapping {v} overlaps or is empty");
            for (ulong p = v.Start; p < v.End; p += 4096)
                Assert.Equal(v.Prot, mem.ProtAt(p));
            pages += (v.End - v.Start) / 4096;
            previousEnd = v.End;
        }
        Assert.Equal((ulong)mem.MappedPages.Count(), pages);
    }
}
