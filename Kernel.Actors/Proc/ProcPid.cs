using System.Globalization;
using System.Text;
using Kernel.Actors.Tasks;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Actors.Proc.ProcModes;

namespace Kernel.Actors.Proc;

/// <summary>/proc/[pid] and /proc/[pid]/task/[tid]: one directory per process (and per thread) of the sandbox.</summary>
internal static class ProcPid
{
    private const int TaskCommLength = 16;

    private static readonly string[] TaskEntries =
    [
        "auxv", "cgroup", "cmdline", "comm", "cwd", "environ", "exe", "fd", "fdinfo", "limits", "maps", "mem", "mountinfo", "mounts",
        "ns", "oom_score", "oom_score_adj", "root", "stat", "statm", "status", "wchan",
    ];

    private static readonly string[] ProcessEntries = [.. TaskEntries, "task", "timens_offsets"];

    /// <summary>/proc/PID; <paramref name="thread"/> is the thread it is seen from when it was found by a thread id.</summary>
    public static ProcDir ProcessDir(Procfs fs, ProcDir parent, string name, KernelProcess p, KernelTask? thread) =>
        Directory(fs, parent, name, p, thread, ProcessEntries);

    private static ProcDir Directory(Procfs fs, ProcDir parent, string name, KernelProcess p, KernelTask? thread, string[] entries) =>
        new(fs, parent, name, Dir, p, () => fs.IsAlive(p) ? entries : [],
            (d, n) => fs.IsAlive(p) && entries.Contains(n) ? Entry(fs, d, n, p, thread) : null);

    private static ProcNode? Entry(Procfs fs, ProcDir d, string name, KernelProcess p, KernelTask? thread)
    {
        ProcFile File(uint perm, Func<string> text) =>
            new(fs, d, name, perm, p, () => ProcRoot.Bytes(text()), ProcWriteKind.Einval);
        ProcFile Binary(uint perm, Func<byte[]> data) => new(fs, d, name, perm, p, data, ProcWriteKind.Einval);
        return name switch
        {
            "auxv" => Binary(OwnerRead, () => p.ExitStatus is null ? p.Mm.Layout.AuxvBytes() : []),
            "cgroup" => File(ReadOnly, () => "0::/\n"),
            "cmdline" => Binary(ReadOnly, () => ProcPidFiles.Cmdline(p)),
            "comm" => new ProcFile(fs, d, name, ReadWrite, p, () => ProcRoot.Bytes(p.Comm + "\n"), ProcWriteKind.Handler, () => CommWriter(p)),
            "cwd" => new ProcMagicLink(fs, d, name, AnyLink, p, () => p.Fs.Cwd, () => Describe(p.Fs.Cwd)),
            "environ" => Binary(OwnerRead, () => ProcPidFiles.Environ(p)),
            "exe" => new ProcMagicLink(fs, d, name, AnyLink, p, () => p.Executable,
                () => p.Executable is { } exe ? Describe(exe) : null),
            "fd" => FdDirectory(fs, d, p),
            "fdinfo" => FdInfoDirectory(fs, d, p),
            "limits" => File(ReadOnly, () => ProcPidFiles.Limits(p)),
            "maps" => File(ReadOnly, () => ProcPidFiles.Maps(p)),
            "mem" => new ProcMemNode(fs, d, p),
            "mountinfo" => File(ReadOnly, () => ProcPidFiles.MountInfo(fs, p)),
            "mounts" => File(ReadOnly, () => ProcPidFiles.Mounts(fs, p)),
            "ns" => NsDirectory(fs, d, p),
            "oom_score" => File(ReadOnly, () => "0\n"),
            "oom_score_adj" => new ProcFile(fs, d, name, ReadWrite, p, () => ProcRoot.Bytes(ProcRoot.Invariant(p.OomScoreAdj) + "\n"),
                ProcWriteKind.Handler, () => OomScoreAdjWriter(p)),
            "root" => new ProcMagicLink(fs, d, name, AnyLink, p, () => p.Fs.Root, () => Describe(p.Fs.Root)),
            "stat" => File(ReadOnly, () => ProcPidFiles.Stat(p, thread)),
            "statm" => File(ReadOnly, () => ProcPidFiles.Statm(p)),
            "status" => File(ReadOnly, () => ProcPidFiles.Status(p, thread)),
            "task" => TaskDirectory(fs, d, p),
            "timens_offsets" => new ProcFile(fs, d, name, ReadWrite, p, () => ProcRoot.Bytes(ProcTimens.Show(p)), ProcWriteKind.Handler,
                () => ProcTimens.Writer(p)),
            "wchan" => File(ReadOnly, () => "0"),
            _ => null,
        };
    }

    private static ProcDir TaskDirectory(Procfs fs, ProcDir parent, KernelProcess p) =>
        new(fs, parent, "task", Dir, p, () => p.Threads.Select(t => ProcRoot.Invariant(t.Tid)),
            (d, n) => p.Threads.FirstOrDefault(t => ProcRoot.Invariant(t.Tid) == n) is { } t
                ? Directory(fs, d, n, p, t, TaskEntries) : null);

    // ---- ns ----

    /// <summary>/proc/PID/ns: one magic link per namespace, "kind:[inode]", leading to the namespace's nsfs inode.</summary>
    private static ProcDir NsDirectory(Procfs fs, ProcDir parent, KernelProcess p) =>
        new(fs, parent, "ns", OwnerDir | 0x49 /* r-x for all, as Linux's 0511 */, p, () => NsEntries(p).Select(e => e.Name).Order(StringComparer.Ordinal),
            (d, n) => NsEntries(p).FirstOrDefault(e => e.Name == n) is { Name: not null } e
                ? new ProcMagicLink(fs, d, n, AnyLink, p, () => NsLocation(fs, e.Target, e.Kind, e.Ino), () => $"{e.Kind}:[{e.Ino}]")
                : null);

    private static IEnumerable<(string Name, string Kind, uint Ino, object Target)> NsEntries(KernelProcess p)
    {
        if (p.Fs.Root.Mount.Namespace is { } mnt) yield return ("mnt", "mnt", mnt.Ino, mnt);
        foreach (var (name, ns) in p.Namespaces.Entries()) yield return (name, ns.Kind, ns.Ino, ns);
    }

    private static Location NsLocation(Procfs fs, object target, string kind, uint ino)
    {
        var mount = fs.AnonMount.Vfs.NsMount;
        return new Location(mount, ((Nsfs)mount.Fs).InodeOf(target, kind, ino), null, $"{kind}:[{ino}]");
    }

    // ---- fd and fdinfo ----

    private static IEnumerable<string> FdNames(KernelProcess p) => p.Files.All().Select(e => ProcRoot.Invariant(e.Fd));

    private static OpenFile? FileAt(KernelProcess p, string name) =>
        int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var fd) && ProcRoot.Invariant(fd) == name
            ? p.Files.GetFile(fd) : null;

    /// <summary>/proc/PID/fd: dr-x------, one magic link per descriptor, l with r-x/-wx/rwx as the file was opened.</summary>
    private static ProcDir FdDirectory(Procfs fs, ProcDir parent, KernelProcess p) =>
        new(fs, parent, "fd", OwnerDir, p, () => FdNames(p), (d, n) =>
        {
            if (FileAt(p, n) is not { } file) return null;
            uint perm = (file.CanRead ? 0x140u : 0) | (file.CanWrite ? 0xC0u : 0); // S_IRUSR|S_IXUSR, S_IWUSR|S_IXUSR
            return new ProcMagicLink(fs, d, n, perm, p, () => file.Location ?? AnonFileInode.At(fs, file, p),
                () => file.Location is { } loc ? Describe(loc) : file.AnonymousName, size: 64);
        });

    private static ProcDir FdInfoDirectory(Procfs fs, ProcDir parent, KernelProcess p) =>
        new(fs, parent, "fdinfo", Dir, p, () => FdNames(p), (d, n) =>
            FileAt(p, n) is null ? null : new ProcFile(fs, d, n, ReadOnly, p, () =>
                ProcRoot.Bytes(p.Files.Get(int.Parse(n, CultureInfo.InvariantCulture)) is { } e ? ProcPidFiles.FdInfo(e) : ""),
                ProcWriteKind.Einval));

    /// <summary>A path as a link names it: a file whose last name was removed shows " (deleted)", as Linux's d_path.</summary>
    internal static string Describe(Location loc)
    {
        if (loc.Mount.Fs is AnonFs) return loc.Name; // an O_PATH open of a pipe's link: "pipe:[N]", not a path
        var path = loc.GuestPath;
        // Memfds and other parentless files carry the suffix in their name already.
        if (!loc.IsDirectory && !path.EndsWith(" (deleted)", StringComparison.Ordinal) && loc.Inode.Stat(out var st) >= 0 && st.Nlink == 0)
            path += " (deleted)";
        return path;
    }

    // ---- writable files ----

    /// <summary>comm: a thread of the same process may rename it (15 bytes kept, as TASK_COMM_LEN); others get EINVAL.</summary>
    private static ProcWriter CommWriter(KernelProcess p)
    {
        var opener = CurrentTask.Task?.Process;
        return data =>
        {
            if (!ReferenceEquals(opener, p)) return -(long)Errno.EINVAL;
            var name = data[..Math.Min(data.Length, TaskCommLength - 1)];
            var nul = name.IndexOf((byte)0);
            p.Comm = Encoding.UTF8.GetString(nul < 0 ? name : name[..nul]);
            return data.Length;
        };
    }

    /// <summary>oom_score_adj: an integer in [-1000, 1000]; lowering it below zero needs root (CAP_SYS_RESOURCE).</summary>
    private static ProcWriter OomScoreAdjWriter(KernelProcess p)
    {
        var privileged = CurrentTask.Task?.Process.Creds.IsRoot ?? false;
        return data =>
        {
            var text = Encoding.ASCII.GetString(data[..Math.Min(data.Length, 24)]).Trim();
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value is < -1000 or > 1000)
                return -(long)Errno.EINVAL;
            if (value < Math.Min(p.OomScoreAdj, 0) && !privileged) return -(long)Errno.EACCES;
            p.OomScoreAdj = value;
            return data.Length;
        };
    }
}
