using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>syslog(2): the sandbox's own kernel log, never the host's.</summary>
public static class Syslog
{
    private const int ActionClose = 0, ActionOpen = 1, ActionRead = 2, ActionReadAll = 3, ActionReadClear = 4, ActionClear = 5,
        ActionConsoleOff = 6, ActionConsoleOn = 7, ActionConsoleLevel = 8, ActionSizeUnread = 9, ActionSizeBuffer = 10;
    private const int CapSyslog = 34;

    [Syscall(116, "syslog", Support.Full, "The sandbox's own kernel log (its boot messages), never the host's: every action, with dmesg_restrict " +
        "(CAP_SYSLOG or CAP_SYS_ADMIN, else EPERM); READ waits for new messages, interruptibly.")]
    public static SyscallResult Call(ISyscallContext c)
    {
        int type = c.Int(0);
        ulong buf = c.Arg(1);
        int len = c.Int(2);
        if (type is < ActionClose or > ActionSizeBuffer) return Errno.EINVAL;
        // dmesg_restrict is on (as Debian sets it): every action needs CAP_SYSLOG (or, deprecated, CAP_SYS_ADMIN).
        var caps = c.Task.Settings;
        if (!caps.Has(CapSyslog) && !caps.Has(Capabilities.SysAdmin)) return Errno.EPERM;
        var log = c.Task.KernelLog;
        switch (type)
        {
            case ActionRead:
            {
                if (buf == 0 || len < 0) return Errno.EINVAL;
                if (len == 0) return 0;
                if (c.Memory.AccessibleLength(buf, len, write: true) < len) return Errno.EFAULT;
                var data = log.Read(len);
                if (data.Length > 0) return c.CopyOut(buf, data, data.Length);
                // Nothing new: wait (a day at a time) until there is, or a signal comes.
                return SyscallResult.Send(new Sleep(c.Task, TimeSpan.FromDays(1)),
                    reply => reply is SleepInterrupted ? Errno.ERESTARTSYS : Errno.ERESTARTNOINTR);
            }
            case ActionReadAll or ActionReadClear:
            {
                if (buf == 0 || len < 0) return Errno.EINVAL;
                if (len == 0) return 0;
                if (c.Memory.AccessibleLength(buf, len, write: true) < len) return Errno.EFAULT;
                var data = log.ReadAll(len, type == ActionReadClear);
                return c.CopyOut(buf, data, data.Length);
            }
            case ActionClear:
                log.Clear();
                return 0;
            case ActionConsoleLevel:
                return len is < 1 or > 8 ? Errno.EINVAL : 0;
            case ActionSizeUnread:
                return log.Unread;
            case ActionSizeBuffer:
                return KernelLog.BufferSize;
            default: // CLOSE, OPEN, CONSOLE_OFF, CONSOLE_ON
                return 0;
        }
    }
}
