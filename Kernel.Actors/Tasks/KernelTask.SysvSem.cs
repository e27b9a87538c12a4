using Kernel.Actors.Ipc;

namespace Kernel.Actors.Tasks;

public sealed partial class KernelTask
{
    /// <summary>The task's SEM_UNDO list (null until its first SEM_UNDO), shared with tasks cloned with CLONE_SYSVSEM.</summary>
    public SemUndoList? SemUndo { get; set; }

    /// <summary>
    /// exit_sem: the task stops using its undo list (it ends, or unshares it); the last user applies it. Runs on the
    /// task's own thread, before its exit is reported.
    /// </summary>
    internal void LeaveSemUndo()
    {
        var list = SemUndo;
        if (list is null) return;
        SemUndo = null;
        if (list.RemoveUser()) IpcActor.ApplyUndo(Process.Sandbox.Ipc, list, Process.Pid, IpcState.Now(Process.Sandbox));
    }

    /// <summary>copy_semundo: CLONE_SYSVSEM shares the creator's list (made now if it has none), else the new task has none.</summary>
    internal void InheritSemUndo(KernelTask parent, bool share)
    {
        if (!share) return;
        var list = parent.SemUndo ??= new SemUndoList(); // made with the parent as its one user
        list.AddUser();
        SemUndo = list;
    }
}
