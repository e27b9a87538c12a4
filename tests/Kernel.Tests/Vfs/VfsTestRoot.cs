using System.Text;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Tests.Vfs;

/// <summary>A temporary host directory laid out as a small guest root, and a VFS over it.</summary>
public sealed class VfsTestRoot : IDisposable
{
    public string HostDir { get; }
    public string? BindDir { get; }
    public VirtualFileSystem Vfs { get; }
    public FsContext Root { get; }
    public FsContext User { get; }

    public static readonly Credentials UserCreds = new(1000, 1000, 1000, 1000, Array.Empty<uint>());

    public VfsTestRoot(bool withBind = false, RootFsMode mode = RootFsMode.ReadOnly)
    {
        HostDir = Directory.CreateTempSubdirectory("vfs-root-").FullName;
        Chmod(HostDir, Rwxr_xr_x); // temp dirs are 0700: the guest root must be searchable by everyone
        Directory.CreateDirectory(P("etc"));
        File.WriteAllText(P("etc/passwd"), "guest-passwd\n");
        File.WriteAllText(P("etc/hostname"), "guest-host\n");
        Directory.CreateDirectory(P("usr/lib"));
        File.WriteAllText(P("usr/lib/libx.so"), "library");
        Directory.CreateDirectory(P("bin"));
        File.WriteAllText(P("bin/sh"), "#!");
        Chmod(P("bin/sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
            UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        File.CreateSymbolicLink(P("lib"), "usr/lib");
        File.CreateSymbolicLink(P("abs"), "/etc/hostname");
        File.CreateSymbolicLink(P("escape"), "../../../../etc/passwd");
        File.CreateSymbolicLink(P("escape-dir"), "../../../../../..");
        File.CreateSymbolicLink(P("loop1"), "loop2");
        File.CreateSymbolicLink(P("loop2"), "loop1");
        File.CreateSymbolicLink(P("dangling"), "nonexistent");
        File.CreateSymbolicLink(P("usr/up"), "../etc");
        Directory.CreateDirectory(P("tmp"));
        Directory.CreateDirectory(P("dev"));
        Directory.CreateDirectory(P("mnt"));
        Directory.CreateDirectory(P("secret"));
        File.WriteAllText(P("secret/key"), "k");
        Chmod(P("secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(P("file.txt"), "hello world");
        Directory.CreateDirectory(P("dir/sub"));
        File.WriteAllText(P("dir/sub/leaf"), "leaf");

        var binds = new List<(string, string)>();
        if (withBind)
        {
            BindDir = Directory.CreateTempSubdirectory("vfs-bind-").FullName;
            Chmod(BindDir, Rwxr_xr_x);
            File.WriteAllText(Path.Combine(BindDir, "data.txt"), "bound");
            binds.Add((BindDir, "/mnt"));
        }
        long r = VirtualFileSystem.Create(HostDir, binds, out var vfs, mode);
        Assert.Equal(0, r);
        Vfs = vfs!;
        Root = Vfs.NewContext(Credentials.Root);
        User = Vfs.NewContext(UserCreds);
    }

    private const UnixFileMode Rwxr_xr_x = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private static void Chmod(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsLinux()) File.SetUnixFileMode(path, mode);
    }

    private string P(string rel) => Path.Combine(HostDir, rel);

    public static long Err(Errno e) => -(long)e;

    public OpenFile Open(FsContext ctx, string path, int flags = O_RDONLY, int mode = 0x1A4 /* 0644 */)
    {
        long r = Vfs.Open(ctx, null, path, flags, mode, out var f);
        Assert.True(r == 0, $"open {path} failed: {(Errno)(-r)}");
        return f!;
    }

    public long OpenErr(FsContext ctx, string path, int flags = O_RDONLY, int mode = 0x1A4)
    {
        long r = Vfs.Open(ctx, null, path, flags, mode, out var f);
        f?.Release();
        return r;
    }

    public static string ReadAll(OpenFile f)
    {
        var sb = new StringBuilder();
        var buf = new byte[7]; // small on purpose: exercises offsets
        while (true)
        {
            long n = f.Read(buf);
            Assert.True(n >= 0, $"read failed: {(Errno)(-n)}");
            if (n == 0) return sb.ToString();
            sb.Append(Encoding.UTF8.GetString(buf, 0, (int)n));
        }
    }

    public string ReadFile(FsContext ctx, string path)
    {
        var f = Open(ctx, path);
        try { return ReadAll(f); }
        finally { f.Release(); }
    }

    public static long Write(OpenFile f, string s) => f.Write(Encoding.UTF8.GetBytes(s));

    public void Dispose()
    {
        Vfs.Dispose();
        try
        {
            Chmod(P("secret"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(HostDir, true);
            if (BindDir is not null) Directory.Delete(BindDir, true);
        }
        catch (IOException) { }
    }
}
