using Kernel.Host.Commands;

namespace Kernel.Host;

/// <summary>The `kernel` command line: run, syscalls, help.</summary>
public static class Cli
{
    public const string Usage = """
        usage: kernel <command> [options]

        commands:
          run [--rootfs DIR] [--rootfs-writable] [--mount HOST:GUEST]... [--strace] [--] PROGRAM [ARGS...]
                      run PROGRAM (a path inside the guest root) in a new sandbox; exits with its status
          syscalls [--format markdown|json]
                      print the syscall compatibility table
          help        show this help

        `kernel <command> --help` shows a command's options.
        """;

    public static async Task<int> Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            (args.Length == 0 ? Console.Error : Console.Out).WriteLine(Usage);
            return args.Length == 0 ? 2 : 0;
        }
        return args[0] switch
        {
            "run" => await RunCommand.Run(args[1..], Console.Out, Console.Error),
            "syscalls" => SyscallsCommand.Run(args[1..], Console.Out, Console.Error),
            _ => Fail($"kernel: unknown command '{args[0]}'"),
        };
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        Console.Error.WriteLine(Usage);
        return 2;
    }
}
