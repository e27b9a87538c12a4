using Kernel.Tests.Infrastructure;
using System.Buffers.Binary;
using Akka.Configuration;
using Kernel.Actors;
using Kernel.Actors.Files;
using Kernel.Actors.Mm;
using Kernel.Actors.Tasks;
using Kernel.Platform;
using Kernel.Syscalls;
using Kernel.Syscalls.Protocol;
using Serilog;
using static Kernel.Syscalls.Abi.OpenFlags;

namespace Kernel.Tests.Actors;

/// <summary>
/// Calls that wait are parked in the VFS actor and answered later, never holding a thread: F_SETLKW, a blocking flock,
/// splice and vmsplice on pipes. Two processes (no CPU: requests go straight to the actors) of a real sandbox play
/// what a single-threaded conformance program cannot: one waits, the other lets it go.
/// </summary>
public sealed class FdIoParkingTests : IAsyncLifetime
{
    private const ulong Page = 0x10000;
    private static readonly TimeSpan Parked = TimeSpan.FromMilliseconds(300);
    private readonly string _root = Directory.CreateTempSubdirectory("fdio-root-").FullName;
    private Sandbox _sandbox = null!;
    private KernelTask _a = null!, _b = null!;

    public Task InitializeAsync()
    {
        Directory.CreateDirectory(Path.Combine(_root, "tmp"));
        Directory.CreateDirectory(Path.Combine(_root, "dev"));
        var e = Sandbox.Create(new SandboxOptions { RootFs = _root }, new LoggerConfiguration().CreateLogger(), ConfigurationFactory.Empty, out var sandbox);
        Assert.Equal(0, e);
        _sandbox = sandbox!;
        _a = NewTask(100);
        _b = NewTask(200);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _sandbox.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A process with one page of memory at <see cref="Page"/> and no CPU.</summary>
    private KernelTask NewTask(int pid)
    {
        var mm = new AddressSpace(new NoCpu(), 1UL << 24);
        mm.MapFixed(Page, 4096, Prot.Read | Prot.Write, false, "");
        var process = new KernelProcess(_sandbox, pid, 1, mm, new FdTable(), _sandbox.Vfs.NewContext(new(0, 0, 0, 0, [])));
        return new KernelTask(pid, process, null!);
    }

    private async Task<long> Call(KernelRequest request) => await _sandbox.Send(request) switch
    {
        Done d => d.Value,
        Failed f => -(long)f.Errno,
        var other => throw new InvalidOperationException($"unexpected reply {other}"),
    };

    private static void PutFlock(KernelTask t, short type, long start, long length)
    {
        var raw = new byte[32];
        BinaryPrimitives.WriteInt16LittleEndian(raw, type);
        BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(8), start);
        BinaryPrimitives.WriteInt64LittleEndian(raw.AsSpan(16), length);
        t.Process.Mm.Poke(Page, raw);
    }

    private async Task<long> Lock(KernelTask t, int fd, int command, short type, long start, long length)
    {
        PutFlock(t, type, start, length);
        return await Call(new FcntlFile(t, fd, command, Page));
    }

    private async Task<int> Open(KernelTask t, string path) => (int)await Call(new OpenFileAt(t, Args.AtFdCwd, path, O_RDWR | O_CREAT, 0x180));

    [Fact]
    public async Task F_SETLKW_waits_until_the_other_process_unlocks()
    {
        const int SetLk = 6, SetLkW = 7;
        int fa = await Open(_a, "/tmp/f"), fb = await Open(_b, "/tmp/f");
        Assert.Equal(0, await Lock(_a, fa, SetLk, 1, 0, 10));
        PutFlock(_b, 0, 5, 1);
        var waiting = Call(new FcntlFile(_b, fb, SetLkW, Page));
        await Task.Delay(Parked);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(0, await Lock(_a, fa, SetLk, 2, 0, 0));
        Assert.Equal(0, await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task F_SETLKW_that_would_deadlock_fails_with_EDEADLK()
    {
        const int SetLk = 6, SetLkW = 7;
        int fa = await Open(_a, "/tmp/d"), fb = await Open(_b, "/tmp/d");
        Assert.Equal(0, await Lock(_a, fa, SetLk, 1, 0, 1));
        Assert.Equal(0, await Lock(_b, fb, SetLk, 1, 1, 1));
        PutFlock(_a, 1, 1, 1);
        var aWaits = Call(new FcntlFile(_a, fa, SetLkW, Page));
        await Task.Delay(Parked);
        Assert.Equal(-35 /* EDEADLK */, await Lock(_b, fb, SetLkW, 1, 0, 1));
        // Closing any descriptor of the file drops b's locks: a gets its lock.
        Assert.Equal(0, await Call(new CloseFile(_b, fb)));
        Assert.Equal(0, await aWaits.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_blocking_flock_waits_for_the_last_close_of_the_holder()
    {
        int fa = await Open(_a, "/tmp/l"), fb = await Open(_b, "/tmp/l");
        Assert.Equal(0, await Call(new FlockFile(_a, fa, 2)));
        var waiting = Call(new FlockFile(_b, fb, 1));
        await Task.Delay(Parked);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(0, await Call(new CloseFile(_a, fa)));
        Assert.Equal(0, await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task Splice_from_an_empty_pipe_waits_for_data()
    {
        Assert.Equal(0, await Call(new CreatePipe(_a, Page, 0)));
        var fds = new byte[8];
        _a.Process.Mm.Read(Page, fds);
        int readEnd = BitConverter.ToInt32(fds), writeEnd = BitConverter.ToInt32(fds.AsSpan(4));
        int file = await Open(_a, "/tmp/s");
        var waiting = Call(new SpliceData(_a, readEnd, 0, file, 0, 100, 0));
        await Task.Delay(Parked);
        Assert.False(waiting.IsCompleted);
        Assert.Equal(5, _a.Process.Files.GetFile(writeEnd)!.Write("hello"u8));
        Assert.Equal(5, await waiting.WaitAsync(TimeSpan.FromSeconds(5)));
        Assert.Equal(5, _a.Process.Files.GetFile(file)!.Seek(0, SEEK_CUR));

        // vmsplice out of the empty pipe waits too, and takes what arrives. The iovec is in memory before the
        // request is sent: the actor may read it at once.
        var iov = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(iov, Page + 128);
        BinaryPrimitives.WriteUInt64LittleEndian(iov.AsSpan(8), 16);
        _a.Process.Mm.Poke(Page + 64, iov);
        var reading = Call(new VmSplice(_a, readEnd, Page + 64, 1, 0));
        await Task.Delay(Parked);
        Assert.False(reading.IsCompleted);
        Assert.Equal(3, _a.Process.Files.GetFile(writeEnd)!.Write("abc"u8));
        Assert.Equal(3, await reading.WaitAsync(TimeSpan.FromSeconds(5)));
        var got = new byte[3];
        _a.Process.Mm.Read(Page + 128, got);
        Assert.Equal("abc"u8.ToArray(), got);
    }

}
