using System.Text;
using Kernel.Actors.Vfs;
using Kernel.Syscalls.Abi;
using static Kernel.Syscalls.Abi.OpenFlags;
using static Kernel.Tests.Vfs.VfsTestRoot;

namespace Kernel.Tests.Vfs;

/// <summary>The sysfs at /sys: kernfs's refusals, and the one attribute family a guest may write (THP policy).</summary>
public sealed class SysfsTests : IDisposable
{
    private readonly VfsTestRoot _t = new();
    public void Dispose() => _t.Dispose();

    private const string Online = "/sys/devices/system/cpu/online";
    private const string Thp = "/sys/kernel/mm/transparent_hugepage/enabled";

    [Fact]
    public void Cpu_lists_name_one_cpu()
    {
        Assert.Equal("0\n", _t.ReadFile(_t.User, Online));
        Assert.Equal("0\n", _t.ReadFile(_t.User, "/sys/devices/system/cpu/possible"));
        Assert.Equal(0, _t.Vfs.Stat(_t.User, null, Online, 0, out var st));
        Assert.Equal(S_IFREG | 0x124u /* 0444 */, st.Mode);
        Assert.Equal(4096, st.Size);
        Assert.Equal(0, _t.Vfs.StatFs(_t.User, null, "/sys", out var fs));
        Assert.Equal(Sysfs.SYSFS_MAGIC, fs.Type);
    }

    [Fact]
    public void Nothing_is_created_or_removed_and_read_only_attributes_refuse_writers()
    {
        Assert.Equal(Err(Errno.EACCES), _t.OpenErr(_t.Root, Online, O_WRONLY));
        Assert.Equal(Err(Errno.EACCES), _t.OpenErr(_t.Root, "/sys/new", O_CREAT | O_WRONLY));
        Assert.Equal(Err(Errno.EPERM), _t.Vfs.MakeDir(_t.Root, null, "/sys/fs/cgroup/x", 0x1ED));
        Assert.Equal(Err(Errno.EPERM), _t.Vfs.Unlink(_t.Root, null, Online, 0));
        Assert.Equal(Err(Errno.EPERM), _t.Vfs.Symlink(_t.Root, "x", null, "/sys/l"));
        Assert.Equal(Err(Errno.EACCES), _t.OpenErr(_t.User, Thp, O_WRONLY)); // 0644: root only
    }

    [Fact]
    public void Thp_policy_takes_a_listed_choice()
    {
        Assert.Equal("always [madvise] never\n", _t.ReadFile(_t.User, Thp));
        var f = _t.Open(_t.Root, Thp, O_WRONLY);
        Assert.Equal(6, f.Write(Encoding.ASCII.GetBytes("never\n")));
        Assert.Equal(Err(Errno.EINVAL), f.Write(Encoding.ASCII.GetBytes("sometimes")));
        Assert.Equal("always madvise [never]\n", _t.ReadFile(_t.User, Thp));
    }
}
