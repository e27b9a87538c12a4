using Kernel.Actors.Tasks;
using Kernel.Syscalls;

namespace Kernel.Actors.Proc;

/// <summary>The files of /proc/[pid] that read the process's memory, and its fault counts.</summary>
internal static partial class ProcPidFiles
{
    /// <summary>
    /// /proc/[pid]/cmdline as get_mm_cmdline reads it: the bytes of [arg_start, arg_end) in the process's memory, or,
    /// when the last of them is no longer NUL (setproctitle wrote over it), the string at arg_start up to its NUL,
    /// which may run on into the environment (within one page).
    /// </summary>
    public static byte[] Cmdline(KernelProcess p)
    {
        if (p.ExitStatus is not null) return [];
        var mm = p.Mm;
        var l = mm.Layout;
        ulong argStart = l.ArgStart, argEnd = l.ArgEnd, envStart = l.EnvStart, envEnd = l.EnvEnd;
        if (argStart >= argEnd) return [];
        if (envStart != argEnd || envEnd < envStart) envEnd = argEnd;
        Span<byte> last = stackalloc byte[1];
        if (mm.AccessRemote(argEnd - 1, last, write: false, force: false, out _, anonymousOnly: true) == 1 && last[0] != 0)
        {
            var page = new byte[Math.Min(4096UL, envEnd - argStart)];
            var got = mm.AccessRemote(argStart, page, write: false, force: false, out _, anonymousOnly: true);
            var len = Array.IndexOf(page, (byte)0, 0, got);
            return page[..(len < 0 ? got : len + 1)];
        }
        return Range(p, argStart, argEnd);
    }

    /// <summary>/proc/[pid]/environ: the bytes of [env_start, env_end) that can be read (anonymous memory only, as FOLL_ANON).</summary>
    public static byte[] Environ(KernelProcess p)
    {
        if (p.ExitStatus is not null) return [];
        var l = p.Mm.Layout;
        return l.EnvStart < l.EnvEnd ? Range(p, l.EnvStart, l.EnvEnd) : [];
    }

    private static byte[] Range(KernelProcess p, ulong start, ulong end)
    {
        var data = new byte[Math.Min(end - start, 1UL << 24)];
        var got = p.Mm.AccessRemote(start, data, write: false, force: false, out _, anonymousOnly: true);
        return data[..got];
    }

    /// <summary>The fault counts of /proc/[pid]/stat: the process's (its threads' and ended threads'), its reaped children's, or one thread's.</summary>
    private static Usage StatUsage(KernelProcess p, KernelTask? thread, bool children) =>
        children ? p.ChildrenUsage : p.ExitStatus is not null ? p.FinalUsage : thread is not null ? thread.GetUsage(1) : p.SelfUsage();

    /// <summary>
    /// An area's name in /proc/[pid]/maps: a file's path (a named shared anonymous area shows [anon_shmem:NAME]), the
    /// heap's, stack's and special pages' own names, else a PR_SET_VMA_ANON_NAME name as [anon:NAME].
    /// </summary>
    internal static string MapsName(Mm.Vma v) => v.AnonName switch
    {
        null => v.Name,
        { } n when v.Backing is not null => $"[anon_shmem:{n}]",
        { } n when v.Name.Length == 0 => $"[anon:{n}]",
        _ => v.Name,
    };
}
