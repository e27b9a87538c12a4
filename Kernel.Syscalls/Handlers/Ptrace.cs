using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>What ptrace needs of the calling task: the tracer's side of every request (the kernel implements it).</summary>
public interface IPtraceTask
{
    /// <summary>ptrace(request, pid, addr, data): the result or -errno, as sys_ptrace returns it.</summary>
    long PtraceRequest(long request, int pid, ulong addr, ulong data);
}

/// <summary>ptrace(2): tracers inside the sandbox (strace, gdb) trace the sandbox's tasks.</summary>
public static class Ptrace
{
    [Syscall(117, "ptrace", Support.Partial,
        "No hardware breakpoint or watchpoint slots: NT_ARM_HW_BREAK/NT_ARM_HW_WATCH report none (debuggers use " +
        "software watchpoints). Supported: TRACEME, ATTACH, SEIZE with options, INTERRUPT, LISTEN, DETACH, " +
        "KILL, CONT, SYSCALL, SINGLESTEP (the CPU's software step), SYSEMU, SYSEMU_SINGLESTEP, PEEK/POKE TEXT and DATA, " +
        "GETREGSET/SETREGSET (NT_PRSTATUS, NT_PRFPREG, NT_ARM_TLS, NT_ARM_SYSTEM_CALL), GET/SETSIGINFO, PEEKSIGINFO, " +
        "GET/SETSIGMASK, SETOPTIONS (every option), GETEVENTMSG, GET_SYSCALL_INFO, SECCOMP_GET_FILTER, " +
        "SECCOMP_GET_METADATA, GET_RSEQ_CONFIGURATION; signal-delivery, syscall, group-stop (SEIZE/LISTEN) and event " +
        "stops with auto-attached children, reported by wait4/waitid. arm64 has no PEEKUSER/POKEUSER/GETREGS (EIO).")]
    public static SyscallResult Call(ISyscallContext c) =>
        c.Task is IPtraceTask t ? t.PtraceRequest((long)c.Arg(0), c.Int(1), c.Arg(2), c.Arg(3)) : Errno.ENOSYS;
}
