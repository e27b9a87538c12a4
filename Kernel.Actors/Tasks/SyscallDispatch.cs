using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;
using Serilog;

namespace Kernel.Actors.Tasks;

/// <summary>
/// Looks a trapped syscall up in the table (generated from the [Syscall] attributes) and runs its handler on the
/// task's thread. Unknown numbers give ENOSYS with one warning per number; a handler that throws gives EIO.
/// </summary>
public sealed class SyscallDispatch(SyscallTable table, ILogger log)
{
    private readonly ConcurrentDictionary<int, byte> _warned = new();

    public SyscallTable Table => table;

    public SyscallResult Invoke(SyscallCall call)
    {
        var entry = table.Lookup(call.Number);
        if (entry is null || entry.Support == Support.Unimplemented)
        {
            if (_warned.TryAdd(call.Number, 0))
            {
                log.Warning("unimplemented syscall {Number} ({Name}) called by {Task}: ENOSYS", call.Number, entry?.Name ?? "unknown", call.KernelTask);
            }
            if (entry is null) return Errno.ENOSYS;
        }
        try
        {
            return entry.Handler(call);
        }
        catch (Exception e)
        {
            log.Error(e, "syscall {Name} failed in the kernel; returning EIO", entry.Name);
            return Errno.EIO;
        }
    }

    /// <summary>One strace-like line: name(decoded args) = result or errno, and the time it took.</summary>
    public void Trace(SyscallCall call, SyscallResult result, long started)
    {
        var entry = table.Lookup(call.Number);
        var name = entry?.Name ?? $"syscall_{call.Number}";
        var sb = new StringBuilder();
        for (var i = 0; i < 6; i++)
        {
            if (i > 0) sb.Append(", ");
            sb.Append(DecodeArg(call, i));
        }
        string outcome;
        if (result.NoReturnValue) outcome = "?";
        else if (result.Value is < 0 and >= -4095) outcome = $"-1 {(Errno)(-result.Value)}";
        else outcome = result.Value is > 0xffff or < 0 ? $"0x{result.Value:x}" : result.Value.ToString();
        var us = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
        log.Information("[{Tid}] {Name}({Args}) = {Result} <{Micros:F1}us>", call.KernelTask.Tid, name, sb.ToString(), outcome, us);
    }

    // Path-like arguments by syscall number (arm64): shown as strings, as strace does.
    private static readonly Dictionary<int, int[]> PathArgs = new()
    {
        [56] = [1], [79] = [1], [291] = [1], [78] = [1], [48] = [1], [439] = [1], [49] = [0], [34] = [1], [35] = [1],
        [36] = [0, 2], [37] = [1, 3], [38] = [1, 3], [276] = [1, 3], [43] = [0], [45] = [0], [221] = [0],
    };

    private static string DecodeArg(SyscallCall call, int i)
    {
        var v = call.Arg(i);
        if (PathArgs.TryGetValue(call.Number, out var paths) && paths.Contains(i))
        {
            return call.Memory.ReadCString(v, 256, out var s) == Errno.None ? $"\"{s}\"" : $"0x{v:x}";
        }
        return v <= 0xffff ? v.ToString() : (long)v is < 0 and > -4096 ? ((long)v).ToString() : $"0x{v:x}";
    }
}
