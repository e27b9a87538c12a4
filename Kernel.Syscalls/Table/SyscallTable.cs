using System.Reflection;

namespace Kernel.Syscalls.Table;

/// <summary>One row of the syscall table: what the dispatcher calls and what `kernel syscalls` prints.</summary>
public sealed record SyscallEntry(int Number, string Name, Support Support, string Note, SyscallHandler Handler)
{
    /// <summary>The method that declared this row, for error messages and diagnostics.</summary>
    public string DeclaredBy => $"{Handler.Method.DeclaringType?.FullName}.{Handler.Method.Name}";
}

/// <summary>Declarations that cannot be turned into a table (duplicate number or name, bad signature, bad number).</summary>
public sealed class SyscallTableException(IReadOnlyList<string> problems)
    : Exception("invalid syscall table declarations:\n  " + string.Join("\n  ", problems))
{
    /// <summary>Every problem found, one sentence each, so all of them can be fixed in one go.</summary>
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// The arm64 syscall table, built by reflection from the <see cref="SyscallAttribute"/>s on handler methods,
/// so the dispatch array and the published compatibility table can never disagree.
/// </summary>
public sealed class SyscallTable
{
    /// <summary>Numbers 0..511 are dispatchable; arm64 Linux allocates none above that.</summary>
    public const int Capacity = 512;

    private static readonly Lazy<SyscallTable> DefaultTable =
        new(() => FromAssemblies(typeof(SyscallTable).Assembly), LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly SyscallEntry?[] _byNumber;
    private readonly Dictionary<string, SyscallEntry> _byName;

    /// <summary>The table declared in Kernel.Syscalls.</summary>
    public static SyscallTable Default => DefaultTable.Value;

    /// <summary>Every entry, ordered by number.</summary>
    public IReadOnlyList<SyscallEntry> Entries { get; }

    public int Count => Entries.Count;

    /// <summary>Rows with Full or Partial support.</summary>
    public int Implemented { get; }

    /// <summary>Rows marked Unimplemented.</summary>
    public int Unsupported => Count - Implemented;

    private SyscallTable(SyscallEntry?[] byNumber, Dictionary<string, SyscallEntry> byName)
    {
        _byNumber = byNumber;
        _byName = byName;
        Entries = byNumber.OfType<SyscallEntry>().ToArray();
        Implemented = Entries.Count(e => e.Support != Support.Unimplemented);
    }

    /// <summary>O(1) dispatch lookup; null for numbers nobody declared (the dispatcher answers ENOSYS).</summary>
    public SyscallEntry? Lookup(int number) => (uint)number < Capacity ? _byNumber[number] : null;

    public SyscallEntry? Lookup(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Scans the methods of <paramref name="assemblies"/> for <see cref="SyscallAttribute"/>s.</summary>
    /// <exception cref="SyscallTableException">a number or name declared twice, or a method that cannot be a handler.</exception>
    public static SyscallTable FromAssemblies(params Assembly[] assemblies) =>
        FromTypes(assemblies.Distinct().SelectMany(a => a.GetTypes()));

    /// <summary>Like <see cref="FromAssemblies"/> but over the given types only (nested types are not included).</summary>
    /// <exception cref="SyscallTableException">a number or name declared twice, or a method that cannot be a handler.</exception>
    public static SyscallTable FromTypes(IEnumerable<Type> types)
    {
        var problems = new List<string>();
        var byNumber = new SyscallEntry?[Capacity];
        var byName = new Dictionary<string, SyscallEntry>(StringComparer.Ordinal);
        // Non-public and instance methods are scanned too, so a misdeclared handler fails loudly instead of vanishing.
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static |
                                 BindingFlags.Instance | BindingFlags.DeclaredOnly;
        // Deterministic order, so the same source always reports the same problems in the same words.
        foreach (var type in types.Distinct().OrderBy(t => t.FullName, StringComparer.Ordinal))
        foreach (var method in type.GetMethods(all).OrderBy(m => m.MetadataToken))
        {
            var attributes = method.GetCustomAttributes<SyscallAttribute>(inherit: false).ToArray();
            if (attributes.Length == 0)
                continue;
            var handler = ToHandler(method, problems);
            if (handler is null)
                continue;
            foreach (var a in attributes)
            {
                if ((uint)a.Number >= Capacity)
                {
                    problems.Add($"{Describe(method)} declares syscall \"{a.Name}\" with number {a.Number}, outside 0..{Capacity - 1}");
                    continue;
                }
                if (string.IsNullOrWhiteSpace(a.Name))
                {
                    problems.Add($"{Describe(method)} declares syscall {a.Number} without a name");
                    continue;
                }
                var e = new SyscallEntry(a.Number, a.Name, a.Support, a.Note, handler);
                if (byNumber[e.Number] is { } prev)
                {
                    problems.Add($"syscall number {e.Number} is declared twice: \"{prev.Name}\" by {prev.DeclaredBy} and \"{e.Name}\" by {e.DeclaredBy}");
                    continue;
                }
                if (byName.TryGetValue(e.Name, out var same))
                {
                    problems.Add($"syscall name \"{e.Name}\" is declared twice: number {same.Number} by {same.DeclaredBy} and number {e.Number} by {e.DeclaredBy}");
                    continue;
                }
                byNumber[e.Number] = e;
                byName[e.Name] = e;
            }
        }
        if (problems.Count > 0)
            throw new SyscallTableException(problems);
        return new SyscallTable(byNumber, byName);
    }

    private static SyscallHandler? ToHandler(MethodInfo method, List<string> problems)
    {
        var parameters = method.GetParameters();
        bool matches = method.IsStatic && method.IsPublic && IsVisible(method.DeclaringType) &&
                       !method.ContainsGenericParameters &&
                       method.ReturnType == typeof(SyscallResult) &&
                       parameters.Length == 1 && parameters[0].ParameterType == typeof(ISyscallContext);
        if (matches)
            return method.CreateDelegate<SyscallHandler>();
        problems.Add($"{Describe(method)} carries [Syscall] but is not a handler: it must be " +
                     $"'public static {nameof(SyscallResult)} {method.Name}({nameof(ISyscallContext)} ctx)' in a public type");
        return null;
    }

    private static bool IsVisible(Type? type) =>
        type is not null && (type.IsPublic || (type.IsNestedPublic && IsVisible(type.DeclaringType)));

    private static string Describe(MethodInfo method) => $"{method.DeclaringType?.FullName}.{method.Name}";
}
