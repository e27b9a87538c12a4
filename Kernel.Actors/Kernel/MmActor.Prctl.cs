using System.Buffers.Binary;
using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;

namespace Kernel.Actors;

/// <summary>The prctl options that belong to the address space (kernel/sys.c's prctl_set_mm, prctl_set_vma, MDWE, KSM, auxv).</summary>
public sealed partial class MmActor
{
    public const int PrSetMm = 35, PrSetMdwe = 65, PrGetMdwe = 66, PrSetMemoryMerge = 67, PrGetMemoryMerge = 68;
    public const int PrSetVma = 0x53564d41, PrGetAuxv = 0x41555856;
    private const int SetMmStartCode = 1, SetMmEndCode = 2, SetMmStartData = 3, SetMmEndData = 4, SetMmStartStack = 5,
        SetMmStartBrk = 6, SetMmBrk = 7, SetMmArgStart = 8, SetMmArgEnd = 9, SetMmEnvStart = 10, SetMmEnvEnd = 11,
        SetMmAuxv = 12, SetMmExeFile = 13, SetMmMap = 14, SetMmMapSize = 15;
    /// <summary>TASK_SIZE of arm64 with 48-bit addresses: PR_SET_MM checks addresses against it.</summary>
    private const ulong TaskSize = 1UL << 48;
    /// <summary>sizeof(struct prctl_mm_map): eleven addresses, the auxv pointer, auxv_size and exe_fd.</summary>
    private const int MmMapSize = 104;
    private const int AuxvBytes = MmLayout.AuxvWords * 8;
    private const int CapCheckpointRestore = 40;

    private static long HandlePrctl(PrctlMm r)
    {
        var task = (KernelTask)r.Task;
        var mm = task.Process.Mm;
        switch (r.Option)
        {
            case PrSetMm:
                return SetMm(task, (int)r.Arg2, r.Arg3, r.Arg4, r.Arg5);
            case PrGetAuxv:
            {
                if (r.Arg4 != 0 || r.Arg5 != 0) return -(long)Errno.EINVAL;
                var size = (int)Math.Min((ulong)AuxvBytes, r.Arg3);
                var bytes = new byte[AuxvBytes];
                Buffer.BlockCopy(mm.Layout.SavedAuxv, 0, bytes, 0, AuxvBytes);
                if (size > 0 && mm.Write(r.Arg2, bytes.AsSpan(0, size)) != Errno.None) return -(long)Errno.EFAULT;
                return AuxvBytes;
            }
            case PrSetVma:
                return r.Arg2 == 0 /* PR_SET_VMA_ANON_NAME */ ? NameAnonymous(mm, r.Arg3, r.Arg4, r.Arg5) : -(long)Errno.EINVAL;
            case PrSetMdwe:
            {
                const ulong RefuseExecGain = 1, NoInherit = 2;
                if (r.Arg3 != 0 || r.Arg4 != 0 || r.Arg5 != 0) return -(long)Errno.EINVAL;
                var bits = r.Arg2;
                if ((bits & ~(RefuseExecGain | NoInherit)) != 0) return -(long)Errno.EINVAL;
                if ((bits & NoInherit) != 0 && (bits & RefuseExecGain) == 0) return -(long)Errno.EINVAL; // NO_INHERIT goes with REFUSE_EXEC_GAIN
                if (mm.MdweBits != 0 && (ulong)mm.MdweBits != bits) return -(long)Errno.EPERM; // set once, never unset
                mm.MdweBits = (int)bits;
                return 0;
            }
            case PrGetMdwe:
                if (r.Arg2 != 0 || r.Arg3 != 0 || r.Arg4 != 0 || r.Arg5 != 0) return -(long)Errno.EINVAL;
                return mm.MdweBits;
            case PrSetMemoryMerge:
                if (r.Arg3 != 0 || r.Arg4 != 0 || r.Arg5 != 0) return -(long)Errno.EINVAL;
                mm.MergeAny = r.Arg2 != 0;
                return 0;
            case 55: // PR_SET_TAGGED_ADDR_CTRL (checked by the handler): the thread's flag, and the address space's untagging
                task.Settings.TaggedAddr = r.Arg2 != 0;
                mm.UntagsPointers = task.Process.Threads.Any(t => t.Settings.TaggedAddr);
                return 0;
            case PrGetMemoryMerge:
                if (r.Arg2 != 0 || r.Arg3 != 0 || r.Arg4 != 0 || r.Arg5 != 0) return -(long)Errno.EINVAL;
                return mm.MergeAny ? 1 : 0;
            default:
                return -(long)Errno.EINVAL;
        }
    }

    /// <summary>prctl_set_mm: one boundary (CAP_SYS_RESOURCE), the auxv, the executable, or all at once (PR_SET_MM_MAP).</summary>
    private static long SetMm(KernelTask task, int opt, ulong addr, ulong arg4, ulong arg5)
    {
        var mm = task.Process.Mm;
        if (arg5 != 0 || (arg4 != 0 && opt is not (SetMmAuxv or SetMmMap or SetMmMapSize))) return -(long)Errno.EINVAL;
        if (opt == SetMmMapSize)
            return mm.Write(addr, BitConverter.GetBytes((uint)MmMapSize)) == Errno.None ? 0 : -(long)Errno.EFAULT;
        if (opt == SetMmMap) return SetWholeLayout(task, addr, arg4);
        if (!task.Settings.Has(Capabilities.SysResource)) return -(long)Errno.EPERM;
        if (opt == SetMmExeFile) return SetExeFile(task, (int)(uint)addr);
        if (opt == SetMmAuxv)
        {
            if (arg4 > AuxvBytes) return -(long)Errno.EINVAL;
            var bytes = new byte[arg4];
            if (mm.Read(addr, bytes) != Errno.None) return -(long)Errno.EFAULT;
            // Only the bytes given replace the saved vector's; its last entry stays AT_NULL.
            Buffer.BlockCopy(bytes, 0, mm.Layout.SavedAuxv, 0, bytes.Length);
            mm.Layout.SavedAuxv[^1] = mm.Layout.SavedAuxv[^2] = 0;
            return 0;
        }
        if (addr >= TaskSize || addr < AddressSpace.MinAddress) return -(long)Errno.EINVAL;
        var map = mm.Layout.Copy();
        switch (opt)
        {
            case SetMmStartCode: map.StartCode = addr; break;
            case SetMmEndCode: map.EndCode = addr; break;
            case SetMmStartData: map.StartData = addr; break;
            case SetMmEndData: map.EndData = addr; break;
            case SetMmStartStack: map.StartStack = addr; break;
            case SetMmStartBrk: map.StartBrk = addr; break;
            case SetMmBrk: map.Brk = addr; break;
            case SetMmArgStart: map.ArgStart = addr; break;
            case SetMmArgEnd: map.ArgEnd = addr; break;
            case SetMmEnvStart: map.EnvStart = addr; break;
            case SetMmEnvEnd: map.EnvEnd = addr; break;
            default: return -(long)Errno.EINVAL;
        }
        if (!ValidLayout(task, map)) return -(long)Errno.EINVAL;
        // The stack, argument and environment boundaries must lie below some area's end (find_vma).
        if (opt is SetMmStartStack or SetMmArgStart or SetMmArgEnd or SetMmEnvStart or SetMmEnvEnd && !mm.Vmas.Any(v => v.End > addr))
            return -(long)Errno.EFAULT;
        map.SavedAuxv = mm.Layout.SavedAuxv;
        mm.Layout = map;
        return 0;
    }

    /// <summary>validate_prctl_map_addr: every boundary within [mmap_min_addr, TASK_SIZE), pairs in order, RLIMIT_DATA kept.</summary>
    private static bool ValidLayout(KernelTask task, MmLayout m)
    {
        ulong[] all = [m.StartCode, m.EndCode, m.StartData, m.EndData, m.StartBrk, m.Brk, m.StartStack, m.ArgStart, m.ArgEnd, m.EnvStart, m.EnvEnd];
        if (all.Any(v => v >= TaskSize || v < AddressSpace.MinAddress)) return false;
        if (!(m.StartCode < m.EndCode && m.StartData <= m.EndData && m.StartBrk <= m.Brk && m.ArgStart <= m.ArgEnd && m.EnvStart <= m.EnvEnd)) return false;
        var limit = task.Process.GetLimit(RlimitData).Cur;
        return limit == ulong.MaxValue || (m.Brk - m.StartBrk) + (m.EndData - m.StartData) <= limit;
    }

    /// <summary>PR_SET_MM_MAP: the whole struct prctl_mm_map at once; its exe_fd needs CAP_SYS_ADMIN or CAP_CHECKPOINT_RESTORE.</summary>
    private static long SetWholeLayout(KernelTask task, ulong addr, ulong size)
    {
        var mm = task.Process.Mm;
        if (size != MmMapSize) return -(long)Errno.EINVAL;
        var raw = new byte[MmMapSize];
        if (mm.Read(addr, raw) != Errno.None) return -(long)Errno.EFAULT;
        ulong F(int i) => BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(8 * i));
        var map = new MmLayout
        {
            StartCode = F(0), EndCode = F(1), StartData = F(2), EndData = F(3), StartBrk = F(4), Brk = F(5), StartStack = F(6),
            ArgStart = F(7), ArgEnd = F(8), EnvStart = F(9), EnvEnd = F(10), SavedAuxv = mm.Layout.SavedAuxv,
        };
        ulong auxv = F(11);
        var auxvSize = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(96));
        var exeFd = BinaryPrimitives.ReadUInt32LittleEndian(raw.AsSpan(100));
        if (!ValidLayout(task, map)) return -(long)Errno.EINVAL;
        if (auxvSize != 0)
        {
            if (auxv == 0 || auxvSize > AuxvBytes) return -(long)Errno.EINVAL;
            var bytes = new byte[auxvSize];
            if (mm.Read(auxv, bytes) != Errno.None) return -(long)Errno.EFAULT;
            map.SavedAuxv = new ulong[MmLayout.AuxvWords];
            Buffer.BlockCopy(bytes, 0, map.SavedAuxv, 0, bytes.Length);
            map.SavedAuxv[^1] = map.SavedAuxv[^2] = 0;
        }
        if (exeFd != uint.MaxValue)
        {
            if (!task.Settings.Has(Capabilities.SysAdmin) && !task.Settings.Has(CapCheckpointRestore)) return -(long)Errno.EPERM;
            var e = SetExeFile(task, (int)exeFd);
            if (e < 0) return e;
        }
        mm.Layout = map;
        return 0;
    }

    /// <summary>
    /// PR_SET_MM_EXE_FILE (prctl_set_mm_exe_file, replace_mm_exe_file): a regular file the caller may execute on an exec
    /// mount replaces /proc/[pid]/exe, but only once the old executable is no longer mapped (EBUSY).
    /// </summary>
    private static long SetExeFile(KernelTask task, int fd)
    {
        var p = task.Process;
        var file = p.Files.GetFile(fd);
        if (file is null) return -(long)Errno.EBADF;
        if (file.Location is not { } loc || !loc.Inode.IsRegular || (loc.Mount.Flags & MountFlags.NoExec) != 0) return -(long)Errno.EACCES;
        if (Permission.Check(loc.Inode, p.Creds, Permission.MayExec) < 0) return -(long)Errno.EACCES;
        if (p.Executable is { } old && old.Inode.Stat(out var st) >= 0 && p.Mm.Vmas.Any(v => v.Ino == st.Ino && v.Dev == st.Dev))
            return -(long)Errno.EBUSY;
        if (loc.Inode.IsOpenForWrite) return -(long)Errno.EACCES; // deny_write_access
        Sandbox.SetExecutable(p, loc);
        return 0;
    }

    /// <summary>
    /// PR_SET_VMA_ANON_NAME (madvise_set_anon_name): names the anonymous areas of [start, start+length) for
    /// /proc/[pid]/maps; a name of printable characters but \`$[] and at most 79 of them, or none to clear it.
    /// A file mapping in the range is EBADF; a hole ENOMEM, after the areas around it were named.
    /// </summary>
    private static long NameAnonymous(AddressSpace mm, ulong start, ulong length, ulong namePointer)
    {
        string? name = null;
        if (namePointer != 0)
        {
            var e = mm.ReadCString(namePointer, 80, out var text);
            if (e == Errno.ENAMETOOLONG) return -(long)Errno.EINVAL;
            if (e != Errno.None) return -(long)Errno.EFAULT;
            if (text.Any(ch => ch <= 0x1f || ch >= 0x7f || "\\`$[]".Contains(ch))) return -(long)Errno.EINVAL;
            name = text;
        }
        if ((start & (AddressSpace.PageSize - 1)) != 0) return -(long)Errno.EINVAL;
        var len = AddressSpace.PageUp(length);
        if (length != 0 && len == 0) return -(long)Errno.EINVAL;
        var end = start + len;
        if (end < start) return -(long)Errno.EINVAL;
        if (end == start) return 0;
        var covered = start;
        var result = 0L;
        foreach (var v in mm.Vmas.Where(v => v.End > start && v.Start < end).ToList())
        {
            if (v.Start > covered) result = -(long)Errno.ENOMEM;
            if (v.Ino != 0 && !IsAnonymousShmem(v)) return -(long)Errno.EBADF;
            mm.SetAnonName(Math.Max(v.Start, start), Math.Min(v.End, end), name);
            covered = v.End;
        }
        return covered < end ? -(long)Errno.ENOMEM : result;
    }

    private static bool IsAnonymousShmem(Vma v) => v.Backing is not null && v.Name == "/dev/zero (deleted)";
}
