namespace Kernel.Syscalls;

/// <summary>The securebits of a thread's credentials (include/uapi/linux/securebits.h).</summary>
public static class SecBits
{
    public const uint NoRoot = 1 << 0, NoRootLocked = 1 << 1, NoSetuidFixup = 1 << 2, NoSetuidFixupLocked = 1 << 3,
        KeepCaps = 1 << 4, KeepCapsLocked = 1 << 5, NoCapAmbientRaise = 1 << 6, NoCapAmbientRaiseLocked = 1 << 7,
        ExecRestrictFile = 1 << 8, ExecRestrictFileLocked = 1 << 9, ExecDenyInteractive = 1 << 10, ExecDenyInteractiveLocked = 1 << 11;

    /// <summary>SECURE_ALL_BITS and SECURE_ALL_LOCKS (the exec bits since Linux 6.14).</summary>
    public const uint AllBits = NoRoot | NoSetuidFixup | KeepCaps | NoCapAmbientRaise | ExecRestrictFile | ExecDenyInteractive;
    public const uint AllLocks = AllBits << 1;
}

/// <summary>The per-thread prctl state beyond the basics: credentials' ambient set and securebits, and task flags.</summary>
public sealed partial class TaskSettings
{
    /// <summary>The ambient capability set (always a subset of permitted and inheritable).</summary>
    public ulong CapAmbient { get; set; }
    public uint SecureBits { get; set; }
    /// <summary>PR_MCE_KILL: PF_MCE_PROCESS and PF_MCE_EARLY.</summary>
    public bool MceProcess { get; set; }
    public bool MceEarly { get; set; }
    /// <summary>PR_SET_IO_FLUSHER (PF_MEMALLOC_NOIO | PF_LOCAL_THROTTLE).</summary>
    public bool IoFlusher { get; set; }
    /// <summary>PR_SPEC_STORE_BYPASS's per-task state: 0 none, or PR_SPEC_ENABLE/DISABLE/FORCE_DISABLE/DISABLE_NOEXEC.</summary>
    public int SpecStoreBypass { get; set; }
    /// <summary>PR_SET_TAGGED_ADDR_CTRL's TIF_TAGGED_ADDR: syscalls accept pointers with a tag in the top byte.</summary>
    public bool TaggedAddr { get; set; }

    /// <summary>What exec resets in the thread's own state: the tagged-address ABI, a store-bypass setting made only until exec.</summary>
    public void OnExec()
    {
        TaggedAddr = false;
        if (SpecStoreBypass == SpecDisableNoExec) SpecStoreBypass = SpecEnable;
    }

    public const int SpecEnable = 2, SpecDisable = 4, SpecForceDisable = 8, SpecDisableNoExec = 16;
}

/// <summary>Per-process prctl state: the Yama ptracer exception.</summary>
public sealed partial class ProcessSettings
{
    /// <summary>PR_SET_PTRACER: 0 none, -1 any process, else the pid allowed to attach (Yama's exception list).</summary>
    public long Ptracer { get; set; }
}
