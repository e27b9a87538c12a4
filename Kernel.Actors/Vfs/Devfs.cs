using System.Security.Cryptography;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>Builds /dev: a tmpfs-like tree holding the standard character devices and links.</summary>
public static class Devfs
{
    /// <summary>A new devfs whose /dev/ptmx opens ptys of <paramref name="devpts"/> (to be mounted on its "pts").</summary>
    public static Tmpfs Create(Devpts devpts)
    {
        var fs = new Tmpfs("devtmpfs", 0x1ED /* 0755 */);
        var root = (TmpDirectory)fs.Root;
        root.AddDevice("null", 0x1B6 /* 0666 */, 1, 3, (loc, flags) => new NullDevice(loc, flags));
        root.AddDevice("zero", 0x1B6 /* 0666 */, 1, 5, (loc, flags) => new ZeroDevice(loc, flags));
        root.AddDevice("full", 0x1B6 /* 0666 */, 1, 7, (loc, flags) => new FullDevice(loc, flags));
        root.AddDevice("random", 0x1B6 /* 0666 */, 1, 8, (loc, flags) => new RandomDevice(loc, flags, pollable: true));
        root.AddDevice("urandom", 0x1B6 /* 0666 */, 1, 9, (loc, flags) => new RandomDevice(loc, flags));
        root.AddDevice("tty", 0x1B6 /* 0666 */, 5, 0, OpenControllingTerminal);
        root.AddDevice("console", 0x180 /* 0600 */, 5, 1, OpenConsole);
        root.AddDevice("ptmx", 0x1B6 /* 0666 */, 5, 2, devpts.OpenMaster);
        var creds = Credentials.Root;
        root.CreateSymlink("stdin", "/proc/self/fd/0", creds);
        root.CreateSymlink("stdout", "/proc/self/fd/1", creds);
        root.CreateSymlink("stderr", "/proc/self/fd/2", creds);
        root.CreateSymlink("fd", "/proc/self/fd", creds);
        root.CreateDirectory("shm", 0x3FF /* 01777 */, creds);
        root.CreateDirectory("pts", 0x1ED /* 0755 */, creds);
        return fs;
    }

    /// <summary>/dev/tty: the opening process's controlling terminal, opened again; ENXIO without one.</summary>
    private static long OpenControllingTerminal(Location location, int flags, out OpenFile? file)
    {
        file = null;
        if (DeviceOpen.Current?.ControllingTerminal is not { } terminal) return -(long)Errno.ENXIO;
        return terminal.OpenAgain(location, flags, out file);
    }

    /// <summary>/dev/console: the sandbox's console is the host's standard output (where the kernel was started).</summary>
    private static long OpenConsole(Location location, int flags, out OpenFile? file)
    {
        file = null;
        var e = HostStdioFile.FromHostFd(1, flags & OpenFlags.StatusFlagsMask, out var stdio);
        file = stdio;
        return e;
    }
}

/// <summary>A device file: no position of its own; pread/pwrite behave as read/write.</summary>
public abstract class DeviceFile : OpenFile
{
    protected DeviceFile(Location? location, int flags) : base(location, flags) { }

    protected abstract long DoRead(Span<byte> buffer);
    protected abstract long DoWrite(ReadOnlySpan<byte> data);

    public override long Read(Span<byte> buffer) => CanRead ? Transferred(DoRead(buffer), false) : -(long)Errno.EBADF;
    public override long Write(ReadOnlySpan<byte> data) => CanWrite ? Transferred(DoWrite(data), true) : -(long)Errno.EBADF;
    public override long PRead(Span<byte> buffer, long offset) => offset < 0 ? -(long)Errno.EINVAL : Read(buffer);
    public override long PWrite(ReadOnlySpan<byte> data, long offset) => offset < 0 ? -(long)Errno.EINVAL : Write(data);
    public override long Seek(long offset, int whence) => 0;
}

/// <summary>/dev/null: reads end at once, writes vanish.</summary>
public sealed class NullDevice(Location? location, int flags) : DeviceFile(location, flags)
{
    protected override long DoRead(Span<byte> buffer) => 0;
    protected override long DoWrite(ReadOnlySpan<byte> data) => data.Length;
}

/// <summary>/dev/zero: reads give zeros, writes vanish.</summary>
public sealed class ZeroDevice(Location? location, int flags) : DeviceFile(location, flags)
{
    protected override long DoRead(Span<byte> buffer)
    {
        buffer.Clear();
        return buffer.Length;
    }

    protected override long DoWrite(ReadOnlySpan<byte> data) => data.Length;
}

/// <summary>/dev/full: reads give zeros, writes fail with ENOSPC.</summary>
public sealed class FullDevice(Location? location, int flags) : DeviceFile(location, flags)
{
    protected override long DoRead(Span<byte> buffer)
    {
        buffer.Clear();
        return buffer.Length;
    }

    protected override long DoWrite(ReadOnlySpan<byte> data) => -(long)Errno.ENOSPC;
}

/// <summary>/dev/random and /dev/urandom: the host's cryptographic generator; writes are accepted and ignored.</summary>
public sealed class RandomDevice(Location? location, int flags, bool pollable = false) : DeviceFile(location, flags)
{
    /// <summary>Linux gives /dev/random a poll operation (always ready once seeded) and /dev/urandom none.</summary>
    public override bool Pollable => pollable;

    protected override long DoRead(Span<byte> buffer)
    {
        RandomNumberGenerator.Fill(buffer);
        return buffer.Length;
    }

    protected override long DoWrite(ReadOnlySpan<byte> data) => data.Length;
}
