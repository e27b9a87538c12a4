using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>process_vm_readv and process_vm_writev.</summary>
public static class ProcessVm
{
    private const int IovMax = 1024;

    [Syscall(270, "process_vm_readv", Support.Full, "Copies from another process's memory with ptrace's attach check on real ids (EPERM), ESRCH for no such process; a remote range that faults ends the copy with a partial count.")]
    public static SyscallResult Readv(ISyscallContext c) => Copy(c, write: false);

    [Syscall(271, "process_vm_writev", Support.Full, "As process_vm_readv, into the other process's memory.")]
    public static SyscallResult Writev(ISyscallContext c) => Copy(c, write: true);

    private static SyscallResult Copy(ISyscallContext c, bool write)
    {
        if (c.Arg(5) != 0 || c.Arg(2) > IovMax || c.Arg(4) > IovMax) return Errno.EINVAL;
        var e = ReadIovecs(c, c.Arg(1), (int)c.Arg(2), out var local);
        if (e != Errno.None) return e;
        e = ReadIovecs(c, c.Arg(3), (int)c.Arg(4), out var remote);
        return e != Errno.None ? e : c.Task.ProcessVmCopy(c.Int(0), local, remote, write);
    }

    /// <summary>An iovec array: EFAULT when unreadable, EINVAL when the lengths overflow a signed size.</summary>
    private static Errno ReadIovecs(ISyscallContext c, ulong address, int count, out List<(ulong Base, ulong Length)> list)
    {
        list = new List<(ulong, ulong)>(count);
        if (count == 0) return Errno.None;
        var raw = new byte[count * 16];
        if (c.Memory.Read(address, raw) != Errno.None) return Errno.EFAULT;
        ulong total = 0;
        for (var i = 0; i < count; i++)
        {
            var b = BitConverter.ToUInt64(raw, i * 16);
            var len = BitConverter.ToUInt64(raw, i * 16 + 8);
            total += len;
            if ((long)len < 0 || (long)total < 0) return Errno.EINVAL;
            list.Add((b, len));
        }
        return Errno.None;
    }
}
