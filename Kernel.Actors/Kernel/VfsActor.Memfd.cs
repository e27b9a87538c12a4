using Kernel.Actors.Vfs;
using Kernel.Syscalls;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Protocol;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Actors;

// memfd_create: tmpfs files without a name, on a tmpfs of their own (so copy_file_range to /tmp is EXDEV, as in Linux).
public sealed partial class VfsActor
{
    private const uint MfdCloexec = 1, MfdAllowSealing = 2, MfdHugetlb = 4, MfdNoexecSeal = 8;

    private KernelReply CreateMemfd(CreateMemfd r)
    {
        var process = P(r.Task);
        var mount = (r.Flags & MfdHugetlb) == 0
            ? State.MemfdMount ??= new Mount(sandbox.Vfs, new Tmpfs("tmpfs"), false, null, "")
            : HugetlbMount(HugePages.Size((int)(r.Flags >> 26)));
        bool noExec = (r.Flags & MfdNoexecSeal) != 0;
        var node = TmpRegular.CreateUnlinked((Tmpfs)mount.Fs, noExec ? 0x1B6u /* 0666 */ : 0x1FFu /* 0777 */, process.Creds.Euid, process.Creds.Egid);
        // Sealing starts sealed (F_SEAL_SEAL) unless asked for; MFD_NOEXEC_SEAL allows it and seals exec.
        node.SealMask = noExec ? Seals.Exec : (r.Flags & MfdAllowSealing) != 0 ? 0 : Seals.Seal;
        node.MemfdName = r.Name;
        // A parentless location: its guest path is "/memfd:NAME (deleted)", what Linux shows in /proc/PID/fd and maps.
        var location = new Location(mount, node, null, "memfd:" + r.Name + " (deleted)");
        // No O_LARGEFILE in F_GETFL: the kernel's other opens leave it out too (as qemu-user shows Linux's).
        node.Open(location, O_RDWR, out var file);
        var fd = process.Files.Install(file!, (r.Flags & MfdCloexec) != 0);
        if (fd < 0) file!.DropReference();
        return Result(fd);
    }

    /// <summary>The internal hugetlbfs of one huge page size, made on first use.</summary>
    private Mount HugetlbMount(ulong pageSize)
    {
        if (!State.HugetlbMounts.TryGetValue(pageSize, out var mount))
            State.HugetlbMounts[pageSize] = mount = new Mount(sandbox.Vfs, new Tmpfs("hugetlbfs") { HugePageSize = pageSize }, false, null, "");
        return mount;
    }

    /// <summary>
    /// Whether some live process maps the file shared from a descriptor that could write (Linux's VM_MAYWRITE): such a
    /// mapping could still write, so F_SEAL_WRITE is refused with EBUSY while it exists.
    /// </summary>
    private bool HasWritableSharedMapping(TmpRegular node) =>
        sandbox.AllProcesses().Any(p => p.ExitStatus is null && p.Mm.Vmas.Any(v => v.Backing is { MayWrite: true } b && ReferenceEquals(b.Node, node)));
}
