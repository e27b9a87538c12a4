using System.Buffers.Binary;
using System.Text;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Loader;

/// <summary>
/// Builds the initial process stack the way Linux's exec and create_elf_tables lay it out, from the top down:
/// a pointer-sized gap, the exec path (AT_EXECFN), envp strings, argv strings, then at a 16-byte boundary
/// the platform string and AT_RANDOM's 16 bytes, then argc, argv[], NULL, envp[], NULL and the auxv pairs,
/// with SP rounded down to 16 bytes so that it points at argc.
/// </summary>
internal sealed class InitialStack
{
    public const string Platform = "aarch64";
    /// <summary>Linux MAX_ARG_STRLEN: 32 pages per string.</summary>
    public const int MaxArgStrlen = 32 * 4096;
    /// <summary>Linux ARG_MAX, the floor of the argv+envp limit.</summary>
    public const ulong ArgMax = 32 * 4096;
    /// <summary>Linux caps the limit at 3/4 of _STK_LIM (8 MiB).</summary>
    public const ulong ArgCap = 6UL << 20;

    private readonly byte[][] _argv;
    private readonly byte[][] _envp;
    private readonly byte[] _execFn;

    public InitialStack(IReadOnlyList<string> argv, IReadOnlyList<string> envp, string execFn, ulong stackSize)
    {
        _argv = argv.Select(CString).ToArray();
        _envp = envp.Select(CString).ToArray();
        _execFn = CString(execFn);
        CheckLimits(stackSize);
    }

    /// <summary>Linux bprm_stack_limits: argv+envp (strings and pointers) get a quarter of the stack, within [ARG_MAX, 6 MiB].</summary>
    private void CheckLimits(ulong stackSize)
    {
        ulong limit = Math.Max(Math.Min(stackSize / 4, ArgCap), ArgMax);
        ulong pointers = (ulong)(Math.Max(_argv.Length, 1) + _envp.Length) * 8;
        if (limit <= pointers)
            throw new LoadException(Errno.E2BIG, "too many arguments and environment strings");
        limit -= pointers;
        ulong total = 0;
        foreach (var s in _argv.Concat(_envp))
        {
            if (s.Length > MaxArgStrlen)
                throw new LoadException(Errno.E2BIG, $"argument or environment string of {s.Length} bytes");
            total += (ulong)s.Length;
        }
        if (total > limit)
            throw new LoadException(Errno.E2BIG, $"argument and environment strings take {total} bytes, limit {limit}");
    }

    /// <summary>Address ranges of the strings, known once <see cref="Write"/> has run.</summary>
    public ulong ArgStart { get; private set; }
    public ulong EnvStart { get; private set; }
    public ulong EnvEnd { get; private set; }
    public ulong ExecFnAddress { get; private set; }
    public ulong PlatformAddress { get; private set; }
    public ulong RandomAddress { get; private set; }

    /// <summary>
    /// Lays out the strings below <paramref name="top"/> (without writing them) so that their addresses
    /// can go into the auxv; returns the address below the string area.
    /// </summary>
    public ulong PlaceStrings(ulong top)
    {
        ulong p = top - 8;
        p -= (ulong)_execFn.Length;
        ExecFnAddress = EnvEnd = p;
        foreach (var s in _envp)
            p -= (ulong)s.Length;
        EnvStart = p;
        foreach (var s in _argv)
            p -= (ulong)s.Length;
        ArgStart = p;
        p &= ~15UL;
        p -= (ulong)(Platform.Length + 1);
        PlatformAddress = p;
        p -= 16;
        RandomAddress = p;
        return p;
    }

    /// <summary>Writes the whole stack image for [sp, top) and returns sp; E2BIG when it does not fit above <paramref name="bottom"/>.</summary>
    public ulong Write(ILoadTarget target, ulong top, ulong bottom, ulong below, IReadOnlyList<AuxEntry> auxv, ReadOnlySpan<byte> random16)
    {
        ulong words = (ulong)(1 + _argv.Length + 1 + _envp.Length + 1 + 2 * (auxv.Count + 1));
        // `below` wraps past `top` if the strings alone were larger than the address below the stack top.
        if (below > top || below < bottom || below - bottom < words * 8 + 16)
            throw new LoadException(Errno.E2BIG, "the initial stack does not fit in the stack mapping");
        ulong sp = (below - words * 8) & ~15UL;

        var image = new byte[top - sp];
        int At(ulong address) => (int)(address - sp);

        int w = 0;
        void Word(ulong v) { BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(w), v); w += 8; }

        Word((ulong)_argv.Length);
        ulong a = ArgStart;
        foreach (var s in _argv) { Word(a); s.CopyTo(image, At(a)); a += (ulong)s.Length; }
        Word(0);
        ulong e = EnvStart;
        foreach (var s in _envp) { Word(e); s.CopyTo(image, At(e)); e += (ulong)s.Length; }
        Word(0);
        foreach (var entry in auxv) { Word(entry.Type); Word(entry.Value); }
        Word(AuxType.Null);
        Word(0);

        _execFn.CopyTo(image, At(ExecFnAddress));
        CString(Platform).CopyTo(image, At(PlatformAddress));
        random16.CopyTo(image.AsSpan(At(RandomAddress)));
        target.Write(sp, image);
        return sp;
    }

    private static byte[] CString(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}
