using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Kernel.Syscalls.Table;

/// <summary>Renders the syscall table as the published compatibility page (markdown) or as JSON.</summary>
public static class TableFormatter
{
    public const string Intro =
        "This table is a reference of linux syscalls for the arm64 architecture and their compatibility status in Kernel, " +
        "an application kernel. Kernel implements system calls itself and never passes a guest's call to the host; " +
        "a call marked Unimplemented fails with the errno given in its note and leaves the guest running. " +
        "Many programs and language runtimes fall back to another call when one fails, so an unimplemented call " +
        "does not by itself mean that a program using it will not work.";

    public const string Generated = "This page is automatically generated from the source code.";

    public const string Header = "# | Name | Support | Notes |";
    public const string Separator = "---|---|---|---|";

    /// <summary>The words of the Support column, as in gVisor's table.</summary>
    public static string SupportText(Support support) => support switch
    {
        Support.Full => "Full Support",
        Support.Partial => "Partial Support",
        Support.Unimplemented => "Unimplemented",
        _ => throw new ArgumentOutOfRangeException(nameof(support), support, null),
    };

    public static string CountsLine(SyscallTable table) =>
        $"Of {table.Count} syscalls, {table.Implemented} syscalls have a full or partial implementation. " +
        $"There are currently {table.Unsupported} unsupported syscalls.";

    /// <summary>One row, e.g. "63 | read | Full Support | note |"; an empty note leaves "|  |" as the format implies.</summary>
    public static string Row(SyscallEntry e) => $"{e.Number} | {e.Name} | {SupportText(e.Support)} | {e.Note} |";

    public static string ToMarkdown(SyscallTable table)
    {
        var sb = new StringBuilder();
        // '\n' regardless of host so the committed docs compare byte for byte everywhere.
        sb.Append(Intro).Append('\n');
        sb.Append(Generated).Append('\n');
        sb.Append(CountsLine(table)).Append('\n');
        sb.Append(Header).Append('\n');
        sb.Append(Separator).Append('\n');
        foreach (var e in table.Entries)
            sb.Append(Row(e)).Append('\n');
        return sb.ToString();
    }

    private static readonly JsonWriterOptions JsonOptions = new()
    {
        Indented = true,
        // Notes are prose for people: keep quotes, '+' and '<' readable instead of \u escapes.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>{"total","implemented","unsupported","syscalls":[{"number","name","support","notes"}]}; support is Full, Partial or Unimplemented.</summary>
    public static string ToJson(SyscallTable table)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, JsonOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("total", table.Count);
            w.WriteNumber("implemented", table.Implemented);
            w.WriteNumber("unsupported", table.Unsupported);
            w.WriteStartArray("syscalls");
            foreach (var e in table.Entries)
            {
                w.WriteStartObject();
                w.WriteNumber("number", e.Number);
                w.WriteString("name", e.Name);
                w.WriteString("support", e.Support.ToString());
                w.WriteString("notes", e.Note);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }
}
