using System.Text;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Loader;

/// <summary>
/// The "#!" line of a script, parsed the way fs/binfmt_script.c does: only the first 256 bytes are looked at;
/// the interpreter is the first word, and the rest of the line (trimmed of spaces and tabs) is one optional argument.
/// </summary>
internal static class Shebang
{
    /// <summary>Linux BINPRM_BUF_SIZE: how much of the file exec looks at.</summary>
    public const int BufSize = 256;

    public static bool IsScript(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == (byte)'#' && data[1] == (byte)'!';

    /// <summary>Parses a file that starts with "#!"; ENOEXEC when no complete interpreter name is found.</summary>
    public static (string Interpreter, string? Argument) Parse(string path, ReadOnlySpan<byte> data)
    {
        var buf = data[..Math.Min(data.Length, BufSize)];
        // The line ends at a newline or NUL (a short file reads as NUL-padded).
        int end = buf.IndexOfAny((byte)'\n', (byte)0);
        if (end < 0)
        {
            if (buf.Length < BufSize)
                end = buf.Length; // end of file inside the buffer: the implicit NUL padding ends the line
            else
            {
                // No end of line within the buffer: usable only if the interpreter name visibly ends
                // (a space or tab after it), so that a truncated name is never run. The argument may be cut.
                int last = BufSize - 1;
                int name = Skip(buf, 2, last);
                if (name == last || buf[name..last].IndexOfAny((byte)' ', (byte)'\t') < 0)
                    throw new LoadException(Errno.ENOEXEC, $"{path}: #! interpreter name longer than {BufSize - 3} bytes");
                end = last;
            }
        }
        while (end > 2 && IsSpaceTab(buf[end - 1]))
            end--;
        int start = Skip(buf, 2, end);
        if (start >= end)
            throw new LoadException(Errno.ENOEXEC, $"{path}: #! line names no interpreter");
        var line = buf[start..end];
        int sep = line.IndexOfAny((byte)' ', (byte)'\t');
        if (sep < 0)
            return (Encoding.UTF8.GetString(line), null);
        int arg = Skip(line, sep, line.Length);
        string interpreter = Encoding.UTF8.GetString(line[..sep]);
        return (interpreter, arg < line.Length ? Encoding.UTF8.GetString(line[arg..]) : null);
    }

    private static bool IsSpaceTab(byte b) => b == (byte)' ' || b == (byte)'\t';

    private static int Skip(ReadOnlySpan<byte> s, int from, int to)
    {
        while (from < to && IsSpaceTab(s[from]))
            from++;
        return from;
    }
}
