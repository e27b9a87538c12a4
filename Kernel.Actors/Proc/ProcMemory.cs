using Kernel.Actors.Tasks;
using Kernel.Platform;

namespace Kernel.Actors.Proc;

/// <summary>A process's memory figures in bytes, as /proc/[pid]/status, statm and stat show them.</summary>
internal readonly record struct MemoryUsage(ulong Size, ulong Rss, ulong RssAnon, ulong RssFile, ulong Data, ulong Stack,
    ulong Exe, ulong Lib, ulong Committed);

internal static class ProcMemory
{
    /// <summary>
    /// Sizes from the VMA list; resident figures from the host pages that back them (mincore), since guest
    /// memory is host memory reserved without backing until touched.
    /// </summary>
    public static MemoryUsage Of(KernelProcess p)
    {
        ulong size = 0, rss = 0, rssAnon = 0, rssFile = 0, data = 0, stack = 0, exe = 0, lib = 0, committed = 0;
        var mm = p.Mm;
        var exePath = p.Executable?.GuestPath;
        foreach (var v in mm.Vmas)
        {
            size += v.Length;
            if (v.Prot == Prot.None) continue;
            var file = v.Ino != 0;
            var resident = mm.ResidentBytes(v.Start, v.Length);
            rss += resident;
            if (file) rssFile += resident;
            else rssAnon += resident;
            var writable = (v.Prot & Prot.Write) != 0;
            if (v.Name == "[stack]") stack += v.Length;
            else if (writable && !v.Shared) data += v.Length;
            if (writable && !v.Shared) committed += v.Length;
            if ((v.Prot & Prot.Exec) != 0 && file)
            {
                if (v.Name == exePath) exe += v.Length;
                else lib += v.Length;
            }
        }
        return new MemoryUsage(size, rss, rssAnon, rssFile, data, stack, exe, lib, committed);
    }

    /// <summary>What the sandbox's processes hold resident, and what they committed (private writable mappings).</summary>
    public static (ulong Used, ulong Committed) Totals(IProcSandbox sandbox)
    {
        ulong used = 0, committed = 0;
        foreach (var p in sandbox.AllProcesses())
        {
            var u = Of(p);
            used += u.Rss;
            committed += u.Committed;
        }
        return (used, committed);
    }

    /// <summary>The memory not in use, as MemFree and sysinfo's freeram report it.</summary>
    public static ulong Free(IProcSandbox sandbox)
    {
        var used = Totals(sandbox).Used;
        return sandbox.MemoryBytes > used ? sandbox.MemoryBytes - used : 0;
    }
}
