using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>capget and capset: the capability sets of kernel/capability.c, with its header versions and rules.</summary>
public static class CapabilityCalls
{
    private const uint Version1 = 0x19980330, Version2 = 0x20071026, Version3 = 0x20080522;

    [Syscall(90, "capget", Support.Full, "Effective, permitted and inheritable sets of any thread in the sandbox (all three header versions); the sets are per thread, as Linux keeps them.")]
    public static SyscallResult CapGet(ISyscallContext c)
    {
        var e = ReadHeader(c, out var words, out var pid);
        if (e != Errno.None) return e;
        if (c.Arg(1) == 0) return 0; // a version probe
        if (pid < 0) return Errno.EINVAL;
        var p = pid == 0 ? c.Task.Settings : c.Task.SettingsOf(pid);
        if (p is null) return Errno.ESRCH;
        // struct __user_cap_data_struct { u32 effective, permitted, inheritable; }, low word first.
        var data = new byte[12 * words];
        for (var i = 0; i < words; i++)
        {
            BitConverter.TryWriteBytes(data.AsSpan(12 * i), (uint)(p.CapEffective >> (32 * i)));
            BitConverter.TryWriteBytes(data.AsSpan(12 * i + 4), (uint)(p.CapPermitted >> (32 * i)));
            BitConverter.TryWriteBytes(data.AsSpan(12 * i + 8), (uint)(p.CapInheritable >> (32 * i)));
        }
        return c.Memory.Write(c.Arg(1), data) == Errno.None ? 0 : Errno.EFAULT;
    }

    [Syscall(91, "capset", Support.Full, "Sets the calling thread's sets under cap_capset's rules (only the caller: EPERM for another thread); other threads keep theirs, new threads and children inherit them, and the kernel's capability checks use the calling thread's effective set.")]
    public static SyscallResult CapSet(ISyscallContext c)
    {
        var e = ReadHeader(c, out var words, out var pid);
        if (e != Errno.None) return e;
        // Only the calling thread may be changed (pid 0 or its own tid).
        if (pid != 0 && pid != c.Task.Tid) return Errno.EPERM;
        var data = new byte[12 * words];
        if (c.Memory.Read(c.Arg(1), data) != Errno.None) return Errno.EFAULT;
        ulong effective = 0, permitted = 0, inheritable = 0;
        for (var i = 0; i < words; i++)
        {
            effective |= (ulong)BitConverter.ToUInt32(data, 12 * i) << (32 * i);
            permitted |= (ulong)BitConverter.ToUInt32(data, 12 * i + 4) << (32 * i);
            inheritable |= (ulong)BitConverter.ToUInt32(data, 12 * i + 8) << (32 * i);
        }
        effective &= Capabilities.All;
        permitted &= Capabilities.All;
        inheritable &= Capabilities.All;
        var p = c.Task.Settings;
        var setpcap = p.Has(Capabilities.Setpcap);
        // New inheritable capabilities come from the permitted set (or anywhere with CAP_SETPCAP), never from outside the bounding set.
        if (!setpcap && (inheritable & ~(p.CapInheritable | p.CapPermitted)) != 0) return Errno.EPERM;
        if ((inheritable & ~(p.CapInheritable | p.CapabilityBound)) != 0) return Errno.EPERM;
        if ((permitted & ~p.CapPermitted) != 0) return Errno.EPERM; // permitted only shrinks
        if ((effective & ~permitted) != 0) return Errno.EPERM;
        p.CapEffective = effective;
        p.CapPermitted = permitted;
        p.CapInheritable = inheritable;
        p.CapAmbient &= permitted & inheritable; // the ambient set stays within both
        return 0;
    }

    /// <summary>cap_validate_magic: an unknown version is answered with the preferred one, and EINVAL.</summary>
    private static Errno ReadHeader(ISyscallContext c, out int words, out int pid)
    {
        words = 0;
        pid = 0;
        var header = new byte[8];
        if (c.Memory.Read(c.Arg(0), header) != Errno.None) return Errno.EFAULT;
        var version = BitConverter.ToUInt32(header);
        pid = BitConverter.ToInt32(header, 4);
        switch (version)
        {
            case Version1:
                words = 1;
                return Errno.None;
            case Version2 or Version3:
                words = 2;
                return Errno.None;
            default:
                return c.Memory.Write(c.Arg(0), BitConverter.GetBytes(Version3)) == Errno.None ? Errno.EINVAL : Errno.EFAULT;
        }
    }
}
