using System.Security.Cryptography;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>Builds /dev: a tmpfs-like tree holding the standard character devices and links.</summary>
public static class Devfs
{
    /// <summary>The character devices every devfs has, whatever instance: name, mode, major, minor and how to open one.</summary>
    private static readonly (string Name, uint Perm, uint Major, uint Minor, OpenDevice Open)[] Standard =
    [
        ("null", 0x1B6 /* 0666 */, 1, 3, (Location loc, int flags, out OpenFile? file) => Made(new NullDevice(loc, flags), out file)),
        ("zero", 0x1B6 /* 0666 */, 1, 5, (Location loc, int flags, out OpenFile? file) => Made(new ZeroDevice(loc, flags), out file)),
        ("full", 0x1B6 /* 0666 */, 1, 7, (Location loc, int flags, out OpenFile? file) => Made(new FullDevice(loc, flags), out file)),
        ("random", 0x1B6 /* 0666 */, 1, 8, (Location loc, int flags, out OpenFile? file) => Made(new RandomDevice(loc, flags, pollable: true), out file)),
        ("urandom", 0x1B6 /* 0666 */, 1, 9, (Location loc, int flags, out OpenFile? file) => Made(new RandomDevice(loc, flags), out file)),
        ("tty", 0x1B6 /* 0666 */, 5, 0, OpenControllingTerminal),
        ("console", 0x180 /* 0600 */, 5, 1, OpenConsole),
    ];

    private static long Made(OpenFile made, out OpenFile? file)
    {
        file = made;
        return 0;
    }

    /// <summary>
    /// Opens a character device node made with mknod anywhere (tmpfs): the standard device of that number, as
    /// Linux's chrdev_open finds the driver by number; ENXIO for a number without one (/dev/ptmx's 5:2 too, as
    /// each devpts instance has its own).
    /// </summary>
    public static long OpenByNumber(ulong rdev, Location location, int flags, out OpenFile? file)
    {
        file = null;
        foreach (var d in Standard)
            if (StatInfo.MakeDev(d.Major, d.Minor) == rdev) return d.Open(location, flags, out file);
        return -(long)Errno.ENXIO;
    }

    /// <summary>A new devfs whose /dev/ptmx opens ptys of <paramref name="devpts"/> (to be mounted on its "pts").</summary>
    public static Tmpfs Create(Devpts devpts)
    {
        var fs = new Tmpfs("devtmpfs", 0x1ED /* 0755 */);
        var root = (TmpDirectory)fs.Root;
        foreach (var d in Standard) root.AddDevice(d.Name, d.Perm, d.Major, d.Minor, d.Open);
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
