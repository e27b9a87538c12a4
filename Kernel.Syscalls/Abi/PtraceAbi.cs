namespace Kernel.Syscalls.Abi;

/// <summary>ptrace(2) requests, options, events and arm64 regsets (include/uapi/linux/ptrace.h, elf.h).</summary>
public static class PtraceAbi
{
    // Requests. arm64 has no PEEKUSER/POKEUSER/GETREGS: they fall to EIO as unknown requests.
    public const long TraceMe = 0, PeekText = 1, PeekData = 2, PeekUser = 3, PokeText = 4, PokeData = 5, PokeUser = 6,
        Cont = 7, Kill = 8, SingleStep = 9, Attach = 16, Detach = 17, Syscall = 24, SysEmu = 31, SysEmuSingleStep = 32,
        SetOptions = 0x4200, GetEventMsg = 0x4201, GetSigInfo = 0x4202, SetSigInfo = 0x4203, GetRegSet = 0x4204,
        SetRegSet = 0x4205, Seize = 0x4206, Interrupt = 0x4207, Listen = 0x4208, PeekSigInfo = 0x4209,
        GetSigMask = 0x420a, SetSigMask = 0x420b, SeccompGetFilter = 0x420c, SeccompGetMetadata = 0x420d,
        GetSyscallInfo = 0x420e, GetRseqConfiguration = 0x420f;

    // PTRACE_O_* options.
    public const int OTraceSysGood = 1, OTraceFork = 2, OTraceVfork = 4, OTraceClone = 8, OTraceExec = 0x10,
        OTraceVforkDone = 0x20, OTraceExit = 0x40, OTraceSeccomp = 0x80, OExitKill = 1 << 20, OSuspendSeccomp = 1 << 21;
    public const int OMask = 0xff | OExitKill | OSuspendSeccomp;

    // PTRACE_EVENT_* (the status word's bits 16-23 at an event stop).
    public const int EventFork = 1, EventVfork = 2, EventClone = 3, EventExec = 4, EventVforkDone = 5, EventExit = 6,
        EventSeccomp = 7, EventStop = 128;

    /// <summary>The option that asks for <paramref name="evt"/> (ptrace_event_enabled: bit event-1 of the options).</summary>
    public static int OptionFor(int evt) => 1 << evt;

    /// <summary>PTRACE_EVENTMSG_SYSCALL_ENTRY/EXIT: the event message at a syscall stop.</summary>
    public const ulong MsgSyscallEntry = 1, MsgSyscallExit = 2;

    public const uint PeekSigInfoShared = 1;

    // PTRACE_SYSCALL_INFO_* ops and the sizes GET_SYSCALL_INFO reports for each.
    public const byte InfoNone = 0, InfoEntry = 1, InfoExit = 2, InfoSeccomp = 3;
    public const int InfoSizeNone = 24, InfoSizeEntry = 80, InfoSizeExit = 33, InfoSizeSeccomp = 84;

    // Regsets of arm64 and their sizes: struct user_pt_regs, user_fpsimd_state, TLS, the syscall number,
    // user_hwdebug_state.
    public const int NtPrStatus = 1, NtPrFpReg = 2, NtArmTls = 0x401, NtArmHwBreak = 0x402, NtArmHwWatch = 0x403,
        NtArmSystemCall = 0x404;
    public const int PrStatusSize = 34 * 8, FpsimdSize = 32 * 16 + 16, HwDebugSize = 8 + 16 * 16;

    /// <summary>struct seccomp_metadata: filter_off, flags.</summary>
    public const int SeccompMetadataSize = 16;
    public const ulong SeccompFilterFlagLog = 2;

    /// <summary>struct ptrace_rseq_configuration: pointer, size, signature, flags, pad.</summary>
    public const int RseqConfigurationSize = 24;
}
