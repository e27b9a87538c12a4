using System.Text.RegularExpressions;
using Kernel.Syscalls.Table;

namespace Kernel.Tests.Table;

public class MarkdownTests
{
    private static readonly SyscallTable Table = SyscallTable.Default;

    private static readonly Regex RowPattern = new(
        @"^(\d+) \| ([a-z0-9_]+) \| (Full Support|Partial Support|Unimplemented) \| (.*) \|$",
        RegexOptions.CultureInvariant);

    private static readonly Regex CountsPattern = new(
        @"^Of (\d+) syscalls, (\d+) syscalls have a full or partial implementation\. There are currently (\d+) unsupported syscalls\.$",
        RegexOptions.CultureInvariant);

    [Fact]
    public void Markdown_has_the_reference_layout_and_consistent_counts()
    {
        string md = TableFormatter.ToMarkdown(Table);
        Assert.EndsWith("\n", md);
        Assert.DoesNotContain("\r", md);
        var lines = md[..^1].Split('\n');

        Assert.StartsWith("This table is a reference of linux syscalls for the arm64 architecture and their compatibility status in Kernel, an application kernel.", lines[0]);
        Assert.DoesNotContain("gVisor", md);
        Assert.Equal("This page is automatically generated from the source code.", lines[1]);
        Assert.Equal("# | Name | Support | Notes |", lines[3]);
        Assert.Equal("---|---|---|---|", lines[4]);

        var rows = lines.Skip(5).Select(l =>
        {
            var m = RowPattern.Match(l);
            Assert.True(m.Success, $"malformed row: {l}");
            return (Number: int.Parse(m.Groups[1].Value), Support: m.Groups[3].Value);
        }).ToArray();
        Assert.Equal(rows.Select(r => r.Number).Order(), rows.Select(r => r.Number));

        var counts = CountsPattern.Match(lines[2]);
        Assert.True(counts.Success, $"bad counts line: {lines[2]}");
        int total = int.Parse(counts.Groups[1].Value);
        int implemented = int.Parse(counts.Groups[2].Value);
        int unsupported = int.Parse(counts.Groups[3].Value);
        Assert.Equal(rows.Length, total);
        Assert.Equal(rows.Count(r => r.Support != "Unimplemented"), implemented);
        Assert.Equal(rows.Count(r => r.Support == "Unimplemented"), unsupported);
        Assert.Equal(total, implemented + unsupported);
    }

    [Fact]
    public void Markdown_rows_match_the_reference_numbers_and_names()
    {
        var reference = Reference.Rows().ToDictionary(r => r.Number, r => r.Name);
        var lines = TableFormatter.ToMarkdown(Table).TrimEnd('\n').Split('\n').Skip(5);
        var ours = lines.Select(l => RowPattern.Match(l)).ToDictionary(m => int.Parse(m.Groups[1].Value), m => m.Groups[2].Value);
        foreach (var (number, name) in reference)
            Assert.True(ours.TryGetValue(number, out var n) && n == name, $"row {number} {name} missing or misnamed ({n})");
    }

    [Fact]
    public void Rows_use_the_reference_support_words_and_spacing()
    {
        var fn = (Func<Support, string, string>)((s, note) =>
            TableFormatter.Row(new SyscallEntry(7, "x", s, note, _ => 0L)));
        Assert.Equal("7 | x | Full Support | n |", fn(Support.Full, "n"));
        Assert.Equal("7 | x | Partial Support | n |", fn(Support.Partial, "n"));
        Assert.Equal("7 | x | Unimplemented | n |", fn(Support.Unimplemented, "n"));
        Assert.Equal("7 | x | Full Support |  |", fn(Support.Full, ""));
    }

    [Fact]
    public void Docs_syscalls_md_is_up_to_date()
    {
        string path = Path.Combine(Kernel.Tests.Infrastructure.RepoPaths.Root, "docs", "syscalls.md");
        string fresh = TableFormatter.ToMarkdown(Table);
        if (Environment.GetEnvironmentVariable("UPDATE_SYSCALLS_DOC") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, fresh);
        }
        Assert.True(File.Exists(path), "docs/syscalls.md is missing: run scripts/gen-syscalls-doc.sh");
        // A CRLF checkout is still up to date.
        string committed = File.ReadAllText(path).ReplaceLineEndings("\n");
        Assert.True(committed == fresh, "docs/syscalls.md is stale: run scripts/gen-syscalls-doc.sh");
    }
}
