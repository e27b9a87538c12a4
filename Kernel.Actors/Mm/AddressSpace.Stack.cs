using Kernel.Platform;

namespace Kernel.Actors.Mm;

// The main stack follows RLIMIT_STACK: exec lays the address space out with room for the soft limit (the mmap area
// and the interpreter move down for a big one, as Linux's mmap_base does) and maps as much as the limit allows
// (StackSizeFor), so a deeper stack faults (SIGSEGV); raising the limit later extends it down to the mapping below,
// and lowering it gives up what was not used (GrowStackTo). Linux grows the stack on demand instead;
// here the CPU cannot retry a faulting access precisely (Unicorn finishes the translated block), so the stack is
// mapped ahead.
public sealed partial class AddressSpace
{
    /// <summary>Linux's stack_guard_gap: 256 pages between a growing stack and the mapping below it.</summary>
    public const ulong StackGuardGap = 256 * PageSize;
    /// <summary>The least stack exec maps (ARG_MAX: room for the arguments Linux always lets through).</summary>
    public const ulong MinStack = 128UL << 10;

    /// <summary>Linux's default RLIMIT_STACK (_STK_LIM).</summary>
    public const ulong DefaultStackLimit = 8UL << 20;
    /// <summary>Free space kept between the stack's room and the interpreter above the mmap area.</summary>
    private const ulong StackReserveGap = 256UL << 20;
    private const ulong InterpreterAlignment = 2UL << 20;

    /// <summary>The soft RLIMIT_STACK this layout was made for (fork keeps the layout).</summary>
    public ulong StackLimitAtExec { get; }

    /// <summary>
    /// The room a layout keeps for a main stack of <paramref name="limit"/> bytes, as Linux's mmap_base keeps its gap
    /// below the stack: the limit, at most 5/6 of the window (MAX_GAP), which is also what an unlimited stack gets.
    /// (Linux gives an unlimited stack the legacy bottom-up layout instead, where the stack may grow until it meets
    /// a mapping: about as far.)
    /// </summary>
    public static ulong StackRoomFor(ulong windowSize, ulong limit) => Math.Min(PageUp(Math.Min(limit, ulong.MaxValue - PageSize)), windowSize / 6 * 5 & ~(PageSize - 1));

    /// <summary>
    /// The stack exec maps for a soft RLIMIT_STACK of <paramref name="soft"/>: the limit (page aligned, at least
    /// <see cref="MinStack"/>), never into the gap above the interpreter's place. The layout leaves room for the limit
    /// it was made for (<see cref="StackRoomFor"/>).
    /// </summary>
    public ulong StackSizeFor(ulong soft)
    {
        var room = StackTop - InterpreterBase - StackReserveGap;
        return soft >= room ? room : Math.Max(PageDown(soft), MinStack);
    }

    /// <summary>
    /// RLIMIT_STACK's soft value became <paramref name="soft"/> while the program runs (lowered: see above): the main stack reaches down as
    /// far as exec would map it now, where that space is free (keeping the guard gap above the mapping below it), so
    /// that a program that raises its limit can use the deeper stack, as Linux lets its stack grow on demand. Only on
    /// the process's own vCPU thread (no memory request of the process is in flight while one of its calls runs).
    /// </summary>
    public void GrowStackTo(ulong soft)
    {
        var vmas = _vmas;
        var i = Array.FindLastIndex(vmas, v => v.Name == "[stack]" && v.Start < StackTop);
        if (i < 0) return;
        // The stack is the run of [stack] areas that ends at the top.
        var j = i;
        while (j > 0 && vmas[j - 1].End == vmas[j].Start && vmas[j - 1].Name == "[stack]") j--;
        if (vmas[i].End != StackTop) return;
        var bottom = vmas[j].Start;
        // Raised: Linux's stack may then grow until the guard gap above the mapping below it (floor, below).
        var want = soft >= StackTop - MinAddress ? MinAddress : StackTop - Math.Max(PageDown(soft), MinStack);
        if (want > bottom)
        {
            // Lowered: a Linux stack keeps what it has grown but grows no further, so the part below the new limit
            // goes, except from the lowest page the program has touched there up.
            var touched = Array.IndexOf(Residency(bottom, want), (byte)1);
            var cut = touched < 0 ? want : bottom + (ulong)touched * PageSize;
            if (cut > bottom) Unmap(bottom, cut - bottom);
            return;
        }
        if (want == bottom) return;
        var floor = MinAddress;
        if (j > 0) floor = Math.Max(floor, vmas[j - 1].End + ((vmas[j - 1].Prot & (Prot.Read | Prot.Write | Prot.Exec)) != 0 ? StackGuardGap : 0));
        want = Math.Max(want, floor);
        if (want < bottom) MapFixed(want, bottom - want, vmas[j].Prot, false, "[stack]");
    }
}
