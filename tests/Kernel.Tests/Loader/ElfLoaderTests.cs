using Kernel.Actors.Loader;
using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Tests.Loader;

public sealed class ElfLoaderTests(TestBinaries bins) : LoaderTestBase, IClassFixture<TestBinaries>
{
    private const string LdSoPath = "/lib/ld-linux-aarch64.so.1";

    [Fact]
    public void StaticNonPie_IsMappedAtItsOwnAddresses()
    {
        var mem = new FakeLoadTarget();
        var files = new FakeExecutableSource().Add("/bin/prog", bins.StaticNoPie);
        var r = ElfLoader.Load(Request("/bin/prog"), files, mem);
        var elf = TestElf.Read(bins.StaticNoPie);

        Assert.Equal(2, elf.Type); // ET_EXEC
        Assert.Equal(0UL, r.LoadBias);
        Assert.Equal(elf.Entry, r.Entry);
        Assert.Equal(elf.Entry, r.ProgramEntry);
        Assert.Equal(0UL, r.InterpreterBase);
        Assert.Null(r.InterpreterPath);
        AssertSegmentsLoaded(mem, bins.StaticNoPie, 0);
        ulong end = elf.Loads.Max(l => l.VAddr + l.MemSize);
        Assert.Equal((end + 4095) & ~4095UL, r.BrkStart);
        Assert.Equal("/bin/prog", r.ExecutablePath);
        AssertMappingsDescribeMemory(r, mem);
    }

    [Fact]
    public void StaticPie_IsPlacedAtPieBase()
    {
        var mem = new FakeLoadTarget();
        var files = new FakeExecutableSource().Add("/bin/prog", bins.StaticPie);
        var r = ElfLoader.Load(Request("/bin/prog"), files, mem);
        var elf = TestElf.Read(bins.StaticPie);

        Assert.Equal(3, elf.Type); // ET_DYN
        Assert.Null(elf.Interpreter(bins.StaticPie));
        ulong firstPage = elf.Loads.First().VAddr & ~4095UL;
        Assert.Equal(mem.PieBase - firstPage, r.LoadBias);
        Assert.Equal(elf.Entry + r.LoadBias, r.Entry);
        AssertSegmentsLoaded(mem, bins.StaticPie, r.LoadBias);
        var stack = GuestStack.Parse(mem, r.StackPointer);
        Assert.Equal(0UL, stack.Aux(7)); // AT_BASE: no interpreter
        Assert.Equal(r.Entry, stack.Aux(9));
        Assert.True(r.BrkStart > mem.PieBase && r.BrkStart % 4096 == 0);
        AssertMappingsDescribeMemory(r, mem);
    }

    [Fact]
    public void DynamicPie_LoadsItsInterpreter()
    {
        var elf = TestElf.Read(bins.DynamicPie);
        string? interpPath = elf.Interpreter(bins.DynamicPie);
        Assert.Equal(LdSoPath, interpPath);
        var mem = new FakeLoadTarget();
        var files = new FakeExecutableSource().Add("/usr/bin/prog", bins.DynamicPie).Add(LdSoPath, bins.LdSo);
        var r = ElfLoader.Load(Request("/usr/bin/prog"), files, mem);

        var ld = TestElf.Read(bins.LdSo);
        Assert.Equal(mem.InterpreterBase, r.InterpreterBase);
        Assert.Equal(mem.InterpreterBase - (ld.Loads.First().VAddr & ~4095UL) + ld.Entry, r.Entry);
        Assert.Equal(elf.Entry + r.LoadBias, r.ProgramEntry);
        Assert.Equal(LdSoPath, r.InterpreterPath);
        AssertSegmentsLoaded(mem, bins.DynamicPie, r.LoadBias);
        AssertSegmentsLoaded(mem, bins.LdSo, mem.InterpreterBase - (ld.Loads.First().VAddr & ~4095UL));

        var stack = GuestStack.Parse(mem, r.StackPointer);
        Assert.Equal(mem.InterpreterBase, stack.Aux(7)); // AT_BASE
        Assert.Equal(r.ProgramEntry, stack.Aux(9));      // AT_ENTRY: the program's, not ld.so's
        // The program has PT_PHDR; AT_PHDR is its relocated address and holds the headers.
        var ptPhdr = elf.Phdrs.Single(p => p.Type == TestElf.PtPhdr);
        Assert.Equal(ptPhdr.VAddr + r.LoadBias, stack.Aux(3));
        Assert.Contains(r.Mappings, v => v.Label == LdSoPath && v.Prot.HasFlag(Prot.Exec));
        Assert.Contains(r.Mappings, v => v.Label == "/usr/bin/prog" && v.Prot.HasFlag(Prot.Exec));
        AssertMappingsDescribeMemory(r, mem);
    }

    [Theory]
    [InlineData("static")]
    [InlineData("static-pie")]
    [InlineData("dynamic")]
    public void InitialStack_ReadsBackAsLibcSeesIt(string kind)
    {
        byte[] file = kind switch { "static" => bins.StaticNoPie, "static-pie" => bins.StaticPie, _ => bins.DynamicPie };
        var mem = new FakeLoadTarget();
        var files = new FakeExecutableSource().Add("/opt/p", file).Add(LdSoPath, bins.LdSo);
        string[] argv = ["prog", "first arg", "", "ünïcode"];
        string[] envp = ["A=1", "LONG=" + new string('x', 5000)];
        var r = ElfLoader.Load(Request("/opt/p", argv, envp), files, mem);
        var s = GuestStack.Parse(mem, r.StackPointer);
        var elf = TestElf.Read(file);

        Assert.Equal(0UL, r.StackPointer % 16);
        Assert.Equal((ulong)argv.Length, s.Argc);
        Assert.Equal(argv, s.Argv);
        Assert.Equal(envp, s.Envp);
        Assert.Equal(argv, r.Argv);

        // Every entry Linux writes is there exactly once, in Linux's order.
        ulong[] order = [51, 16, 6, 17, 3, 4, 5, 7, 8, 9, 11, 12, 13, 14, 23, 25, 26, 31, 15];
        Assert.Equal(order, s.Auxv.Select(a => a.Type));
        Assert.Equal(4096UL, s.Aux(6));
        Assert.Equal(100UL, s.Aux(17));
        Assert.Equal(56UL, s.Aux(4));
        Assert.Equal((ulong)elf.PhNum, s.Aux(5));
        Assert.Equal(0UL, s.Aux(8));
        Assert.Equal(5120UL, s.Aux(51));
        Assert.Equal(1000UL, s.Aux(11));
        Assert.Equal(1001UL, s.Aux(12));
        Assert.Equal(100UL, s.Aux(13));
        Assert.Equal(101UL, s.Aux(14));
        Assert.Equal(0UL, s.Aux(23));
        Assert.Equal(0xefffUL, s.Aux(16));
        Assert.Equal(0x2aUL, s.Aux(26));
        Assert.Equal(elf.Entry + r.LoadBias, s.Aux(9));
        Assert.Equal(Random16, mem.Read(s.Aux(25), 16));
        Assert.Equal("/opt/p", mem.ReadCString(s.Aux(31)));
        Assert.Equal("aarch64", mem.ReadCString(s.Aux(15)));

        // AT_PHDR points at a copy of the program headers, whichever way it was found.
        int phBytes = elf.PhNum * 56;
        Assert.Equal(file.AsSpan((int)elf.PhOff, phBytes).ToArray(), mem.Read(s.Aux(3), phBytes));

        // All strings live in the stack mapping above the pointer arrays, below the top.
        ulong bottom = mem.StackTop - mem.StackSize;
        foreach (ulong p in s.ArgvPointers.Concat(s.EnvpPointers).Append(s.Aux(25)).Append(s.Aux(31)).Append(s.Aux(15)))
            Assert.InRange(p, r.StackPointer, mem.StackTop - 1);
        Assert.True(r.StackPointer > bottom);
        // The exec path sits at the very top, after a pointer-sized gap.
        Assert.Equal(mem.StackTop - 8 - (ulong)"/opt/p".Length - 1, s.Aux(31));
        Assert.Equal(s.ArgvPointers[0], r.ArgStart);
        Assert.Equal(s.EnvpPointers[0], r.EnvStart);
        Assert.Equal(r.EnvStart, r.ArgEnd);
        Assert.Equal(s.Aux(31), r.EnvEnd);
        Assert.Equal(s.Auxv.Select(a => new AuxEntry(a.Type, a.Value)), r.Auxv);
    }

    [Fact]
    public void Stack_IsReadWriteAndNotExecutableByDefault()
    {
        var mem = new FakeLoadTarget();
        var r = ElfLoader.Load(Request("/p"), new FakeExecutableSource().Add("/p", bins.StaticNoPie), mem);
        var stack = Assert.Single(r.Mappings, v => v.Label == "[stack]");
        Assert.Equal(mem.StackTop - mem.StackSize, stack.Start);
        Assert.Equal(mem.StackTop, stack.End);
        Assert.Equal(Prot.Read | Prot.Write, stack.Prot);
        Assert.Equal(Prot.Read | Prot.Write, mem.ProtAt(mem.StackTop - 1));
        Assert.False(r.ExecutableStack);
    }

    [Fact]
    public void GnuStackWithExec_MakesTheStackExecutable()
    {
        var elf = TestElf.Read(bins.StaticNoPie);
        var gnuStack = elf.Phdrs.Single(p => p.Type == TestElf.PtGnuStack);
        byte[] patched = TestElf.PatchPhdr(bins.StaticNoPie, gnuStack.Index, 4, 7, 4); // p_flags = RWX
        var mem = new FakeLoadTarget();
        var r = ElfLoader.Load(Request("/p"), new FakeExecutableSource().Add("/p", patched), mem);
        Assert.True(r.ExecutableStack);
        Assert.Equal(Prot.Read | Prot.Write | Prot.Exec, mem.ProtAt(mem.StackTop - 4096));
    }

    [Fact]
    public void LdSoRunDirectly_IsLoadedAsAProgram()
    {
        var mem = new FakeLoadTarget();
        var files = new FakeExecutableSource().Add(LdSoPath, bins.LdSo);
        var r = ElfLoader.Load(Request(LdSoPath, [LdSoPath, "--version"]), files, mem);
        var ld = TestElf.Read(bins.LdSo);
        Assert.Equal(mem.PieBase - (ld.Loads.First().VAddr & ~4095UL), r.LoadBias);
        Assert.Equal(ld.Entry + r.LoadBias, r.Entry);
        Assert.Equal(0UL, r.InterpreterBase);
        AssertSegmentsLoaded(mem, bins.LdSo, r.LoadBias);
        Assert.Equal(0UL, GuestStack.Parse(mem, r.StackPointer).Aux(7));
    }

    [Fact]
    public void EmptyArgv_BecomesOneEmptyString()
    {
        var mem = new FakeLoadTarget();
        var r = ElfLoader.Load(Request("/p", []), new FakeExecutableSource().Add("/p", bins.StaticNoPie), mem);
        var s = GuestStack.Parse(mem, r.StackPointer);
        Assert.Equal(1UL, s.Argc);
        Assert.Equal([""], s.Argv);
    }

    [Fact]
    public void ArgumentsBeyondAQuarterOfTheStack_AreE2BIG()
    {
        var files = new FakeExecutableSource().Add("/p", bins.StaticNoPie);
        // 8 MiB stack: the limit is 2 MiB of strings and pointers.
        string[] big = Enumerable.Range(0, 24).Select(_ => new string('e', 100_000)).ToArray();
        Fails(Errno.E2BIG, Request("/p", envp: big), files);
        // One string longer than MAX_ARG_STRLEN (128 KiB) is too big by itself.
        Fails(Errno.E2BIG, Request("/p", ["p", new string('a', 131_072)]), files);
        // Just under both limits loads.
        string[] fits = Enumerable.Range(0, 15).Select(_ => new string('e', 131_000)).ToArray();
        var mem = new FakeLoadTarget();
        var r = ElfLoader.Load(Request("/p", envp: fits), files, mem);
        Assert.Equal(fits, GuestStack.Parse(mem, r.StackPointer).Envp);
    }

    [Fact]
    public void MissingOrBrokenInterpreter_FailsLikeLinux()
    {
        var files = new FakeExecutableSource().Add("/p", bins.DynamicPie);
        Fails(Errno.ENOENT, Request("/p"), files);
        files.Errors[LdSoPath] = (int)Errno.EACCES;
        Fails(Errno.EACCES, Request("/p"), files);
        files.Errors.Clear();
        files.Add(LdSoPath, "#!/bin/sh\n");
        Fails(Errno.ELIBBAD, Request("/p"), files);
        files.Add(LdSoPath, File.ReadAllBytes("/bin/true")); // x86_64
        Fails(Errno.ELIBBAD, Request("/p"), files);
    }

    [Fact]
    public void SourceErrors_ArePropagated()
    {
        var files = new FakeExecutableSource();
        Fails(Errno.ENOENT, Request("/nope"), files);
        files.Errors["/dir"] = (int)Errno.EISDIR;
        Fails(Errno.EISDIR, Request("/dir"), files);
    }

    [Fact]
    public void OverlappingOrInconsistentSegments_AreRejected()
    {
        var elf = TestElf.Read(bins.StaticNoPie);
        var loads = elf.Loads.ToList();
        Assert.True(loads.Count >= 2);
        var files = new FakeExecutableSource();

        // Second PT_LOAD moved onto the first (p_vaddr at offset 16; keep the offset congruent).
        ulong onto = loads[0].VAddr + (loads[1].VAddr & 4095);
        files.Add("/overlap", TestElf.PatchPhdr(bins.StaticNoPie, loads[1].Index, 16, onto, 8));
        Fails(Errno.EINVAL, Request("/overlap"), files);

        // p_filesz > p_memsz (p_memsz at offset 40).
        files.Add("/filesz", TestElf.PatchPhdr(bins.StaticNoPie, loads[0].Index, 40, loads[0].FileSize - 1, 8));
        Fails(Errno.EINVAL, Request("/filesz"), files);

        // p_offset and p_vaddr disagree within a page (p_offset at offset 8).
        files.Add("/misaligned", TestElf.PatchPhdr(bins.StaticNoPie, loads[1].Index, 8, loads[1].Offset + 8, 8));
        Fails(Errno.EINVAL, Request("/misaligned"), files);

        // A segment past the 48-bit address space.
        files.Add("/high", TestElf.PatchPhdr(bins.StaticNoPie, loads[1].Index, 16, (1UL << 48) + (loads[1].VAddr & 4095), 8));
        Fails(Errno.EINVAL, Request("/high"), files);
    }

    [Fact]
    public void FixedSegmentsOverTheStack_AreEEXIST()
    {
        var elf = TestElf.Read(bins.StaticNoPie);
        ulong first = elf.Loads.First().VAddr & ~4095UL;
        var mem = new FakeLoadTarget { StackTop = first + 0x10000, StackSize = 0x20000 };
        Fails(Errno.EEXIST, Request("/p"), new FakeExecutableSource().Add("/p", bins.StaticNoPie), mem);
    }
}
