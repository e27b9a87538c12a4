using System.Diagnostics;
using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.EndToEnd;

/// <summary>
/// A guest that waits on its stdin (select, poll, epoll, a blocking read) while the host writes to it later: the
/// wait is parked in the kernel and woken by the host fd watcher, with no host thread blocked in a read.
/// </summary>
[Collection(GuestCollection.Name)]
public sealed class StdinReadinessTests
{
    private const string Script = """
        import os, select
        def wait(label, f):
            print("waiting", flush=True)
            print(label, f(), flush=True)
            print("read", os.read(0, 100), flush=True)
        wait("select", lambda: select.select([0], [], [], 60)[0])
        p = select.poll(); p.register(0, select.POLLIN)
        wait("poll", lambda: p.poll(60000))
        e = select.epoll(); e.register(0, select.EPOLLIN | select.EPOLLET)
        wait("epoll", lambda: e.poll(60))
        print("waiting", flush=True)
        print("blocking read", os.read(0, 100), flush=True)
        print("eof", os.read(0, 100), flush=True)
        """;

    [Fact]
    public void Waits_on_stdin_end_when_the_host_writes()
    {
        Assert.True(Directory.Exists(RepoPaths.Rootfs), $"guest root filesystem {RepoPaths.Rootfs} does not exist");
        var psi = new ProcessStartInfo(Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = "/",
        };
        foreach (var a in new[] { RepoPaths.KernelDll, "run", "--", "/usr/bin/python3", "-c", Script }) psi.ArgumentList.Add(a);
        psi.Environment["KERNEL_ROOTFS"] = RepoPaths.Rootfs;
        using var kernel = Process.Start(psi)!;
        var stderr = kernel.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        try
        {
            for (int round = 0; round < 4; round++)
            {
                // The guest says it is about to wait; the data comes a little later, while it waits.
                string? line;
                while ((line = ReadLine(kernel)) is not null && line != "waiting") lines.Add(line);
                Assert.True(line == "waiting", $"guest stopped early:\n{string.Join('\n', lines)}\n{Wait(stderr)}");
                Thread.Sleep(300);
                kernel.StandardInput.Write($"m{round}\n");
                kernel.StandardInput.Flush();
            }
            kernel.StandardInput.Close();
            string? rest;
            while ((rest = ReadLine(kernel)) is not null) lines.Add(rest);
            Assert.True(kernel.WaitForExit(30_000), "the guest did not exit");
        }
        finally
        {
            if (!kernel.HasExited) kernel.Kill(entireProcessTree: true);
        }
        Assert.Equal(
            ["select [0]", "read b'm0\\n'", "poll [(0, 1)]", "read b'm1\\n'", "epoll [(0, 1)]", "read b'm2\\n'",
             "blocking read b'm3\\n'", "eof b''"],
            lines);
        Assert.Equal(0, kernel.ExitCode);
    }

    private static string? ReadLine(Process p)
    {
        var read = p.StandardOutput.ReadLineAsync();
        return read.Wait(TimeSpan.FromSeconds(60)) ? read.Result : null;
    }

    private static string Wait(Task<string> t) => t.Wait(TimeSpan.FromSeconds(5)) ? t.Result : "";
}
