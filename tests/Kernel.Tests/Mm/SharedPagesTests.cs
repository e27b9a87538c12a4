using Kernel.Tests.Infrastructure;
using Kernel.Actors.Mm;
using Kernel.Platform;

namespace Kernel.Tests.Mm;

/// <summary>
/// Kernel-owned shared pages in guest address spaces (the io_uring rings, the AIO ring): one copy of the bytes seen
/// by the kernel and the guest, kept by a fork, replaced by private zero pages when unmapped, and each mapping
/// counted for its owner as a Linux VMA holds its file.
/// </summary>
public sealed class SharedPagesTests : IDisposable
{
    private const ulong Page = 4096;
    private const ulong At = 0x100000;

    private readonly AddressSpace _mm = new(new NoCpu(), 1UL << 30);
    private readonly SharedPages _pages = new(4 * Page, "test");
    private readonly CountingOwner _owner = new();

    public void Dispose()
    {
        _mm.Dispose();
        _pages.Dispose();
    }

    [Fact]
    public void Kernel_and_guest_see_one_copy()
    {
        _mm.MapSharedPages(At, 4 * Page, Prot.Read | Prot.Write, "ring", _pages, 0, 4 * Page, _owner);
        _pages.WriteU32(8, 0xfeedface);
        Assert.Equal(0xfeedfaceu, ReadU32(_mm, At + 8));
        Assert.Equal(Kernel.Syscalls.Abi.Errno.None, _mm.Write(At + Page, BitConverter.GetBytes(42u)));
        Assert.Equal(42u, _pages.ReadU32(Page));
        Assert.Equal(1, _owner.Mappings);
    }

    [Fact]
    public void An_offset_maps_later_pages_and_the_rest_of_a_long_mapping_is_private()
    {
        _pages.WriteU32(2 * Page, 7);
        _mm.MapSharedPages(At, 3 * Page, Prot.Read | Prot.Write, "sqes", _pages, 2 * Page, Page, _owner);
        Assert.Equal(7u, ReadU32(_mm, At));
        // Past the pages offered the mapping is ordinary memory: writes there do not reach the shared pages.
        _mm.Write(At + Page, BitConverter.GetBytes(99u));
        Assert.Equal(0u, _pages.ReadU32(3 * Page));
        Assert.Equal(99u, ReadU32(_mm, At + Page));
    }

    [Fact]
    public void Unmapping_part_leaves_private_zeros_and_splitting_counts_a_mapping_more()
    {
        _mm.MapSharedPages(At, 4 * Page, Prot.Read | Prot.Write, "ring", _pages, 0, 4 * Page, _owner);
        _pages.WriteU32(Page, 5);
        _pages.WriteU32(3 * Page, 6);
        _mm.Unmap(At + Page, Page); // the middle: one mapping becomes two
        Assert.Equal(2, _owner.Mappings);
        Assert.Equal(6u, ReadU32(_mm, At + 3 * Page));
        _mm.MapFixed(At + Page, Page, Prot.Read | Prot.Write, false, "");
        Assert.Equal(0u, ReadU32(_mm, At + Page));
        _mm.Write(At + Page, BitConverter.GetBytes(1u));
        Assert.Equal(5u, _pages.ReadU32(Page)); // the shared page did not change
        _mm.Unmap(At, 4 * Page);
        Assert.Equal(0, _owner.Mappings);
        Assert.Empty(_mm.SharedRanges);
    }

    [Fact]
    public void A_fork_keeps_sharing_and_a_teardown_gives_the_mappings_back()
    {
        _mm.MapSharedPages(At, 2 * Page, Prot.Read | Prot.Write, "ring", _pages, 0, 2 * Page, _owner);
        var child = _mm.Fork(new NoCpu());
        try
        {
            Assert.Equal(2, _owner.Mappings);
            _pages.WriteU32(16, 11);
            Assert.Equal(11u, ReadU32(child, At + 16));
            child.Write(At + 20, BitConverter.GetBytes(12u));
            Assert.Equal(12u, ReadU32(_mm, At + 20));
        }
        finally
        {
            child.Dispose();
        }
        Assert.Equal(1, _owner.Mappings);
        // The guest mapping outlives the kernel's view of the pages.
        _pages.Dispose();
        Assert.Equal(11u, ReadU32(_mm, At + 16));
    }

    [Fact]
    public void Disposing_is_raised_once()
    {
        var mm = new AddressSpace(new NoCpu(), 1UL << 30);
        var raised = 0;
        mm.Disposing += _ => raised++;
        mm.Dispose();
        Assert.Equal(1, raised);
    }

    private static uint ReadU32(AddressSpace mm, ulong address)
    {
        var b = new byte[4];
        Assert.Equal(Kernel.Syscalls.Abi.Errno.None, mm.Read(address, b));
        return BitConverter.ToUInt32(b);
    }

    private sealed class CountingOwner : ISharedMappingOwner
    {
        public int Mappings { get; private set; }
        public void MappingAdded() => Mappings++;
        public void MappingRemoved() => Mappings--;
    }

}
