namespace Kernel.Syscalls.Protocol;

/// <summary>Namespace calls, served by the VFS actor (a new mount namespace copies its mount table).</summary>
public abstract record NamespaceRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>unshare(2) with its CLONE_* flags already checked for unknown bits.</summary>
public sealed record UnshareContext(IKernelTask Task, ulong Flags) : NamespaceRequest(Task);

/// <summary>clone(CLONE_NEWNS): a copy of the caller's filesystem context in a copy of its mount namespace.</summary>
public sealed record CopyMountNamespace(IKernelTask Task) : NamespaceRequest(Task);

/// <summary>The filesystem context for the new process (opaque to the handler, which hands it to the clone).</summary>
public sealed record MountNamespaceCopied(object Fs) : KernelReply;

/// <summary>vhangup(2): the caller's controlling terminal hangs up (its session leader gets SIGHUP, its open files hang up).</summary>
public sealed record HangUpControllingTerminal(IKernelTask Task) : VfsRequest(Task);

/// <summary>setns(2): the namespace descriptor (or pidfd) and the kinds the caller expects.</summary>
public sealed record JoinNamespace(IKernelTask Task, int Fd, ulong NsType) : NamespaceRequest(Task);
