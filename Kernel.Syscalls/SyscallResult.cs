using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Syscalls;

/// <summary>
/// What a handler decided: a value for x0 now (a result or -errno), or a request for a kernel actor whose reply
/// completes the call later (the calling task is parked meanwhile), or an outcome that leaves x0 alone.
/// </summary>
public readonly struct SyscallResult
{
    public long Value { get; }
    public KernelRequest? Request { get; }
    /// <summary>Runs on the task's thread when the reply arrives; turns it into the value for x0.</summary>
    public Func<KernelReply, SyscallResult>? Then { get; }
    /// <summary>The handler set the registers itself (rt_sigreturn, a new image after execve, exit).</summary>
    public bool NoReturnValue { get; }

    private SyscallResult(long value, KernelRequest? request, Func<KernelReply, SyscallResult>? then, bool noReturn)
    {
        Value = value;
        Request = request;
        Then = then;
        NoReturnValue = noReturn;
    }

    public bool IsPending => Request is not null;

    public static implicit operator SyscallResult(long value) => new(value, null, null, false);
    public static implicit operator SyscallResult(Errno errno) => new(-(long)errno, null, null, false);

    public static SyscallResult Error(Errno errno) => new(-(long)errno, null, null, false);
    public static readonly SyscallResult Unchanged = new(0, null, null, true);

    /// <summary>Sends <paramref name="request"/> through the dispatcher; the reply becomes the result.</summary>
    public static SyscallResult Send(KernelRequest request, Func<KernelReply, SyscallResult>? then = null) =>
        new(0, request, then ?? DefaultThen, false);

    private static SyscallResult DefaultThen(KernelReply reply) => reply switch
    {
        Done d => d.Value,
        Failed f => f.Errno,
        _ => Errno.EIO,
    };

    public override string ToString() => IsPending ? $"pending {Request}" : NoReturnValue ? "(no value)" : Value.ToString();
}

/// <summary>A syscall handler: decodes arguments from the context and acts or forwards.</summary>
public delegate SyscallResult SyscallHandler(ISyscallContext ctx);
