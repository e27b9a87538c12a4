using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors.Proc;

/// <summary>
/// /proc/[pid]/mem (fs/proc/base.c): the process's memory at file offsets equal to its addresses. Opening it takes the
/// address space the process has then, if the opener may attach to it as ptrace would (PTRACE_MODE_ATTACH_FSCREDS);
/// reads and writes reach any mapped page whatever its protection (FOLL_FORCE), an unmapped address gives EIO, and
/// once that address space is gone (exec, exit) they return 0.
/// </summary>
public sealed class ProcMemNode(Procfs fs, ProcDir parent, KernelProcess owner)
    : ProcNode(fs, ProcDir.ChildKey(parent, "mem"), S_IFREG | 0x180 /* 0600 */, owner)
{
    private const int CapSysPtrace = 19;

    public override long Open(Location location, int flags, out OpenFile? file)
    {
        file = null;
        var p = Owner!;
        if (p.ExitStatus is not null) return -(long)Errno.EACCES; // no mm left to open (mm_access finds none)
        if (CurrentTask.Task is { } caller && !MayAttach(caller, p)) return -(long)Errno.EACCES;
        file = new ProcMemFile(location, flags, p, p.Mm);
        return 0;
    }

    /// <summary>
    /// __ptrace_may_access in PTRACE_MODE_ATTACH_FSCREDS mode: the same thread group; or CAP_SYS_PTRACE, or filesystem ids
    /// equal to the target's real, effective and saved ids with a dumpable target and no capability the caller lacks.
    /// </summary>
    internal static bool MayAttach(KernelTask caller, KernelProcess target)
    {
        if (ReferenceEquals(caller.Process, target)) return true;
        if (caller.Settings.Has(CapSysPtrace)) return true;
        var c = caller.Process.Creds;
        var t = target.Creds;
        if (c.Fsuid != t.Uid || c.Fsuid != t.Euid || c.Fsuid != t.Suid || c.Fsgid != t.Gid || c.Fsgid != t.Egid || c.Fsgid != t.Sgid) return false;
        var permitted = target.Threads.FirstOrDefault()?.Settings.CapPermitted ?? 0;
        return target.Settings.Dumpable && (permitted & ~caller.Settings.CapPermitted) == 0;
    }
}

/// <summary>An open /proc/[pid]/mem: the address space it was opened on, and a position that is an address.</summary>
public sealed class ProcMemFile : OpenFile
{
    private readonly object _lock = new();
    private readonly KernelProcess _process;
    private readonly AddressSpace _mm;
    private long _pos;

    internal ProcMemFile(Location location, int flags, KernelProcess process, AddressSpace mm) : base(location, flags)
    {
        _process = process;
        _mm = mm;
    }

    public override long Read(Span<byte> buffer)
    {
        if (!CanRead) return -(long)Errno.EBADF;
        lock (_lock)
        {
            var n = Access(buffer, _pos, write: false);
            if (n > 0) _pos += n;
            return n;
        }
    }

    public override long PRead(Span<byte> buffer, long offset) => CanRead ? Access(buffer, offset, write: false) : -(long)Errno.EBADF;

    public override long Write(ReadOnlySpan<byte> data)
    {
        if (!CanWrite) return -(long)Errno.EBADF;
        lock (_lock)
        {
            var n = Access(data.ToArray(), _pos, write: true);
            if (n > 0) _pos += n;
            return n;
        }
    }

    public override long PWrite(ReadOnlySpan<byte> data, long offset) => CanWrite ? Access(data.ToArray(), offset, write: true) : -(long)Errno.EBADF;

    /// <summary>mem_lseek: SEEK_SET and SEEK_CUR only, to any address.</summary>
    public override long Seek(long offset, int whence)
    {
        lock (_lock)
        {
            switch (whence)
            {
                case SEEK_SET: _pos = offset; break;
                case SEEK_CUR: _pos += offset; break;
                default: return -(long)Errno.EINVAL;
            }
            return _pos;
        }
    }

    /// <summary>mem_rw: what could be copied, EIO when nothing could, 0 when the address space is gone.</summary>
    private long Access(Span<byte> buffer, long offset, bool write)
    {
        if (buffer.Length == 0) return 0;
        if (_process.ExitStatus is not null || !ReferenceEquals(_process.Mm, _mm)) return 0;
        var n = _mm.AccessRemote((ulong)offset, buffer, write, force: true, out var code);
        if (code)
        {
            var (at, len) = ((ulong)offset, (ulong)n);
            _process.Runner?.Post(() => _mm.Cpu.InvalidateCode(at, len)); // translated code of those pages goes on the owner's thread
        }
        return n == 0 ? -(long)Errno.EIO : n;
    }
}
