using Akka.Configuration;
using Kernel.Actors;
using Kernel.Syscalls.Abi;
using Serilog;
using Serilog.Events;

namespace Kernel.Host.Commands;

/// <summary>`kernel run`: one program in a new sandbox; the host exit status is the guest's (128+N for signal N).</summary>
public static class RunCommand
{
    public const string Usage = """
        usage: kernel run [--rootfs DIR] [--rootfs-writable] [--mount HOST:GUEST]... [--strace] [--] PROGRAM [ARGS...]

          --rootfs DIR        the guest's root filesystem (a host directory); changes go to an in-memory
                              overlay and the directory is never written to;
                              default: $KERNEL_ROOTFS or kernel.rootfs in config/kernel.conf
          --rootfs-writable   write changes to the root filesystem's host directory itself
                              (default: kernel.rootfs-writable in config/kernel.conf, false)
          --mount HOST:GUEST  bind a host directory read-only at a guest path (repeatable)
          --strace            log every syscall: name, arguments, result or errno, duration
          --config FILE       HOCON settings (default: config/kernel.conf)
        """;

    public static async Task<int> Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string? rootfs = null, configFile = null;
        var mounts = new List<(string, string)>();
        var strace = false;
        bool? writable = null;
        var i = 0;
        for (; i < args.Length; i++)
        {
            var a = args[i];
            if (a == "--") { i++; break; }
            if (!a.StartsWith('-')) break;
            switch (a)
            {
                case "--help" or "-h":
                    stdout.WriteLine(Usage);
                    return 0;
                case "--strace":
                    strace = true;
                    break;
                case "--rootfs-writable":
                    writable = true;
                    break;
                case "--rootfs" when i + 1 < args.Length:
                    rootfs = args[++i];
                    break;
                case "--config" when i + 1 < args.Length:
                    configFile = args[++i];
                    break;
                case "--mount" when i + 1 < args.Length:
                    var spec = args[++i];
                    var colon = spec.IndexOf(':');
                    if (colon <= 0 || colon == spec.Length - 1 || spec[colon + 1] != '/')
                    {
                        stderr.WriteLine($"kernel run: --mount wants HOST:GUEST with an absolute guest path, not '{spec}'");
                        return 2;
                    }
                    var host = Path.GetFullPath(spec[..colon]);
                    if (!Directory.Exists(host))
                    {
                        stderr.WriteLine($"kernel run: --mount: host directory '{host}' does not exist");
                        return 2;
                    }
                    mounts.Add((host, spec[(colon + 1)..]));
                    break;
                default:
                    stderr.WriteLine($"kernel run: unknown or incomplete option '{a}'");
                    stderr.WriteLine(Usage);
                    return 2;
            }
        }
        if (i >= args.Length)
        {
            stderr.WriteLine("kernel run: no program given");
            stderr.WriteLine(Usage);
            return 2;
        }
        var program = args[i];
        var guestArgs = args[i..];

        var config = Settings.Load(configFile);
        var k = config.GetConfig("kernel");
        rootfs ??= Environment.GetEnvironmentVariable("KERNEL_ROOTFS") is { Length: > 0 } env ? env : k.GetString("rootfs");
        if (!Directory.Exists(rootfs))
        {
            stderr.WriteLine($"kernel run: root filesystem '{rootfs}' does not exist (run scripts/setup.sh to build the default one)");
            return 2;
        }
        var level = strace ? LogEventLevel.Information : Enum.Parse<LogEventLevel>(k.GetString("log-level", "Warning"), true);
        using var log = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "{Message:lj}{NewLine}{Exception}")
            .CreateLogger();

        var options = new SandboxOptions
        {
            RootFs = Path.GetFullPath(rootfs),
            RootFsWritable = writable ?? k.GetBoolean("rootfs-writable", false),
            Mounts = mounts,
            Strace = strace,
            HostName = k.GetString("hostname", "sandbox"),
            AddressWindow = (ulong)(k.GetByteSize("address-window") ?? (64L << 30)),
            MemoryBytes = (ulong)(k.GetByteSize("memory") ?? (4L << 30)),
            Uid = (uint)k.GetInt("uid", 0),
            Gid = (uint)k.GetInt("gid", 0),
        };
        Kernel.Platform.HostMemory.CopyOnWriteFork = k.GetBoolean("copy-on-write-fork", true);
        var e = Sandbox.Create(options, log, config, out var sandbox);
        if (e < 0)
        {
            stderr.WriteLine($"kernel run: root filesystem '{rootfs}': {Errors.Describe(e)}");
            return 2;
        }
        await using (sandbox!)
        {
            var envp = new List<string>
            {
                "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                "HOME=/root",
                $"TERM={Environment.GetEnvironmentVariable("TERM") ?? "dumb"}",
                "LANG=C.UTF-8",
            };
            e = sandbox!.Start(program, guestArgs, envp, out var process);
            if (e < 0)
            {
                stderr.WriteLine($"kernel: {program}: {Errors.Describe(e)}");
                return e == -(long)Errno.ENOENT || e == -(long)Errno.ENOTDIR ? 127 : 126;
            }
            var exit = await process!.Exited;
            await stdout.FlushAsync();
            return exit.HostExitStatus;
        }
    }
}

/// <summary>Human-readable errno text, as strerror gives it.</summary>
public static class Errors
{
    public static string Describe(long negativeErrno) => (Errno)(-negativeErrno) switch
    {
        Errno.ENOENT => "No such file or directory",
        Errno.ENOEXEC => "Exec format error (not an arm64 ELF executable or a #! script)",
        Errno.EACCES => "Permission denied",
        Errno.ENOTDIR => "Not a directory",
        Errno.EISDIR => "Is a directory",
        Errno.ELOOP => "Too many levels of symbolic links",
        Errno.E2BIG => "Argument list too long",
        Errno.ENOMEM => "Cannot allocate memory",
        var other => other.ToString(),
    };
}
