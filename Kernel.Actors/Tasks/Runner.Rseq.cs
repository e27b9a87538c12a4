using System.Buffers.Binary;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

// rseq critical sections: a thread that stops inside one (preempted, or about to take a signal) resumes at its
// abort handler, as rseq_ip_fixup does; the section's descriptor is then cleared.
public sealed partial class Runner
{
    private void RseqFixup(KernelTask task)
    {
        if (task.Rseq == 0) return;
        var mm = _process.Mm;
        Span<byte> word = stackalloc byte[8];
        if (mm.Read(task.Rseq + 8, word) != Errno.None)
        {
            Kill(Sig.SIGSEGV);
            return;
        }
        var cs = BinaryPrimitives.ReadUInt64LittleEndian(word);
        if (cs == 0) return;
        Span<byte> d = stackalloc byte[32]; // struct rseq_cs: version, flags, start_ip, post_commit_offset, abort_ip
        if (mm.Read(cs, d) != Errno.None || BinaryPrimitives.ReadUInt32LittleEndian(d) != 0)
        {
            Kill(Sig.SIGSEGV);
            return;
        }
        var start = BinaryPrimitives.ReadUInt64LittleEndian(d[8..]);
        var length = BinaryPrimitives.ReadUInt64LittleEndian(d[16..]);
        var abort = BinaryPrimitives.ReadUInt64LittleEndian(d[24..]);
        var pc = task.Context.Pc;
        mm.Write(task.Rseq + 8, new byte[8]); // cleared whether or not the thread is inside
        if (pc - start >= length) return;
        Span<byte> sig = stackalloc byte[4];
        if (abort - start < length || mm.Read(abort - 4, sig) != Errno.None || BinaryPrimitives.ReadUInt32LittleEndian(sig) != task.RseqSignature)
        {
            Kill(Sig.SIGSEGV);
            return;
        }
        task.Context.Pc = abort;
    }
}
