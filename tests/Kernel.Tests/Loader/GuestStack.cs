namespace Kernel.Tests.Loader;

/// <summary>The initial stack read back the way a libc's _start does: argc, argv[], NULL, envp[], NULL, auxv pairs up to AT_NULL.</summary>
public sealed record GuestStack(
    ulong Argc,
    IReadOnlyList<ulong> ArgvPointers,
    IReadOnlyList<string> Argv,
    IReadOnlyList<ulong> EnvpPointers,
    IReadOnlyList<string> Envp,
    IReadOnlyList<(ulong Type, ulong Value)> Auxv)
{
    public ulong Aux(ulong type)
    {
        var matches = Auxv.Where(a => a.Type == type).ToList();
        Assert.True(matches.Count == 1, $"auxv type {type} appears {matches.Count} times");
        return matches[0].Value;
    }

    public static GuestStack Parse(FakeLoadTarget mem, ulong sp)
    {
        ulong p = sp;
        ulong argc = mem.ReadU64(p); p += 8;
        Assert.InRange(argc, 0UL, 100_000UL);
        var argvPtrs = new List<ulong>();
        for (ulong i = 0; i < argc; i++, p += 8)
            argvPtrs.Add(mem.ReadU64(p));
        Assert.Equal(0UL, mem.ReadU64(p)); p += 8;
        var envPtrs = new List<ulong>();
        for (ulong e; (e = mem.ReadU64(p)) != 0; p += 8)
            envPtrs.Add(e);
        p += 8;
        var auxv = new List<(ulong, ulong)>();
        while (true)
        {
            ulong type = mem.ReadU64(p), value = mem.ReadU64(p + 8);
            p += 16;
            if (type == 0) break; // AT_NULL
            auxv.Add((type, value));
            Assert.True(auxv.Count < 100, "auxv not terminated");
        }
        return new GuestStack(argc, argvPtrs, argvPtrs.Select(mem.ReadCString).ToList(),
            envPtrs, envPtrs.Select(mem.ReadCString).ToList(), auxv);
    }
}
