using System.Security.Cryptography;
using System.Text;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Syscalls.Handlers;

/// <summary>System-wide information: what the sandbox shows, never the host's.</summary>
public static partial class System
{
    public const string SysName = "Linux";
    public const string Release = "6.1.0-kernel";
    public const string Version = "#1 SMP Kernel sandbox";
    public const string Machine = "aarch64";

    [Syscall(160, "uname", Support.Full, "Reports the sandbox's identity (hostname from the UTS namespace), never the host's.")]
    public static SyscallResult Uname(ISyscallContext c)
    {
        var buf = new byte[65 * 6];
        string[] fields = [SysName, ((IUtsView)c.Task).HostName, Release, Version, Machine, ((IUtsView)c.Task).DomainName];
        for (var i = 0; i < fields.Length; i++)
        {
            var b = Encoding.UTF8.GetBytes(fields[i]);
            b.AsSpan(0, Math.Min(b.Length, 64)).CopyTo(buf.AsSpan(65 * i));
        }
        return c.CopyOut(c.Arg(0), buf);
    }

    [Syscall(161, "sethostname", Support.Full, "Sets the sandbox's UTS hostname (root only), never the host's.")]
    public static SyscallResult SetHostName(ISyscallContext c) => SetUtsName(c, domain: false);

    [Syscall(162, "setdomainname", Support.Full, "Sets the sandbox's UTS domain name (root only), never the host's.")]
    public static SyscallResult SetDomainName(ISyscallContext c) => SetUtsName(c, domain: true);

    /// <summary>sethostname/setdomainname: CAP_SYS_ADMIN first, then the length (at most 64), then the copy.</summary>
    private static SyscallResult SetUtsName(ISyscallContext c, bool domain)
    {
        const int NewUtsLen = 64;
        if (!c.Task.Settings.Has(Capabilities.SysAdmin)) return Errno.EPERM;
        var len = c.Long(1);
        if (len < 0 || len > NewUtsLen) return Errno.EINVAL;
        var bytes = new byte[len];
        if (c.Memory.Read(c.Arg(0), bytes) != Errno.None) return Errno.EFAULT;
        // The field holds exactly these bytes; readers stop at the first NUL, as uname's do.
        var end = Array.IndexOf(bytes, (byte)0);
        var name = Encoding.UTF8.GetString(bytes, 0, end < 0 ? bytes.Length : end);
        ((IUtsView)c.Task).SetUtsName(domain, name);
        return 0;
    }

    [Syscall(278, "getrandom", Support.Full, "From the host's CSPRNG; GRND_NONBLOCK and GRND_RANDOM never block.")]
    public static SyscallResult GetRandom(ISyscallContext c)
    {
        if ((c.UInt(2) & ~7u) != 0) return Errno.EINVAL;
        var n = (int)Math.Min(c.Arg(1), 33554431);
        var e = c.Memory.GetSpan(c.Arg(0), n, true, out var span);
        if (e != Errno.None) return e;
        RandomNumberGenerator.Fill(span);
        return n;
    }

    [Syscall(179, "sysinfo", Support.Partial, "Uptime, memory of the sandbox's configured size (free: what its processes do not hold resident), process count; load averages are zero.")]
    public static SyscallResult Sysinfo(ISyscallContext c)
    {
        var b = new byte[112];
        var view = (IUtsView)c.Task;
        BitConverter.TryWriteBytes(b, Time.TaskNow(c, Time.ClockBoottime) / 1_000_000_000); // in the caller's time namespace
        BitConverter.TryWriteBytes(b.AsSpan(32), view.TotalRam);       // totalram
        BitConverter.TryWriteBytes(b.AsSpan(40), view.FreeRam);       // freeram
        BitConverter.TryWriteBytes(b.AsSpan(80), (ushort)view.ProcessCount);
        BitConverter.TryWriteBytes(b.AsSpan(104), 1u);                 // mem_unit
        return c.CopyOut(c.Arg(0), b);
    }
}

/// <summary>The sandbox-wide facts that uname and sysinfo report.</summary>
public interface IUtsView
{
    string HostName { get; }
    string DomainName { get; }
    /// <summary>Sets the hostname (or, with <paramref name="domain"/>, the domain name) of the sandbox's UTS namespace.</summary>
    void SetUtsName(bool domain, string name);
    ulong TotalRam { get; }
    ulong FreeRam { get; }
    int ProcessCount { get; }
}
