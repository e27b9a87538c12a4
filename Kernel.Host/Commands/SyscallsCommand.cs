using Kernel.Syscalls.Table;

namespace Kernel.Host.Commands;

/// <summary>`kernel syscalls [--format markdown|json]`: prints the compatibility table generated from the handlers.</summary>
public static class SyscallsCommand
{
    public const string Usage = "usage: kernel syscalls [--format markdown|json] [--help]";

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        string format = "markdown";
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            string? value = null;
            if (arg is "--help" or "-h")
            {
                stdout.WriteLine(Usage);
                stdout.WriteLine("Prints the arm64 syscall compatibility table (markdown by default, as in docs/syscalls.md).");
                return 0;
            }
            if (arg == "--format")
            {
                if (i + 1 >= args.Length)
                    return Fail(stderr, "--format needs a value");
                value = args[++i];
            }
            else if (arg.StartsWith("--format=", StringComparison.Ordinal))
            {
                value = arg["--format=".Length..];
            }
            else
            {
                return Fail(stderr, $"unexpected argument '{arg}'");
            }
            if (value is not ("markdown" or "md" or "json"))
                return Fail(stderr, $"unknown format '{value}'");
            format = value;
        }

        var table = SyscallTable.Default;
        // Write, not WriteLine: both renderings already end with a newline.
        stdout.Write(format == "json" ? TableFormatter.ToJson(table) : TableFormatter.ToMarkdown(table));
        stdout.Flush();
        return 0;
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine($"kernel syscalls: {message}");
        stderr.WriteLine(Usage);
        return 2;
    }
}
