namespace Kernel.Syscalls.Protocol;

/// <summary>Namespace calls, served by the VFS actor (a new mount namespace copies its mount table).</summary>
public abstract record NamespaceRequest(IKernelTask Task) : VfsRequest(Task);

/// <summary>unshare(2) with its CLONE_* flags already checked for unknown bits.</summary>
public sealed record UnshareContext(IKernelTask Task, ulong Flags) : NamespaceRequest(Task);

/// <summary>setns(2): the namespace descriptor (or pidfd) and the kinds the caller expects.</summary>
public sealed record JoinNamespace(IKernelTask Task, int Fd, ulong NsType) : NamespaceRequest(Task);
