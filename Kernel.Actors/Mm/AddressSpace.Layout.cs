using Kernel.Actors.Loader;
using Kernel.Platform;

namespace Kernel.Actors.Mm;

/// <summary>
/// The boundaries Linux keeps in mm_struct (start_code ... env_end) and the saved auxiliary vector: set by exec,
/// copied by fork, changed by prctl(PR_SET_MM); /proc/[pid]/stat, cmdline, environ and auxv read them.
/// </summary>
public sealed class MmLayout
{
    /// <summary>AT_VECTOR_SIZE on arm64: 2 * (2 arch + 24 base entries + AT_NULL) words.</summary>
    public const int AuxvWords = 54;

    public ulong StartCode, EndCode, StartData, EndData, StartBrk, Brk, StartStack, ArgStart, ArgEnd, EnvStart, EnvEnd;
    public ulong[] SavedAuxv = new ulong[AuxvWords];

    public MmLayout Copy()
    {
        var c = (MmLayout)MemberwiseClone();
        c.SavedAuxv = (ulong[])SavedAuxv.Clone();
        return c;
    }

    /// <summary>What exec sets: the main program's code and data segments, the stack, argv, envp and the auxv written.</summary>
    public static MmLayout From(LoadResult img, ulong brkStart)
    {
        var exe = img.Mappings.Where(m => m.FilePath == img.ExecutablePath).ToArray();
        ulong Min(Func<VmaInfo, bool> f) => exe.Where(f).Select(m => m.Start).DefaultIfEmpty(0UL).Min();
        ulong Max(Func<VmaInfo, bool> f) => exe.Where(f).Select(m => m.End).DefaultIfEmpty(0UL).Max();
        static bool Code(VmaInfo m) => (m.Prot & Prot.Exec) != 0;
        static bool Data(VmaInfo m) => (m.Prot & Prot.Write) != 0;
        var layout = new MmLayout
        {
            StartCode = Min(Code), EndCode = Max(Code), StartData = Min(Data), EndData = Max(Data),
            StartBrk = brkStart, Brk = brkStart, StartStack = img.StackPointer,
            ArgStart = img.ArgStart, ArgEnd = img.ArgEnd, EnvStart = img.EnvStart, EnvEnd = img.EnvEnd,
        };
        for (var i = 0; i < img.Auxv.Count && 2 * i + 1 < AuxvWords - 2; i++)
        {
            layout.SavedAuxv[2 * i] = img.Auxv[i].Type;
            layout.SavedAuxv[2 * i + 1] = img.Auxv[i].Value;
        }
        return layout;
    }

    /// <summary>The saved auxv as /proc/[pid]/auxv shows it: the pairs up to and including the first AT_NULL.</summary>
    public byte[] AuxvBytes()
    {
        var n = 0;
        while (n + 2 <= AuxvWords && SavedAuxv[n] != 0) n += 2;
        n = Math.Min(n + 2, AuxvWords);
        var b = new byte[n * 8];
        Buffer.BlockCopy(SavedAuxv, 0, b, 0, b.Length);
        return b;
    }
}

public sealed partial class AddressSpace
{
    /// <summary>mm_struct's boundaries and saved auxv (empty until exec sets them).</summary>
    public MmLayout Layout { get; set; } = new();

    /// <summary>MMF_HAS_MDWE and MMF_HAS_MDWE_NO_INHERIT: PR_SET_MDWE's bits (PR_MDWE_REFUSE_EXEC_GAIN = 1, NO_INHERIT = 2).</summary>
    public int MdweBits { get; set; }

    /// <summary>MMF_VM_MERGE_ANY (PR_SET_MEMORY_MERGE); there is no KSM to merge with, so it is only kept.</summary>
    public bool MergeAny { get; set; }

    /// <summary>
    /// What a new address space (fork's, or exec's) takes over from this one: MMF_INIT_MASK's flags, and for a fork the
    /// untagging its threads asked for (exec clears the thread's tagged address ABI).
    /// </summary>
    public void InheritFlags(AddressSpace child, bool exec = false)
    {
        child.MdweBits = (MdweBits & 2) != 0 ? 0 : MdweBits; // NO_INHERIT: the new mm starts without MDWE
        child.MergeAny = MergeAny;
        child.UntagsPointers = !exec && UntagsPointers;
    }

    /// <summary>
    /// Some thread enabled the tagged address ABI (PR_SET_TAGGED_ADDR_CTRL): the kernel's copies ignore the top byte of a
    /// user pointer (untagged_addr: bit 55 extended over it), as arm64's access_ok does for such a thread.
    /// </summary>
    public bool UntagsPointers { get; set; }

    private ulong Untag(ulong address) =>
        !UntagsPointers ? address : (address & (1UL << 55)) != 0 ? address | 0xFF00_0000_0000_0000UL : address & 0x00FF_FFFF_FFFF_FFFFUL;

    /// <summary>PR_SET_VMA_ANON_NAME: names [start, end) (null clears the name), splitting the areas at its edges.</summary>
    public void SetAnonName(ulong start, ulong end, string? name) => Rewrite(start, end, v => v with { AnonName = name });

    /// <summary>
    /// map_deny_write_exec: under MDWE no area may become writable and executable, nor executable when it was not.
    /// </summary>
    public bool DeniesWriteExec(Prot old, Prot now) =>
        (MdweBits & 1) != 0 && (now & Prot.Exec) != 0 && ((now & Prot.Write) != 0 || (old & Prot.Exec) == 0);

    /// <summary>
    /// access_remote_vm: copies what is mapped from <paramref name="address"/> on, stopping at the first page that is
    /// not (or, without <paramref name="force"/>, that does not allow the access); the byte count copied.
    /// With <paramref name="force"/> (FOLL_FORCE) protections are ignored and read-only private pages are written;
    /// <paramref name="code"/> tells whether executable pages were written (their translations must go, on the owner's runner).
    /// </summary>
    /// With <paramref name="anonymousOnly"/> (FOLL_ANON, as /proc/[pid]/cmdline and environ read) file mappings end it too.
    public int AccessRemote(ulong address, Span<byte> buffer, bool write, bool force, out bool code, bool anonymousOnly = false)
    {
        code = false;
        var done = 0;
        while (done < buffer.Length)
        {
            var at = address + (ulong)done;
            if (at < address || at >= WindowSize) break;
            var v = Find(at);
            if (v is null || (anonymousOnly && (v.Ino != 0 || v.Backing is not null))) break;
            if (force ? write && v.Shared && (v.Prot & Prot.Write) == 0 : (v.Prot & (write ? Prot.Write : Prot.Read)) == 0) break;
            var end = Math.Min(AccessEnd(v), v.End);
            if (at >= end) break;
            var n = (int)Math.Min((ulong)(buffer.Length - done), end - at);
            if (write)
            {
                buffer.Slice(done, n).CopyTo(Host.Span(at, n));
                code |= (v.Prot & Prot.Exec) != 0;
            }
            else
            {
                Host.Span(at, n).CopyTo(buffer.Slice(done, n));
            }
            done += n;
        }
        return done;
    }
}
