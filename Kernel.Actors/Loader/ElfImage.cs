using System.Buffers.Binary;
using System.Text;
using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Loader;

/// <summary>One ELF64 program header.</summary>
internal readonly record struct ProgramHeader(uint Type, uint Flags, ulong Offset, ulong VAddr, ulong FileSize, ulong MemSize, ulong Align)
{
    public Prot Prot =>
        ((Flags & ElfImage.PF_R) != 0 ? Prot.Read : Prot.None)
        | ((Flags & ElfImage.PF_W) != 0 ? Prot.Write : Prot.None)
        | ((Flags & ElfImage.PF_X) != 0 ? Prot.Exec : Prot.None);
}

/// <summary>
/// A validated arm64 ELF64 executable or interpreter. Parsing checks everything the loader later relies on,
/// so mapping never reads outside the file. Errors follow fs/binfmt_elf.c: a bad main image is ENOEXEC
/// (EINVAL for impossible segments); a bad interpreter is ELIBBAD.
/// </summary>
internal sealed class ElfImage
{
    public const ulong PageSize = 4096;
    /// <summary>arm64 user address space with 48-bit VAs (Linux TASK_SIZE).</summary>
    public const ulong TaskSize = 1UL << 48;
    public const int EhdrSize = 64;
    public const int PhdrSize = 56;

    public const ushort ET_EXEC = 2, ET_DYN = 3;
    public const ushort EM_AARCH64 = 183;
    public const uint PT_LOAD = 1, PT_INTERP = 3, PT_PHDR = 6, PT_GNU_STACK = 0x6474e551;
    public const uint PF_X = 1, PF_W = 2, PF_R = 4;
    private const int MaxPhdrBytes = 65536;
    private const int PathMax = 4096;

    public required string Path { get; init; }
    public required byte[] Data { get; init; }
    public required ushort Type { get; init; }
    public required ulong Entry { get; init; }
    public required ulong PhOff { get; init; }
    public required int PhNum { get; init; }
    public required IReadOnlyList<ProgramHeader> Loads { get; init; }
    public ProgramHeader? PtPhdr { get; init; }
    public string? Interpreter { get; init; }
    public bool ExecStack { get; init; }

    public bool IsDyn => Type == ET_DYN;

    public static bool HasElfMagic(ReadOnlySpan<byte> data) =>
        data.Length >= 4 && data[0] == 0x7f && data[1] == (byte)'E' && data[2] == (byte)'L' && data[3] == (byte)'F';

    public static ulong PageDown(ulong v) => v & ~(PageSize - 1);
    public static ulong PageUp(ulong v) => (v + PageSize - 1) & ~(PageSize - 1);

    /// <summary>Parses and validates an image; <paramref name="asInterpreter"/> selects the interpreter's errnos.</summary>
    public static ElfImage Parse(string path, byte[] data, bool asInterpreter)
    {
        // binfmt_elf reports a broken interpreter as ELIBBAD, a broken program as ENOEXEC.
        Errno bad = asInterpreter ? Errno.ELIBBAD : Errno.ENOEXEC;
        string what = asInterpreter ? "interpreter" : "executable";
        ReadOnlySpan<byte> d = data;

        if (d.Length < EhdrSize || !HasElfMagic(d))
            throw new LoadException(bad, $"{path}: not an ELF {what}");
        if (d[4] != 2 /* ELFCLASS64 */ || d[5] != 1 /* ELFDATA2LSB */)
            throw new LoadException(bad, $"{path}: not a little-endian ELF64 {what}");
        ushort type = U16(d, 16);
        ushort machine = U16(d, 18);
        if (machine != EM_AARCH64)
            throw new LoadException(bad, $"{path}: e_machine {machine} is not EM_AARCH64");
        if (type != ET_EXEC && type != ET_DYN)
            throw new LoadException(Errno.ENOEXEC, $"{path}: e_type {type} is neither ET_EXEC nor ET_DYN");

        ulong entry = U64(d, 24);
        ulong phoff = U64(d, 32);
        ushort phentsize = U16(d, 54);
        int phnum = U16(d, 56);
        if (phentsize != PhdrSize)
            throw new LoadException(bad, $"{path}: e_phentsize {phentsize}");
        if (phnum < 1 || phnum * PhdrSize > MaxPhdrBytes)
            throw new LoadException(bad, $"{path}: e_phnum {phnum}");
        if (phoff > (ulong)d.Length || (ulong)(phnum * PhdrSize) > (ulong)d.Length - phoff)
            throw new LoadException(bad, $"{path}: program headers past the end of the file");

        var loads = new List<ProgramHeader>();
        ProgramHeader? ptPhdr = null;
        string? interp = null;
        bool execStack = false;
        ulong loadEnd = 0;
        for (int i = 0; i < phnum; i++)
        {
            var ph = ReadPhdr(d.Slice((int)phoff + i * PhdrSize, PhdrSize));
            switch (ph.Type)
            {
                case PT_LOAD:
                    ValidateLoad(path, d.Length, ph, loadEnd, asInterpreter);
                    loads.Add(ph);
                    loadEnd = Math.Max(loadEnd, ph.VAddr + ph.MemSize);
                    break;
                case PT_PHDR:
                    ptPhdr ??= ph;
                    break;
                case PT_INTERP when !asInterpreter && interp is null:
                    interp = ReadInterpreterPath(path, d, ph);
                    break;
                case PT_GNU_STACK:
                    execStack = (ph.Flags & PF_X) != 0;
                    break;
            }
        }
        if (loads.Count == 0)
            throw new LoadException(bad, $"{path}: no PT_LOAD segment");
        if (type == ET_EXEC && entry >= TaskSize)
            throw new LoadException(Errno.EINVAL, $"{path}: entry 0x{entry:x} outside the address space");

        return new ElfImage
        {
            Path = path, Data = data, Type = type, Entry = entry, PhOff = phoff, PhNum = phnum,
            Loads = loads, PtPhdr = ptPhdr, Interpreter = interp, ExecStack = execStack,
        };
    }

    private static void ValidateLoad(string path, int fileLength, ProgramHeader ph, ulong previousEnd, bool asInterpreter)
    {
        // Linux: EINVAL for an impossible program segment, ENOMEM for an impossible interpreter one.
        Errno impossible = asInterpreter ? Errno.ENOMEM : Errno.EINVAL;
        if (ph.FileSize > ph.MemSize)
            throw new LoadException(impossible, $"{path}: segment p_filesz > p_memsz");
        if (ph.VAddr >= TaskSize || ph.MemSize > TaskSize - ph.VAddr)
            throw new LoadException(impossible, $"{path}: segment 0x{ph.VAddr:x}+0x{ph.MemSize:x} outside the address space");
        // mmap needs the file offset and the address to agree within a page.
        if ((ph.Offset & (PageSize - 1)) != (ph.VAddr & (PageSize - 1)))
            throw new LoadException(Errno.EINVAL, $"{path}: segment offset 0x{ph.Offset:x} and address 0x{ph.VAddr:x} differ within a page");
        if (ph.FileSize > 0 && (ph.Offset > (ulong)fileLength || ph.FileSize > (ulong)fileLength - ph.Offset))
            throw new LoadException(asInterpreter ? Errno.ELIBBAD : Errno.ENOEXEC, $"{path}: segment data past the end of the file");
        // The ELF spec requires PT_LOADs sorted by address; overlapping or descending ones are rejected.
        if (ph.VAddr < previousEnd)
            throw new LoadException(Errno.EINVAL, $"{path}: segment at 0x{ph.VAddr:x} overlaps or precedes an earlier one");
    }

    private static string ReadInterpreterPath(string path, ReadOnlySpan<byte> d, ProgramHeader ph)
    {
        if (ph.FileSize < 2 || ph.FileSize > PathMax)
            throw new LoadException(Errno.ENOEXEC, $"{path}: PT_INTERP size {ph.FileSize}");
        if (ph.Offset > (ulong)d.Length || ph.FileSize > (ulong)d.Length - ph.Offset)
            throw new LoadException(Errno.ENOEXEC, $"{path}: PT_INTERP past the end of the file");
        var bytes = d.Slice((int)ph.Offset, (int)ph.FileSize);
        if (bytes[^1] != 0)
            throw new LoadException(Errno.ENOEXEC, $"{path}: PT_INTERP is not NUL-terminated");
        int nul = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(bytes[..nul]);
    }

    private static ProgramHeader ReadPhdr(ReadOnlySpan<byte> p) =>
        new(U32(p, 0), U32(p, 4), U64(p, 8), U64(p, 16), U64(p, 32), U64(p, 40), U64(p, 48));

    private static ushort U16(ReadOnlySpan<byte> d, int at) => BinaryPrimitives.ReadUInt16LittleEndian(d[at..]);
    private static uint U32(ReadOnlySpan<byte> d, int at) => BinaryPrimitives.ReadUInt32LittleEndian(d[at..]);
    private static ulong U64(ReadOnlySpan<byte> d, int at) => BinaryPrimitives.ReadUInt64LittleEndian(d[at..]);
}
