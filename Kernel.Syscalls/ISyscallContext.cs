using Kernel.Syscalls.Abi;

namespace Kernel.Syscalls;

/// <summary>The view a handler has of the calling task: its arguments, its memory and its kernel state.</summary>
public interface ISyscallContext
{
    /// <summary>The arm64 syscall number (x8).</summary>
    int Number { get; }

    /// <summary>The raw argument registers x0..x5.</summary>
    ulong Arg(int index);

    /// <summary>The calling task's address space: every copy in or out checks the mapping (EFAULT).</summary>
    IGuestMemory Memory { get; }

    /// <summary>The calling task's kernel state, for fast paths that stay on the task's thread.</summary>
    IKernelTask Task { get; }
}

/// <summary>Copies between the kernel and a guest address space. Unmapped or protected addresses give EFAULT.</summary>
public interface IGuestMemory
{
    Errno Read(ulong address, Span<byte> destination);
    Errno Write(ulong address, ReadOnlySpan<byte> source);

    /// <summary>Reads a NUL-terminated string of fewer than <paramref name="maxLength"/> bytes (ENAMETOOLONG otherwise).</summary>
    Errno ReadCString(ulong address, int maxLength, out string value);

    /// <summary>Direct access to guest memory for zero-copy I/O, after checking [address, address+length) allows it.</summary>
    Errno GetSpan(ulong address, int length, bool write, out Span<byte> span);

    /// <summary>How many bytes from <paramref name="address"/> (at most <paramref name="length"/>) are accessible.</summary>
    int AccessibleLength(ulong address, int length, bool write);
}

/// <summary>An open file's operations that may run on the task's thread (they never wait: -EAGAIN instead).</summary>
public interface IFastFile
{
    int StatusFlags { get; }
    long Read(Span<byte> buffer);
    long Write(ReadOnlySpan<byte> data);
    long PRead(Span<byte> buffer, long offset);
    long PWrite(ReadOnlySpan<byte> data, long offset);
    /// <summary>The readiness now (poll bits), so that poll/select/epoll_wait that need not wait stay on the task's thread.</summary>
    int PollEvents() => Abi.Poll.DefaultMask;
}

public static class FastFileExtensions
{
    /// <summary>One read or write, at the file offset (<paramref name="offset"/> &lt; 0) or at an explicit one.</summary>
    public static long Transfer(this IFastFile file, Span<byte> span, long offset, bool write) => write
        ? (offset < 0 ? file.Write(span) : file.PWrite(span, offset))
        : (offset < 0 ? file.Read(span) : file.PRead(span, offset));
}

/// <summary>What handlers may touch of the calling task without a round trip to an actor.</summary>
public interface IKernelTask
{
    int Tid { get; }
    int Pid { get; }
    int Ppid { get; }
    int Pgid { get; }
    int Sid { get; }
    uint Uid { get; }
    uint Euid { get; }
    uint Gid { get; }
    uint Egid { get; }

    /// <summary>The open file at <paramref name="fd"/>, or null (EBADF).</summary>
    IFastFile? File(int fd);

    int Umask { get; set; }
    ulong ClearChildTid { get; set; }
    ulong RobustList { get; set; }
    ulong RobustListLength { get; set; }
    ulong SignalMask { get; set; }
    ulong Rseq { get; set; }
    (ulong Sp, int Flags, ulong Size) AltStack { get; set; }

    /// <summary>Ends this thread (exit).</summary>
    void ExitThread(int code);

    /// <summary>Ends the whole thread group (exit_group).</summary>
    void ExitGroup(int code);

    /// <summary>Parks the task on a futex word; a later <see cref="FutexWake"/> or the timeout wakes it.</summary>
    SyscallResult FutexWait(ulong address, uint expected, uint bitset, TimeSpan? timeout);
    int FutexWake(ulong address, int count, uint bitset);
}
