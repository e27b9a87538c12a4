using System.Buffers.Binary;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Seccomp;
using static Kernel.Syscalls.Abi.PtraceAbi;

namespace Kernel.Actors.Tasks;

/// <summary>
/// arm64's regsets (arch/arm64/kernel/ptrace.c) over a stopped tracee's register snapshot, and
/// PTRACE_GET_SYSCALL_INFO. Everything runs under the ptrace lock on the tracer's thread.
/// </summary>
internal static class PtraceRegsets
{
    // SPSR_EL1 bits a tracer may not set in an AArch64 EL0 pstate (they read as zero), and the ones that make it invalid.
    private const ulong PstateRes0 = 0xFFFF_FFFF_0000_0000UL | (3UL << 26) | (3UL << 22) | (0xFFUL << 13) | (1UL << 5);
    private const ulong PstateMode = 0xF, PstateMode32 = 0x10, PstateDaif = 0x3C0;
    private const ulong HwDebugArch = 6; // ARMv8 debug architecture, reported with zero slots

    /// <summary>A regset's element size and count (user_regset.size and .n).</summary>
    private static (int Size, int Count)? Shape(int type) => type switch
    {
        NtPrStatus => (8, PrStatusSize / 8),
        NtPrFpReg => (4, FpsimdSize / 4),
        NtArmTls => (8, 1),
        NtArmSystemCall => (4, 1),
        NtArmHwBreak or NtArmHwWatch => (4, HwDebugSize / 4),
        _ => null,
    };

    /// <summary>PTRACE_GETREGSET / PTRACE_SETREGSET with the struct iovec at <paramref name="iovAddress"/>.</summary>
    public static long Transfer(IGuestMemory mine, PtraceLink link, bool set, int type, ulong iovAddress)
    {
        Span<byte> iov = stackalloc byte[16];
        if (mine.Read(iovAddress, iov) != Errno.None) return -(long)Errno.EFAULT;
        var buffer = BinaryPrimitives.ReadUInt64LittleEndian(iov);
        var length = BinaryPrimitives.ReadUInt64LittleEndian(iov[8..]);
        if (Shape(type) is not { } shape || length % (ulong)shape.Size != 0) return -(long)Errno.EINVAL;
        var whole = Read(link, type);
        var n = (int)Math.Min(length, (ulong)whole.Length);
        if (!set)
        {
            if (mine.Write(buffer, whole.AsSpan(0, n)) != Errno.None) return -(long)Errno.EFAULT;
        }
        else
        {
            if (mine.Read(buffer, whole.AsSpan(0, n)) != Errno.None) return -(long)Errno.EFAULT;
            var e = Write(link, type, whole, n);
            if (e != 0) return e;
        }
        BinaryPrimitives.WriteUInt64LittleEndian(iov[8..], (ulong)n);
        return mine.Write(iovAddress + 8, iov[8..]) == Errno.None ? 0 : -(long)Errno.EFAULT;
    }

    private static byte[] Read(PtraceLink link, int type)
    {
        var r = link.Regs!;
        switch (type)
        {
            case NtPrStatus:
            {
                var b = new byte[PrStatusSize];
                for (var i = 0; i < 31; i++) BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8 * i), r.X[i]);
                BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(248), r.Sp);
                BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(256), r.Pc);
                BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(264), r.Pstate);
                return b;
            }
            case NtPrFpReg:
            {
                var b = new byte[FpsimdSize];
                for (var i = 0; i < 32; i++) BinaryPrimitives.WriteUInt128LittleEndian(b.AsSpan(16 * i), r.V[i]);
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(512), r.Fpsr);
                BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(516), r.Fpcr);
                return b;
            }
            case NtArmTls:
                return BitConverter.GetBytes(r.Tpidr);
            case NtArmSystemCall:
                return BitConverter.GetBytes((int)link.SyscallNo);
            default: // the hardware debug registers: the architecture version and no slots
            {
                var b = new byte[HwDebugSize];
                BinaryPrimitives.WriteUInt32LittleEndian(b, (uint)(HwDebugArch << 8));
                return b;
            }
        }
    }

    /// <summary>Applies the first <paramref name="n"/> bytes of <paramref name="b"/> (the rest is the current value).</summary>
    private static long Write(PtraceLink link, int type, byte[] b, int n)
    {
        var r = link.Regs!;
        switch (type)
        {
            case NtPrStatus:
            {
                // valid_user_regs: reserved bits read as zero; an EL0t AArch64 pstate with DAIF clear, or EINVAL.
                var pstate = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(264)) & ~PstateRes0;
                if ((pstate & (PstateMode | PstateMode32 | PstateDaif)) != 0) return -(long)Errno.EINVAL;
                for (var i = 0; i < 31; i++) r.X[i] = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(8 * i));
                link.Regs = r with
                {
                    Sp = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(248)),
                    Pc = BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(256)),
                    Pstate = pstate,
                };
                break;
            }
            case NtPrFpReg:
                for (var i = 0; i < 32; i++) r.V[i] = BinaryPrimitives.ReadUInt128LittleEndian(b.AsSpan(16 * i));
                link.Regs = r with
                {
                    Fpsr = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(512)),
                    Fpcr = BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(516)),
                };
                break;
            case NtArmTls:
                link.Regs = r with { Tpidr = BitConverter.ToUInt64(b) };
                break;
            case NtArmSystemCall:
                link.SyscallNo = BitConverter.ToInt32(b);
                link.SyscallNoSet = true;
                return 0;
            default:
                // No hardware breakpoint or watchpoint slots: only the header may be written.
                return n <= 8 ? 0 : -(long)Errno.ENOSPC;
        }
        link.RegsDirty = true;
        return 0;
    }

    /// <summary>PTRACE_GET_SYSCALL_INFO: what the stop is (none, syscall entry or exit, seccomp) and its details.</summary>
    public static long SyscallInfo(IGuestMemory mine, PtraceLink link, ulong size, ulong address)
    {
        var r = link.Regs!;
        var info = new byte[InfoSizeSeccomp];
        BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(4), SeccompAbi.AuditArchAarch64);
        BinaryPrimitives.WriteUInt64LittleEndian(info.AsSpan(8), r.Pc);
        BinaryPrimitives.WriteUInt64LittleEndian(info.AsSpan(16), r.Sp);
        var actual = InfoSizeNone;
        var code = link.LastInfo?.Code ?? 0;
        if (code == (Sig.SIGTRAP | 0x80) && link.Message == MsgSyscallEntry || code == (Sig.SIGTRAP | (EventSeccomp << 8)))
        {
            var seccomp = code != (Sig.SIGTRAP | 0x80);
            info[0] = seccomp ? InfoSeccomp : InfoEntry;
            BinaryPrimitives.WriteInt64LittleEndian(info.AsSpan(24), link.SyscallNo);
            // syscall_get_arguments: orig_x0, then x1..x5 as they are now.
            BinaryPrimitives.WriteUInt64LittleEndian(info.AsSpan(32), link.OrigX0);
            for (var i = 1; i < 6; i++) BinaryPrimitives.WriteUInt64LittleEndian(info.AsSpan(32 + 8 * i), r.X[i]);
            if (seccomp) BinaryPrimitives.WriteUInt32LittleEndian(info.AsSpan(80), (uint)link.Message);
            actual = seccomp ? InfoSizeSeccomp : InfoSizeEntry;
        }
        else if (code == (Sig.SIGTRAP | 0x80) && link.Message == MsgSyscallExit)
        {
            info[0] = InfoExit;
            var rval = (long)r.X[0];
            BinaryPrimitives.WriteInt64LittleEndian(info.AsSpan(24), rval);
            info[32] = (byte)(rval is < 0 and >= -4095 ? 1 : 0);
            actual = InfoSizeExit;
        }
        var n = (int)Math.Min((ulong)actual, size);
        return mine.Write(address, info.AsSpan(0, n)) == Errno.None ? actual : -(long)Errno.EFAULT;
    }
}
