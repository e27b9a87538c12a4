using Kernel.Tests.Infrastructure;
using Kernel.Actors.Mm;
using Kernel.Platform;
using Kernel.Syscalls.Abi;

namespace Kernel.Tests.Mm;

/// <summary>
/// fork shares private memory copy-on-write: a child of a process with 100 MiB touched starts with none of it
/// copied on the host, and each side still sees its own bytes (the guest-level behaviour is in the cow_fork
/// conformance program).
/// </summary>
public sealed class CopyOnWriteForkTests
{
    private const ulong Page = 4096;
    private const ulong At = 0x1000_0000;
    private const ulong Size = 100UL << 20;

    [Fact]
    public void Fork_of_100_MiB_copies_nothing_eagerly()
    {
        Assert.True(HostMemory.CopyOnWriteAvailable, "the host must allow userfaultfd with write protection (root, Linux 5.7+)");
        using var parent = new AddressSpace(new NoCpu(), 1UL << 32);
        parent.MapFixed(At, Size, Prot.Read | Prot.Write, false, "");
        var pattern = new byte[Page];
        for (ulong p = 0; p < Size / Page; p++)
        {
            BitConverter.TryWriteBytes(pattern, p * 7 + 1);
            Assert.Equal(Errno.None, parent.Write(At + p * Page, pattern));
        }
        Assert.True(parent.Host.ResidentBytes(At, Size) >= Size);

        using var child = parent.Fork(new NoCpu());
        // Nothing copied on the host, yet the child counts the pages as its own (as Linux counts shared pages in RSS).
        Assert.True(child.Host.ResidentBytes(At, Size) < (1UL << 20), $"{child.Host.ResidentBytes(At, Size)} bytes copied at fork");
        Assert.Equal(Size, child.ResidentBytes(At, Size));

        // The parent rewrites the first half: the child still reads the old bytes there, and copies only what it reads.
        var rewritten = new byte[8];
        for (ulong p = 0; p < Size / Page / 2; p++)
        {
            BitConverter.TryWriteBytes(rewritten, 0xdead_0000UL + p);
            Assert.Equal(Errno.None, parent.Write(At + p * Page, rewritten));
        }
        Assert.Equal(1UL, ReadU64(child, At));
        Assert.Equal(7UL * 10 + 1, ReadU64(child, At + 10 * Page));
        Assert.Equal(7UL * 20000 + 1, ReadU64(child, At + 20000 * Page));
        Assert.Equal(0xdead_0000UL + 10, ReadU64(parent, At + 10 * Page));

        // The child's own store stays its own.
        Assert.Equal(Errno.None, child.Write(At + 20000 * Page, BitConverter.GetBytes(5UL)));
        Assert.Equal(5UL, ReadU64(child, At + 20000 * Page));
        Assert.Equal(7UL * 20000 + 1, ReadU64(parent, At + 20000 * Page));
        // Reading a few pages copied a few pages (plus the parent's pushes of the half it rewrote), not all 100 MiB.
        Assert.True(child.Host.ResidentBytes(At, Size) <= Size / 2 + (1UL << 20));
    }

    [Fact]
    public void A_child_outlives_its_parent_with_the_bytes_it_shared()
    {
        var parent = new AddressSpace(new NoCpu(), 1UL << 32);
        parent.MapFixed(At, 64 * Page, Prot.Read | Prot.Write, false, "");
        for (ulong p = 0; p < 64; p++) Assert.Equal(Errno.None, parent.Write(At + p * Page, BitConverter.GetBytes(p + 100)));
        using var child = parent.Fork(new NoCpu());
        using var grandchild = child.Fork(new NoCpu());
        parent.Dispose();
        for (ulong p = 0; p < 64; p++)
        {
            Assert.Equal(p + 100, ReadU64(child, At + p * Page));
            Assert.Equal(p + 100, ReadU64(grandchild, At + p * Page));
        }
    }

    [Fact]
    public void A_discard_in_the_child_reads_zeros_and_one_in_the_parent_keeps_the_childs_bytes()
    {
        using var parent = new AddressSpace(new NoCpu(), 1UL << 32);
        parent.MapFixed(At, 8 * Page, Prot.Read | Prot.Write, false, "");
        for (ulong p = 0; p < 8; p++) Assert.Equal(Errno.None, parent.Write(At + p * Page, BitConverter.GetBytes(p + 1)));
        using var child = parent.Fork(new NoCpu());
        child.Host.Discard(At, 2 * Page);
        parent.Host.Discard(At + 4 * Page, 4 * Page);
        Assert.Equal(0UL, ReadU64(child, At));
        Assert.Equal(3UL, ReadU64(child, At + 2 * Page));
        Assert.Equal(6UL, ReadU64(child, At + 5 * Page));
        Assert.Equal(0UL, ReadU64(parent, At + 5 * Page));
        Assert.Equal(1UL, ReadU64(parent, At));
    }

    private static ulong ReadU64(AddressSpace mm, ulong address)
    {
        var b = new byte[8];
        Assert.Equal(Errno.None, mm.Read(address, b));
        return BitConverter.ToUInt64(b);
    }
}
