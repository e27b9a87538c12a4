using Kernel.Platform;

namespace Kernel.Actors.Mm;

public sealed partial class AddressSpace
{
    /// <summary>
    /// Where a handler returns when its sigaction has no SA_RESTORER: a read-only page holding
    /// <c>mov x8, #139; svc #0</c> (rt_sigreturn), as arm64 Linux's vDSO sigreturn trampoline does. 0 until mapped.
    /// </summary>
    public ulong SigPage { get; private set; }

    /// <summary>Maps the sigreturn trampoline page (exec does, into every new image).</summary>
    public void MapSigPage()
    {
        var at = FindFree(PageSize, 0);
        if (at == 0) return;
        MapFixed(at, PageSize, Prot.Read | Prot.Exec, false, "[sigpage]");
        Poke(at, [0x68, 0x11, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4]);
        Cpu.InvalidateCode(at, PageSize);
        SigPage = at;
    }
}
