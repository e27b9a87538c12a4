using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>Creating threads and processes (clone, clone3) and replacing a process's image (execve).</summary>
public static partial class Process
{
    private const int MaxArgStrlen = 131072;      // MAX_ARG_STRLEN
    private const int MaxArgStrings = 0x7FFFFFFF; // MAX_ARG_STRINGS
    private const long ArgSpace = 2L << 20;       // a quarter of the default 8 MiB stack, as Linux allows

    // Flags we do not implement yet are refused with EINVAL rather than silently ignored.
    private const ulong Unsupported = CloneFlags.NewUser | CloneFlags.NewPid | CloneFlags.IntoCgroup;
    /// <summary>The namespaces a new process may get (with CAP_SYS_ADMIN).</summary>
    private const ulong NewNamespaces = CloneFlags.NewNs | CloneFlags.NewUts | CloneFlags.NewIpc | CloneFlags.NewNet | CloneFlags.NewCgroup | CloneFlags.NewTime;

    [Syscall(220, "clone", Support.Partial,
        "Threads (CLONE_VM, CLONE_THREAD and CLONE_SIGHAND, with SETTLS, PARENT_SETTID, CHILD_SETTID, CHILD_CLEARTID), fork and vfork " +
        "(CLONE_VM with CLONE_VFORK gives the child a copy-on-write copy of the address space and suspends the parent until exec or exit), CLONE_FILES, CLONE_FS, " +
        "CLONE_PARENT, CLONE_PIDFD (for processes), new mount (a copy of the mount table), UTS, IPC, network and cgroup namespaces (CAP_SYS_ADMIN), CLONE_PTRACE (the child " +
        "is traced too when the caller is). The child shares private memory copy-on-write (MAP_SHARED memory stays shared); NEWPID, NEWUSER and thread pidfds (CLONE_PIDFD with CLONE_THREAD) return EINVAL.")]
    public static SyscallResult Clone(ISyscallContext c)
    {
        // Only the low 32 bits count (the flags past them are clone3's); the low byte is the exit signal. On arm64 the
        // arguments are flags, stack, parent_tid, tls, child_tid.
        var flags = c.Arg(0) & 0xffffffff;
        var args = new CloneArgs(flags & ~0xffUL, (int)(flags & 0xff), c.Arg(1), c.Arg(2), c.Arg(4), c.Arg(3));
        // CLONE_PIDFD puts the descriptor where parent_tid points, so both cannot be asked for.
        if ((flags & CloneFlags.Pidfd) != 0 && (flags & CloneFlags.ParentSetTid) != 0) return Errno.EINVAL;
        return Spawn(c, args, c.Arg(2));
    }

    [Syscall(435, "clone3", Support.Partial,
        "As clone, plus CLONE_NEWTIME (the child enters a new time namespace), CLONE_CLEAR_SIGHAND and set_tid (one PID namespace level, CAP_SYS_ADMIN, EEXIST for a pid in use); " +
        "CLONE_INTO_CGROUP is not supported (EINVAL).")]
    public static SyscallResult Clone3(ISyscallContext c)
    {
        const int Ver0 = 64, PageSize = 4096;
        var size = c.Arg(1);
        if (size < Ver0) return Errno.EINVAL;
        if (size > PageSize) return Errno.E2BIG;
        var raw = new byte[size];
        if (c.Memory.Read(c.Arg(0), raw) != Errno.None) return Errno.EFAULT;
        // Bytes past the fields we know must be zero (a newer struct asking for something we lack).
        const int Known = 88;
        for (var i = Known; i < raw.Length; i++)
        {
            if (raw[i] != 0) return Errno.E2BIG;
        }
        ulong Field(int i) => 8 * i + 8 <= raw.Length ? BitConverter.ToUInt64(raw, 8 * i) : 0;
        var flags = Field(0);
        var exitSignal = Field(4);
        ulong stack = Field(5), stackSize = Field(6);
        ulong setTid = Field(8), setTidSize = Field(9);
        if (Field(10) != 0 || (flags & CloneFlags.IntoCgroup) != 0) return Errno.EINVAL; // cgroup
        // set_tid: one pid per PID namespace level, and the sandbox has one level.
        if ((setTid == 0) != (setTidSize == 0) || setTidSize > MaxPidNsLevel) return Errno.EINVAL;
        if (setTidSize > 1) return Errno.EINVAL;
        if ((flags & (CloneFlags.ClearSighand | CloneFlags.Sighand)) == (CloneFlags.ClearSighand | CloneFlags.Sighand)) return Errno.EINVAL;
        // clone3 reuses the CSIGNAL bits; only CLONE_NEWTIME lives there.
        if ((flags & 0xff & ~CloneFlags.NewTime) != 0 || exitSignal > 64) return Errno.EINVAL;
        if ((stack == 0) != (stackSize == 0)) return Errno.EINVAL;
        int tid = 0;
        if (setTidSize != 0)
        {
            if (c.Memory.ReadStruct<int>(setTid, out tid) != Errno.None) return Errno.EFAULT;
            if (tid <= 0) return Errno.EINVAL;
            if (!c.Task.Settings.Has(Capabilities.SysAdmin)) return Errno.EPERM;
        }
        var args = new CloneArgs(flags, (int)exitSignal, stack == 0 ? 0 : stack + stackSize, Field(3), Field(2), Field(7)) { SetTid = tid };
        return Spawn(c, args, Field(1));
    }

    private const int MaxPidNsLevel = 32;

    /// <param name="pidfdAddress">Where CLONE_PIDFD stores the child's pidfd.</param>
    private static SyscallResult Spawn(ISyscallContext c, CloneArgs a, ulong pidfdAddress)
    {
        var f = a.Flags;
        if ((f & CloneFlags.Pidfd) != 0)
        {
            // A pidfd names a process: not for threads here (Linux 6.9's PIDFD_THREAD ones are not modelled), nor with CLONE_DETACHED.
            if ((f & (CloneFlags.Thread | CloneFlags.Detached)) != 0) return Errno.EINVAL;
            // Checked before the child exists: a pidfd that cannot be stored fails the clone.
            if (c.Memory.Write(pidfdAddress, BitConverter.GetBytes(-1)) != Errno.None) return Errno.EFAULT;
        }
        if ((f & Unsupported) != 0) return Errno.EINVAL;
        // Namespaces belong to processes: a thread cannot have its own (copy_namespaces).
        if ((f & NewNamespaces) != 0 && (f & CloneFlags.Thread) != 0) return Errno.EINVAL;
        // A new IPC namespace cannot keep the parent's semaphore undo list (copy_namespaces).
        if ((f & (CloneFlags.NewIpc | CloneFlags.SysvSem)) == (CloneFlags.NewIpc | CloneFlags.SysvSem)) return Errno.EINVAL;
        if ((f & NewNamespaces) != 0 && !c.Task.Settings.Has(Capabilities.SysAdmin)) return Errno.EPERM;
        if ((f & CloneFlags.Thread) != 0 && (f & CloneFlags.Sighand) == 0) return Errno.EINVAL;
        if ((f & CloneFlags.Sighand) != 0 && (f & CloneFlags.Vm) == 0) return Errno.EINVAL;
        if ((f & CloneFlags.Thread) != 0 && a.ExitSignal != 0 && (f & CloneFlags.Parent) != 0) return Errno.EINVAL;
        // A second process in one address space (CLONE_VM without CLONE_THREAD) is modelled only for vfork.
        if ((f & (CloneFlags.Vm | CloneFlags.Thread)) == CloneFlags.Vm && (f & CloneFlags.Vfork) == 0) return Errno.EINVAL;
        if ((f & CloneFlags.Thread) == 0 && (f & CloneFlags.Sighand) != 0 && (f & CloneFlags.Vfork) == 0) return Errno.EINVAL;
        // A new mount namespace gets its own copy of the fs context: sharing one (CLONE_FS) cannot be (copy_process).
        if ((f & (CloneFlags.NewNs | CloneFlags.Fs)) == (CloneFlags.NewNs | CloneFlags.Fs)) return Errno.EINVAL;
        // The mount table belongs to the VFS actor: it makes the copy, and the clone goes on when it has.
        if ((f & CloneFlags.NewNs) != 0)
            return SyscallResult.Send(new CopyMountNamespace(c.Task), reply => reply is MountNamespaceCopied m ? Finish(c, a with { NewMountFs = m.Fs }, pidfdAddress) : Errno.EIO);
        return Finish(c, a, pidfdAddress);
    }

    /// <summary>The clone itself, its checks done.</summary>
    private static SyscallResult Finish(ISyscallContext c, CloneArgs a, ulong pidfdAddress)
    {
        var f = a.Flags;
        var tid = c.Task.Clone(a);
        if (tid < 0) return (Errno)(-tid);
        if ((f & CloneFlags.Pidfd) != 0)
        {
            // The child exists now; its pidfd is close-on-exec, as Linux makes it.
            var pidfd = c.Task.OpenPidFd((int)tid, 0);
            if (pidfd >= 0) c.Memory.Write(pidfdAddress, BitConverter.GetBytes((int)pidfd));
        }
        if ((f & CloneFlags.Vfork) != 0) return SyscallResult.Send(new WaitVforkChild(c.Task, (int)tid), _ => tid);
        return tid;
    }

    [Syscall(221, "execve", Support.Full, "Fully supported: close-on-exec, other threads end, handled signals reset to default.")]
    public static SyscallResult Execve(ISyscallContext c) => ExecAt(c, Args.AtFdCwd, 0, 0);

    [Syscall(281, "execveat", Support.Full, "As execve, relative to a directory descriptor; AT_EMPTY_PATH runs the file a descriptor is " +
        "(fexecve, memfds and O_PATH descriptors included) under the name /dev/fd/N, AT_SYMLINK_NOFOLLOW refuses a final symlink (ELOOP).")]
    public static SyscallResult Execveat(ISyscallContext c)
    {
        const int allowed = AtFlags.AT_EMPTY_PATH | AtFlags.AT_SYMLINK_NOFOLLOW;
        int flags = c.Int(4);
        if ((flags & ~allowed) != 0) return Errno.EINVAL;
        return ExecAt(c, c.Int(0), 1, flags);
    }

    private static SyscallResult ExecAt(ISyscallContext c, int dirFd, int firstArg, int flags)
    {
        var e = c.Path(firstArg, out var path);
        if (e != Errno.None) return e;
        if (path.Length == 0 && (flags & AtFlags.AT_EMPTY_PATH) == 0) return Errno.ENOENT;
        e = ReadStringArray(c.Memory, c.Arg(firstArg + 1), out var argv, out var argBytes);
        if (e != Errno.None) return e;
        e = ReadStringArray(c.Memory, c.Arg(firstArg + 2), out var envp, out var envBytes);
        if (e != Errno.None) return e;
        if (argBytes + envBytes > ArgSpace) return Errno.E2BIG;
        var r = c.Task.Exec(dirFd, path, argv, envp, flags);
        return r < 0 ? (Errno)(-r) : SyscallResult.Unchanged;
    }

    /// <summary>A NULL-terminated array of string pointers (a NULL array is empty, as Linux accepts).</summary>
    private static Errno ReadStringArray(IGuestMemory m, ulong address, out List<string> values, out long bytes)
    {
        values = [];
        bytes = 0;
        if (address == 0) return Errno.None;
        for (var i = 0; ; i++)
        {
            if (i >= MaxArgStrings) return Errno.E2BIG;
            var e = m.ReadStruct<ulong>(address + (ulong)(8 * i), out var p);
            if (e != Errno.None) return Errno.EFAULT;
            if (p == 0) return Errno.None;
            e = m.ReadCString(p, MaxArgStrlen, out var s);
            if (e == Errno.ENAMETOOLONG) return Errno.E2BIG;
            if (e != Errno.None) return e;
            values.Add(s);
            bytes += s.Length + 1 + 8;
            if (bytes > ArgSpace) return Errno.E2BIG;
        }
    }
}
