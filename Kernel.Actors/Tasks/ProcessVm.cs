using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>process_vm_readv/writev: copies between the caller's memory and another process's, as a debugger may.</summary>
internal static class ProcessVm
{
    /// <summary>
    /// Copies along the two iovec lists; the bytes copied, or -errno when nothing could be (ESRCH, EPERM, EFAULT).
    /// A remote range that faults ends the copy there (a partial count), as process_vm_rw_core does.
    /// </summary>
    public static long Copy(KernelTask caller, int pid, IReadOnlyList<(ulong Base, ulong Length)> local,
        IReadOnlyList<(ulong Base, ulong Length)> remote, bool write)
    {
        var target = pid > 0 ? caller.Process.Sandbox.FindProcess(pid) ?? caller.Process.Sandbox.FindThread(pid) : null;
        if (target is null || target.IsExiting) return -(long)Errno.ESRCH;
        if (!KernelObjects.MayInspect(caller, target)) return -(long)Errno.EPERM;
        var mine = caller.Process.Mm;
        var theirs = target.Mm;
        long done = 0;
        int li = 0;
        ulong loff = 0;
        var buffer = new byte[64 * 1024];
        foreach (var (rbase, rlen) in remote)
        {
            ulong roff = 0;
            while (roff < rlen)
            {
                while (li < local.Count && loff >= local[li].Length)
                {
                    li++;
                    loff = 0;
                }
                if (li >= local.Count) return done;
                var n = (int)Math.Min((ulong)buffer.Length, Math.Min(rlen - roff, local[li].Length - loff));
                var span = buffer.AsSpan(0, n);
                var (from, to) = write ? (mine, theirs) : (theirs, mine);
                var (src, dst) = write ? (local[li].Base + loff, rbase + roff) : (rbase + roff, local[li].Base + loff);
                if (from.Read(src, span) != Errno.None || to.Write(dst, span) != Errno.None)
                    return done > 0 ? done : -(long)Errno.EFAULT;
                done += n;
                roff += (ulong)n;
                loff += (ulong)n;
            }
        }
        return done;
    }
}
