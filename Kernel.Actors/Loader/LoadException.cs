using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Loader;

/// <summary>exec could not load the image; <see cref="Errno"/> is what execve returns.</summary>
public sealed class LoadException(Errno errno, string message) : Exception(message)
{
    public Errno Errno { get; } = errno;
}
