using Kernel.Syscalls.Abi;

namespace Kernel.Syscalls;

/// <summary>Argument decoding: registers are 64-bit, C ints are their low 32 bits.</summary>
public static class Args
{
    public const int PathMax = 4096;
    public const int AtFdCwd = -100;

    public static int Int(this ISyscallContext c, int i) => (int)(uint)c.Arg(i);
    public static uint UInt(this ISyscallContext c, int i) => (uint)c.Arg(i);
    public static long Long(this ISyscallContext c, int i) => (long)c.Arg(i);

    /// <summary>Copies in a path argument: EFAULT for a bad pointer, ENAMETOOLONG past PATH_MAX.</summary>
    public static Errno Path(this ISyscallContext c, int i, out string path) =>
        c.Memory.ReadCString(c.Arg(i), PathMax, out path);

    public static Errno ReadStruct<T>(this IGuestMemory m, ulong address, out T value) where T : unmanaged
    {
        value = default;
        var bytes = System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<T>(ref value));
        return m.Read(address, bytes);
    }

    public static Errno WriteStruct<T>(this IGuestMemory m, ulong address, in T value) where T : unmanaged =>
        m.Write(address, System.Runtime.InteropServices.MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));

    /// <summary>Writes a reply's bytes to a user pointer, giving the call's value or EFAULT.</summary>
    public static SyscallResult CopyOut(this ISyscallContext c, ulong address, ReadOnlySpan<byte> data, long result = 0)
    {
        var e = c.Memory.Write(address, data);
        return e == Errno.None ? result : e;
    }
}
