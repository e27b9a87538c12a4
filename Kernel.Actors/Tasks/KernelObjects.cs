using System.Runtime.CompilerServices;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// kcmp: whether two tasks share a kernel object, and a stable order between different ones. Linux orders
/// obfuscated pointers; here each object compared gets a number on first sight, so the order never changes
/// and reveals nothing about the host.
/// </summary>
internal static class KernelObjects
{
    private const int File = 0, Vm = 1, Files = 2, Fs = 3, Sighand = 4, Io = 5, SysvSem = 6, EpollTfd = 7;

    private static readonly ConditionalWeakTable<object, object> Numbers = new();
    private static readonly object NoUndoList = new();
    private static long _next;

    public static long Compare(KernelTask caller, int pid1, int pid2, int type, ulong idx1, ulong idx2)
    {
        var sandbox = caller.Process.Sandbox;
        var t1 = FindTask(sandbox, pid1);
        var t2 = FindTask(sandbox, pid2);
        if (t1 is null || t2 is null) return -(long)Errno.ESRCH;
        if (!MayInspect(caller, t1.Process) || !MayInspect(caller, t2.Process)) return -(long)Errno.EPERM;
        object? a, b;
        switch (type)
        {
            case File:
                a = idx1 > int.MaxValue ? null : t1.Process.Files.GetFile((int)idx1);
                b = idx2 > int.MaxValue ? null : t2.Process.Files.GetFile((int)idx2);
                if (a is null || b is null) return -(long)Errno.EBADF;
                break;
            case Vm or Sighand:
                // One address space and one signal-handler table per process (threads share both).
                (a, b) = (t1.Process, t2.Process);
                break;
            case Files:
                (a, b) = (t1.Process.Files, t2.Process.Files);
                break;
            case Fs:
                (a, b) = (t1.Process.Fs, t2.Process.Fs);
                break;
            case Io:
                return 0; // neither task has one: both null, as Linux compares them
            case SysvSem:
                // The tasks' SEM_UNDO lists (shared through CLONE_SYSVSEM); two tasks without one compare equal.
                if (t1.SemUndo is null && t2.SemUndo is null) return 0;
                (a, b) = (t1.SemUndo ?? (object)NoUndoList, t2.SemUndo ?? (object)NoUndoList);
                break;
            case EpollTfd:
                return -(long)Errno.EOPNOTSUPP;
            default:
                return -(long)Errno.EINVAL;
        }
        if (ReferenceEquals(a, b)) return 0;
        return NumberOf(a) < NumberOf(b) ? 1 : 2;
    }

    /// <summary>get_robust_list of another thread: ptrace-read permission, as for kcmp.</summary>
    public static long RobustListOf(KernelTask caller, int tid)
    {
        if (tid == 0) return (long)caller.RobustList;
        var target = FindTask(caller.Process.Sandbox, tid);
        if (target is null) return -(long)Errno.ESRCH;
        return MayInspect(caller, target.Process) ? (long)target.RobustList : -(long)Errno.EPERM;
    }

    private static KernelTask? FindTask(Kernel.Actors.Sandbox sandbox, int tid) =>
        sandbox.FindThread(tid)?.Threads.FirstOrDefault(t => t.Tid == tid);

    // PTRACE_MODE_READ_REALCREDS; a task may always inspect its own thread group.
    internal static bool MayInspect(KernelTask caller, KernelProcess target) =>
        ReferenceEquals(caller.Process, target) || caller.Process.Creds.MayInspect(target.Creds, realCreds: true);

    private static long NumberOf(object o) => (long)Numbers.GetValue(o, _ => Interlocked.Increment(ref _next));
}
