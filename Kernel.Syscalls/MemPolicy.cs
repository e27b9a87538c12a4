namespace Kernel.Syscalls;

/// <summary>
/// A NUMA memory policy (mm/mempolicy.c): a mode, its MPOL_F_STATIC_NODES/RELATIVE_NODES flags, the nodes it uses and
/// the nodes the caller gave (kept for the STATIC/RELATIVE modes, which get_mempolicy reports). The sandbox is one
/// node, node 0, so every policy places memory the same way; the policy is still kept and reported as Linux does.
/// </summary>
public sealed record MemPolicy(int Mode, int Flags, ulong Nodes, ulong UserNodes)
{
    public const int Default = 0, Preferred = 1, Bind = 2, Interleave = 3, Local = 4, PreferredMany = 5, WeightedInterleave = 6, ModeMax = 7;
    public const int StaticNodes = 1 << 15, RelativeNodes = 1 << 14, NumaBalancing = 1 << 13;
    /// <summary>The nodes memory may come from: node 0 only.</summary>
    public const ulong OnlineNodes = 1;

    /// <summary>What get_mempolicy reports as the policy: the mode with its STATIC/RELATIVE flags.</summary>
    public int Encoded => Mode | (Flags & (StaticNodes | RelativeNodes));

    /// <summary>What get_mempolicy reports as the node mask.</summary>
    public ulong ReportedNodes => Mode == Local ? 0 : (Flags & (StaticNodes | RelativeNodes)) != 0 ? UserNodes : Nodes;
}
