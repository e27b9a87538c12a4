namespace Kernel.Syscalls;

/// <summary>The huge page sizes of arm64 with 4 KiB base pages (contiguous PTEs, PMD, contiguous PMDs, PUD), by log2.</summary>
public static class HugePages
{
    public const int DefaultShift = 21;

    /// <summary>A size encoded as MFD_HUGE_*/SHM_HUGE_*/MAP_HUGE_* do (log2; 0 for the default).</summary>
    public static bool IsSupported(int shift) => shift is 0 or 16 or 21 or 25 or 30;

    public static ulong Size(int shift) => 1UL << (shift == 0 ? DefaultShift : shift);
}
