using Kernel.Platform;

namespace Kernel.Actors.Mm;

// A debugger's access to another process's memory (ptrace's PEEK/POKE, access_process_vm with FOLL_FORCE): it
// reaches any mapped page whatever its protection, and writes into read-only private mappings (the text, for
// breakpoints); a read-only shared mapping stays unwritable, as a COW-less mapping is under Linux.
public sealed partial class AddressSpace
{
    /// <summary>Reads [address, address+length) if every byte is mapped; false otherwise.</summary>
    public bool ForceRead(ulong address, Span<byte> destination)
    {
        if (!Covered(address, (ulong)destination.Length, write: false, out _)) return false;
        Host.Span(address, destination.Length).CopyTo(destination);
        return true;
    }

    /// <summary>Writes [address, address+length) if every byte may be forced; true with whether code was overwritten.</summary>
    public bool ForceWrite(ulong address, ReadOnlySpan<byte> source, out bool code)
    {
        if (!Covered(address, (ulong)source.Length, write: true, out code)) return false;
        source.CopyTo(Host.Span(address, source.Length));
        return true;
    }

    private bool Covered(ulong address, ulong length, bool write, out bool exec)
    {
        exec = false;
        if (address + length < address || address + length > WindowSize) return false;
        for (var at = address; at < address + length;)
        {
            var v = Find(at);
            if (v is null || (write && v.Shared && (v.Prot & Prot.Write) == 0)) return false;
            exec |= (v.Prot & Prot.Exec) != 0;
            at = v.End;
        }
        return true;
    }
}
