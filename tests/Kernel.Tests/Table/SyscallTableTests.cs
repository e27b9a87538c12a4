using System.Text.Json;
using System.Text.RegularExpressions;
using Kernel.Syscalls.Abi;
using Kernel.Syscalls.Table;

namespace Kernel.Tests.Table;

public class SyscallTableTests
{
    private static readonly SyscallTable Table = SyscallTable.Default;

    [Fact]
    public void Every_reference_syscall_is_declared_with_the_same_name()
    {
        var reference = Reference.Rows();
        Assert.Equal(293, reference.Count);
        var missing = new List<string>();
        foreach (var (number, name) in reference)
        {
            var entry = Table.Lookup(number);
            if (entry is null)
                missing.Add($"{number} {name}: not declared");
            else if (entry.Name != name)
                missing.Add($"{number} {name}: declared as \"{entry.Name}\"");
            else if (!ReferenceEquals(Table.Lookup(name), entry))
                missing.Add($"{number} {name}: name lookup gives another entry");
        }
        Assert.True(missing.Count == 0, string.Join("\n", missing));
    }

    [Fact]
    public void Entries_are_ordered_by_number_and_dispatchable()
    {
        var numbers = Table.Entries.Select(e => e.Number).ToArray();
        Assert.Equal(numbers.Order().ToArray(), numbers);
        Assert.Equal(numbers.Length, numbers.Distinct().Count());
        foreach (var e in Table.Entries)
            Assert.Same(e, Table.Lookup(e.Number));
        Assert.Null(Table.Lookup(-1));
        Assert.Null(Table.Lookup(SyscallTable.Capacity));
        Assert.Null(Table.Lookup(int.MaxValue));
        Assert.Null(Table.Lookup("no_such_syscall"));
        Assert.Equal(Table.Entries.Count(e => e.Support != Support.Unimplemented), Table.Implemented);
        Assert.Equal(Table.Count - Table.Implemented, Table.Unsupported);
    }

    [Fact]
    public void Every_note_is_nonempty_and_stub_notes_name_their_errno()
    {
        foreach (var e in Table.Entries)
        {
            Assert.False(string.IsNullOrWhiteSpace(e.Note), $"{e.Number} {e.Name} has no note");
            Assert.DoesNotContain("|", e.Note); // would break the markdown row
            Assert.DoesNotContain("\n", e.Note);
        }
    }

    private static readonly Regex Returns = new(@"returns (E[A-Z0-9]+)", RegexOptions.CultureInvariant);

    [Fact]
    public void Every_stub_returns_the_errno_its_note_declares()
    {
        var stubs = Table.Entries.Where(e => e.Support == Support.Unimplemented).ToArray();
        Assert.NotEmpty(stubs);
        var failures = new List<string>();
        foreach (var e in stubs)
        {
            var m = Returns.Match(e.Note);
            if (!m.Success || !Enum.TryParse<Errno>(m.Groups[1].Value, out var declared))
            {
                failures.Add($"{e.Number} {e.Name}: note \"{e.Note}\" names no errno");
                continue;
            }
            var result = e.Handler(new FakeContext(e.Number));
            if (result.IsPending || result.NoReturnValue || result.Value != -(long)declared)
                failures.Add($"{e.Number} {e.Name}: declared {declared} (-{(int)declared}) but returned {result}");
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    [Fact]
    public void Scanning_an_assembly_with_a_duplicate_declaration_fails()
    {
        // This test assembly holds the deliberately broken classes of BadDeclarations.cs.
        var ex = Assert.Throws<SyscallTableException>(() => SyscallTable.FromAssemblies(typeof(DuplicateNumber).Assembly));
        Assert.Contains(ex.Problems, p => p.StartsWith("syscall number 63 is declared twice", StringComparison.Ordinal)
                                          && p.Contains("DuplicateNumber.Second"));
        Assert.Contains(ex.Problems, p => p.StartsWith("syscall name \"read\" is declared twice", StringComparison.Ordinal)
                                          && p.Contains("DuplicateName.Handler"));
        // Every problem is reported at once, not only the first.
        Assert.Contains(ex.Problems, p => p.Contains("WrongSignature.NoContext"));
        Assert.Contains(ex.Problems, p => p.Contains("512"));
        Assert.All(ex.Problems, p => Assert.Contains(p, ex.Message));
    }

    [Fact]
    public void A_number_declared_twice_is_rejected_with_both_declarations_named()
    {
        var ex = Assert.Throws<SyscallTableException>(() => SyscallTable.FromTypes([typeof(DuplicateNumber)]));
        Assert.Contains("number 63 is declared twice", ex.Message);
        Assert.Contains("DuplicateNumber.First", ex.Message);
        Assert.Contains("DuplicateNumber.Second", ex.Message);
    }

    [Fact]
    public void A_name_declared_twice_is_rejected()
    {
        var ex = Assert.Throws<SyscallTableException>(() => SyscallTable.FromTypes([typeof(DuplicateName)]));
        Assert.Contains("name \"read\" is declared twice", ex.Message);
    }

    [Fact]
    public void The_same_row_in_two_types_is_rejected()
    {
        // Good declares getpid(172); so does a valid copy in another type, as when an implementer forgets the stub.
        var ex = Assert.Throws<SyscallTableException>(() => SyscallTable.FromTypes([typeof(Good), typeof(GoodCopy)]));
        Assert.Contains("172", ex.Message);
    }

    [Theory]
    [InlineData(typeof(WrongSignature), "NoContext")]
    [InlineData(typeof(NotStatic.Holder), "Instance")]
    public void A_method_with_the_wrong_signature_is_rejected(Type type, string method)
    {
        var ex = Assert.Throws<SyscallTableException>(() => SyscallTable.FromTypes([type]));
        Assert.Contains($"{method} carries [Syscall] but is not a handler", ex.Message);
    }

    [Fact]
    public void A_number_outside_the_table_is_rejected()
    {
        var ex = Assert.Throws<SyscallTableException>(() => SyscallTable.FromTypes([typeof(OutOfRange)]));
        Assert.Contains("512", ex.Message);
    }

    [Fact]
    public void A_valid_type_builds_a_table_that_dispatches_to_its_methods()
    {
        var table = SyscallTable.FromTypes([typeof(Good)]);
        Assert.Equal([0, 172, 173], table.Entries.Select(e => e.Number));
        Assert.Equal(2, table.Implemented);
        Assert.Equal(1, table.Unsupported);
        Assert.Equal(42, table.Lookup(172)!.Handler(new FakeContext(172)).Value);
        Assert.Equal(Support.Partial, table.Lookup("getppid")!.Support);
        Assert.Equal(-(long)Errno.ENOSYS, table.Lookup(0)!.Handler(new FakeContext(0)).Value);
    }

    [Fact]
    public void The_json_rendering_parses_and_agrees_with_the_table()
    {
        using var doc = JsonDocument.Parse(TableFormatter.ToJson(Table));
        var root = doc.RootElement;
        var rows = root.GetProperty("syscalls").EnumerateArray().ToArray();
        Assert.Equal(Table.Count, root.GetProperty("total").GetInt32());
        Assert.Equal(rows.Length, root.GetProperty("total").GetInt32());
        int implemented = rows.Count(r => r.GetProperty("support").GetString() is "Full" or "Partial");
        int unsupported = rows.Count(r => r.GetProperty("support").GetString() == "Unimplemented");
        Assert.Equal(rows.Length, implemented + unsupported);
        Assert.Equal(implemented, root.GetProperty("implemented").GetInt32());
        Assert.Equal(unsupported, root.GetProperty("unsupported").GetInt32());
        for (int i = 0; i < rows.Length; i++)
        {
            var e = Table.Entries[i];
            Assert.Equal(e.Number, rows[i].GetProperty("number").GetInt32());
            Assert.Equal(e.Name, rows[i].GetProperty("name").GetString());
            Assert.Equal(e.Note, rows[i].GetProperty("notes").GetString());
        }
    }
}
