using System.Buffers.Binary;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Seccomp;
using static Kernel.Syscalls.Abi.PtraceAbi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// The tracer's side of ptrace(2), on the tracer's vCPU thread (kernel/ptrace.c's sys_ptrace, ptrace_request and
/// arm64's arch_ptrace). A stopped tracee does not run, so its registers (the link's snapshot), signal state and
/// memory are read and written here directly; resuming it is posted to its own vCPU.
/// </summary>
internal static class PtraceRequests
{
    private const int CapSysPtrace = 19;
    private const int MaxSignal = 64;

    public static long Handle(KernelTask caller, long request, int pid, ulong addr, ulong data)
    {
        var sandbox = caller.Process.Sandbox;
        if (request == TraceMe) return TraceMeRequest(caller);
        var target = pid > 0 ? FindTask(sandbox, pid) : null;
        if (target is null) return -(long)Errno.ESRCH;
        if (request is Attach or Seize) return AttachRequest(caller, target, request == Seize, addr, data);
        var table = sandbox.Ptrace;
        Action? after = null;
        long result;
        lock (table.Lock)
        {
            var link = target.Ptrace;
            if (link is null || link.Tracer != caller || link.ExitStatus is not null) return -(long)Errno.ESRCH;
            if (request == Kill)
            {
                // PTRACE_KILL sends SIGKILL, stopped or not (Linux 5.19 and later).
                SignalActor.Post(target.Process, SigInfo.FromUser(Sig.SIGKILL, SigInfo.SiUser, caller.Pid, caller.Process.Creds.Uid), null);
                return 0;
            }
            if (request == Interrupt) return InterruptRequest(link);
            if (!link.Stopped || link.Listening || (target.Process.IsExiting && link.Kind != PtraceStopKind.Exit)) return -(long)Errno.ESRCH;
            result = Stopped(caller, link, request, addr, data, ref after);
        }
        after?.Invoke();
        return result;
    }

    /// <summary>find_get_task_by_vpid: any thread of the sandbox by its id.</summary>
    internal static KernelTask? FindTask(Sandbox sandbox, int tid) =>
        sandbox.FindThread(tid)?.Threads.FirstOrDefault(t => t.Tid == tid);

    /// <summary>A request on a tracee in a ptrace-stop (ptrace_check_attach passed). Under the lock.</summary>
    private static long Stopped(KernelTask caller, PtraceLink link, long request, ulong addr, ulong data, ref Action? after)
    {
        var target = link.Tracee;
        var mine = caller.Process.Mm;
        switch (request)
        {
            case PeekText or PeekData:
            {
                Span<byte> word = stackalloc byte[8];
                if (!target.Process.Mm.ForceRead(addr, word)) return -(long)Errno.EIO;
                return mine.Write(data, word) == Errno.None ? 0 : -(long)Errno.EFAULT;
            }
            case PokeText or PokeData:
            {
                Span<byte> word = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(word, data);
                if (!target.Process.Mm.ForceWrite(addr, word, out var code)) return -(long)Errno.EIO;
                if (code) after = () => target.Process.Runner?.Post(() => target.Process.Mm.Cpu.InvalidateCode(addr, 8));
                return 0;
            }
            case Cont or Syscall or SingleStep or SysEmu or SysEmuSingleStep:
            {
                if (data > MaxSignal) return -(long)Errno.EIO;
                if (request is SingleStep or SysEmuSingleStep && !target.Process.Mm.Cpu.CanStep) return -(long)Errno.EIO;
                link.Mode = request switch
                {
                    Syscall => PtraceMode.Syscall,
                    SingleStep => PtraceMode.SingleStep,
                    SysEmu => PtraceMode.SysEmu,
                    SysEmuSingleStep => PtraceMode.SysEmuStep,
                    _ => PtraceMode.Cont,
                };
                after = Resume(link, (int)data);
                return 0;
            }
            case Detach:
            {
                if (data > MaxSignal) return -(long)Errno.EIO;
                link.Mode = PtraceMode.Cont;
                after = Resume(link, (int)data);
                caller.Process.Sandbox.Ptrace.Unlink(link);
                return 0;
            }
            case Listen:
                if (!link.Seized || link.LastInfo is not { } si || si.Code >> 8 != EventStop) return -(long)Errno.EIO;
                link.Listening = true;
                // A group-stop change came between the trap and now: trap again at once.
                if (link.TrapNotify) after = Wake(link);
                return 0;
            case SetOptions:
            {
                var e = CheckOptions(caller, data);
                if (e != 0) return e;
                link.Options = (int)data;
                return 0;
            }
            case GetEventMsg:
                return WriteU64(mine, data, link.Message);
            case GetSigInfo:
                if (link.LastInfo is not { } info) return -(long)Errno.EINVAL;
                return mine.Write(data, info.ToBytes()) == Errno.None ? 0 : -(long)Errno.EFAULT;
            case SetSigInfo:
            {
                var raw = new byte[SigInfo.Size];
                if (mine.Read(data, raw) != Errno.None) return -(long)Errno.EFAULT;
                if (link.LastInfo is null) return -(long)Errno.EINVAL;
                link.LastInfo = FromRaw(raw);
                return 0;
            }
            case PeekSigInfo:
                return PeekSigInfoRequest(mine, target, addr, data);
            case GetSigMask:
                if (addr != 8) return -(long)Errno.EINVAL;
                return WriteU64(mine, data, target.SignalState.SavedMask ?? target.SignalMask);
            case SetSigMask:
            {
                if (addr != 8) return -(long)Errno.EINVAL;
                Span<byte> raw = stackalloc byte[8];
                if (mine.Read(data, raw) != Errno.None) return -(long)Errno.EFAULT;
                target.SignalMask = BinaryPrimitives.ReadUInt64LittleEndian(raw) & ~Runner.Unblockable;
                target.SignalState.SavedMask = null; // clear_tsk_restore_sigmask
                return 0;
            }
            case GetRegSet or SetRegSet:
                return PtraceRegsets.Transfer(mine, link, request == SetRegSet, (int)addr, data);
            case GetSyscallInfo:
                return PtraceRegsets.SyscallInfo(mine, link, addr, data);
            case SeccompGetFilter:
                return SeccompFilterRequest(caller, target, addr, data);
            case SeccompGetMetadata:
                return SeccompMetadataRequest(caller, target, addr, data);
            case GetRseqConfiguration:
            {
                var conf = new byte[RseqConfigurationSize];
                BinaryPrimitives.WriteUInt64LittleEndian(conf, target.Rseq);
                BinaryPrimitives.WriteUInt32LittleEndian(conf.AsSpan(8), target.RseqLength);
                BinaryPrimitives.WriteUInt32LittleEndian(conf.AsSpan(12), target.RseqSignature);
                var n = (int)Math.Min(addr, (ulong)conf.Length);
                return mine.Write(data, conf.AsSpan(0, n)) == Errno.None ? conf.Length : -(long)Errno.EFAULT;
            }
            default:
                return -(long)Errno.EIO;
        }
    }

    private static long WriteU64(IGuestMemory m, ulong address, ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        return m.Write(address, b) == Errno.None ? 0 : -(long)Errno.EFAULT;
    }

    /// <summary>A siginfo_t the tracer wrote: kept as it is (its signal number and code read from it).</summary>
    internal static SigInfo FromRaw(byte[] raw) =>
        new(BinaryPrimitives.ReadInt32LittleEndian(raw), BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(8)))
        {
            Errno = BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(4)),
            Raw = raw,
        };

    /// <summary>Ends the tracee's stop with <paramref name="signal"/> (under the lock); the returned action posts it to its vCPU.</summary>
    private static Action Resume(PtraceLink link, int signal)
    {
        link.Stopped = false;
        link.Listening = false;
        link.Code = 0;
        link.ResumeSignal = signal;
        var task = link.Tracee;
        return () => task.Process.Runner?.Post(() => task.Process.Runner.PtraceContinue(task));
    }

    /// <summary>Wakes a listening tracee so that it traps again (under the lock).</summary>
    internal static Action Wake(PtraceLink link)
    {
        link.Listening = false;
        return Resume(link, 0);
    }

    /// <summary>PTRACE_INTERRUPT: a trap with PTRACE_EVENT_STOP at the tracee's next chance (seized tracees only).</summary>
    private static long InterruptRequest(PtraceLink link)
    {
        if (!link.Seized) return -(long)Errno.EIO;
        link.TrapStop = true;
        var task = link.Tracee;
        var wake = link.Listening ? Wake(link) : null;
        if (wake is not null) wake();
        else if (!link.Stopped) task.Process.Runner?.Post(() => task.Process.Runner.PtraceKick(task));
        return 0;
    }

    /// <summary>check_ptrace_options: known bits; SUSPEND_SECCOMP only for CAP_SYS_ADMIN outside seccomp.</summary>
    private static long CheckOptions(KernelTask caller, ulong data)
    {
        if ((data & ~(ulong)OMask) != 0) return -(long)Errno.EINVAL;
        if ((data & OSuspendSeccomp) != 0)
        {
            if (!caller.Settings.Has(Capabilities.SysAdmin)) return -(long)Errno.EPERM;
            if (caller.Settings.SeccompMode != SeccompAbi.ModeDisabled || ((caller.Ptrace?.Options ?? 0) & OSuspendSeccomp) != 0)
                return -(long)Errno.EPERM;
        }
        return 0;
    }

    /// <summary>PTRACE_TRACEME: the real parent becomes the tracer.</summary>
    private static long TraceMeRequest(KernelTask caller)
    {
        var p = caller.Process;
        var table = p.Sandbox.Ptrace;
        lock (table.Lock)
        {
            if (caller.Ptrace is not null) return -(long)Errno.EPERM;
            if (p.Sandbox.FindProcess(p.Ppid) is not { IsExiting: false } parent) return -(long)Errno.EPERM;
            var tracer = parent.Threads.FirstOrDefault(t => t.Tid == p.ParentTid && t.State != TaskState.Exited)
                ?? parent.Threads.FirstOrDefault(t => t.State != TaskState.Exited);
            if (tracer is null) return -(long)Errno.EPERM;
            // cap_ptrace_traceme: the child's permitted set within the parent's, or the parent has CAP_SYS_PTRACE.
            if ((caller.Settings.CapPermitted & ~tracer.Settings.CapPermitted) != 0 && !tracer.Settings.Has(CapSysPtrace))
                return -(long)Errno.EPERM;
            table.Link(caller, tracer, seized: false, options: 0);
            return 0;
        }
    }

    /// <summary>PTRACE_ATTACH (SIGSTOP to the tracee) and PTRACE_SEIZE (options in data, no stop).</summary>
    private static long AttachRequest(KernelTask caller, KernelTask target, bool seize, ulong addr, ulong data)
    {
        if (seize)
        {
            if (addr != 0 || (data & ~(ulong)OMask) != 0) return -(long)Errno.EIO;
            var e = CheckOptions(caller, data);
            if (e != 0) return e;
        }
        if (target.Process == caller.Process || !MayAttach(caller, target)) return -(long)Errno.EPERM;
        var table = caller.Process.Sandbox.Ptrace;
        PtraceLink link;
        lock (table.Lock)
        {
            if (target.State == TaskState.Exited || target.Process.IsExiting || target.Ptrace is not null) return -(long)Errno.EPERM;
            link = table.Link(target, caller, seize, seize ? (int)data : 0);
        }
        var runner = target.Process.Runner;
        runner?.Post(() => runner.PtraceAttached(target, link, sendStop: !seize));
        return 0;
    }

    /// <summary>
    /// __ptrace_may_access in PTRACE_MODE_ATTACH_REALCREDS mode and commoncap's check: CAP_SYS_PTRACE, or the same
    /// real ids as the target's real, effective and saved ids, a dumpable target and no capability the caller lacks.
    /// </summary>
    internal static bool MayAttach(KernelTask caller, KernelTask target)
    {
        if (caller.Settings.Has(CapSysPtrace)) return true;
        var c = caller.Process.Creds;
        var t = target.Process.Creds;
        if (c.Uid != t.Uid || c.Uid != t.Euid || c.Uid != t.Suid || c.Gid != t.Gid || c.Gid != t.Egid || c.Gid != t.Sgid) return false;
        return target.Process.Settings.Dumpable && (target.Settings.CapPermitted & ~caller.Settings.CapPermitted) == 0;
    }

    /// <summary>PTRACE_PEEKSIGINFO: queued siginfos of the tracee's own queue (or its process's), from an offset.</summary>
    private static long PeekSigInfoRequest(IGuestMemory mine, KernelTask target, ulong addr, ulong data)
    {
        Span<byte> args = stackalloc byte[16];
        if (mine.Read(addr, args) != Errno.None) return -(long)Errno.EFAULT;
        var off = BinaryPrimitives.ReadUInt64LittleEndian(args);
        var flags = BinaryPrimitives.ReadUInt32LittleEndian(args[8..]);
        var nr = BinaryPrimitives.ReadInt32LittleEndian(args[12..]);
        if ((flags & ~PeekSigInfoShared) != 0 || nr < 0) return -(long)Errno.EINVAL;
        var queue = ((flags & PeekSigInfoShared) != 0 ? target.Process.SharedPending : target.SignalState.Pending).Snapshot();
        long copied = 0;
        for (var i = 0; i < nr && off + (ulong)i < (ulong)queue.Count; i++)
        {
            if (mine.Write(data + (ulong)(i * SigInfo.Size), queue[(int)off + i].ToBytes()) != Errno.None)
                return copied > 0 ? copied : -(long)Errno.EFAULT;
            copied++;
        }
        return copied;
    }

    /// <summary>get_nth_filter: index 0 is the first filter installed, as seccomp.c counts it.</summary>
    private static long NthFilter(KernelTask caller, KernelTask target, ulong index, out SeccompFilter? filter)
    {
        filter = null;
        if (!caller.Settings.Has(Capabilities.SysAdmin) || caller.Settings.SeccompMode != SeccompAbi.ModeDisabled)
            return -(long)Errno.EACCES;
        if (target.Settings.SeccompMode != SeccompAbi.ModeFilter || target.Settings.SeccompFilter is not { } top)
            return -(long)Errno.EINVAL;
        if (index >= (ulong)top.Count) return -(long)Errno.ENOENT;
        filter = top;
        for (var steps = top.Count - 1 - (int)index; steps > 0; steps--) filter = filter.Prev!;
        return 0;
    }

    private static long SeccompFilterRequest(KernelTask caller, KernelTask target, ulong index, ulong data)
    {
        var e = NthFilter(caller, target, index, out var filter);
        if (e < 0) return e;
        var program = filter!.Program.Original;
        if (data == 0) return program.Count;
        var raw = new byte[program.Count * BpfInstruction.Size];
        for (var i = 0; i < program.Count; i++)
        {
            var span = raw.AsSpan(i * BpfInstruction.Size);
            BinaryPrimitives.WriteUInt16LittleEndian(span, program[i].Code);
            span[2] = program[i].Jt;
            span[3] = program[i].Jf;
            BinaryPrimitives.WriteUInt32LittleEndian(span[4..], program[i].K);
        }
        return caller.Process.Mm.Write(data, raw) == Errno.None ? program.Count : -(long)Errno.EFAULT;
    }

    private static long SeccompMetadataRequest(KernelTask caller, KernelTask target, ulong size, ulong data)
    {
        if (!caller.Settings.Has(Capabilities.SysAdmin) || caller.Settings.SeccompMode != SeccompAbi.ModeDisabled)
            return -(long)Errno.EACCES;
        size = Math.Min(size, (ulong)SeccompMetadataSize);
        if (size < 8) return -(long)Errno.EINVAL;
        var mine = caller.Process.Mm;
        var md = new byte[SeccompMetadataSize];
        if (mine.Read(data, md.AsSpan(0, 8)) != Errno.None) return -(long)Errno.EFAULT;
        var e = NthFilter(caller, target, BinaryPrimitives.ReadUInt64LittleEndian(md), out var filter);
        if (e < 0) return e;
        BinaryPrimitives.WriteUInt64LittleEndian(md.AsSpan(8), filter!.Log ? SeccompFilterFlagLog : 0);
        return mine.Write(data, md.AsSpan(0, (int)size)) == Errno.None ? (long)size : -(long)Errno.EFAULT;
    }
}
