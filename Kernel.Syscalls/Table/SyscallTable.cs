using System.Reflection;

namespace Kernel.Syscalls.Table;

/// <summary>One row of the syscall table: what the dispatcher calls and what `kernel syscalls` prints.</summary>
public sealed record SyscallEntry(int Number, string Name, Support Support, string Note, SyscallHandler Handler)
{
    /// <summary>The method that declared this row, for error messages and diagnostics.</summary>
    public string DeclaredBy => $"{Handler.Method.DeclaringType?.FullName}.{Handler.Method.Name}";
}

/// <summary>A declaration that cannot be turned into a table (duplicate number or name, bad signature, bad number).</summary>
public sealed class SyscallTableException(string message) : Exception(message);

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

    private SyscallTable(List<SyscallEntry> entries)
    {
        _byNumber = new SyscallEntry?[Capacity];
        _byName = new Dictionary<string, SyscallEntry>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (_byNumber[e.Number] is { } prev)
                throw new SyscallTableException(
                    $"syscall number {e.Number} is declared twice: \"{prev.Name}\" by {prev.DeclaredBy} and \"{e.Name}\" by {e.DeclaredBy}");
            if (_byName.TryGetValue(e.Name, out var same))
                throw new SyscallTableException(
                    $"syscall name \"{e.Name}\" is declared twice: number {same.Number} by {same.DeclaredBy} and number {e.Number} by {e.DeclaredBy}");
            _byNumber[e.Number] = e;
            _byName[e.Name] = e;
        }
        Entries = entries.OrderBy(e => e.Number).ToArray();
        Implemented = Entries.Count(e => e.Support != Support.Unimplemented);
    }

    /// <summary>O(1) dispatch lookup; null for numbers nobody declared (the dispatcher answers ENOSYS).</summary>
    public SyscallEntry? Lookup(int number) => (uint)number < Capacity ? _byNumber[number] : null;

    public SyscallEntry? Lookup(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Scans the public static methods of <paramref name="assemblies"/> for <see cref="SyscallAttribute"/>s.</summary>
    /// <exception cref="SyscallTableException">a number or name declared twice, or a method that cannot be a handler.</exception>
    public static SyscallTable FromAssemblies(params Assembly[] assemblies) =>
        FromTypes(assemblies.Distinct().SelectMany(a => a.GetTypes()));

    /// <summary>Like <see cref="FromAssemblies"/> but over the given types only (nested types are not included).</summary>
    /// <exception cref="SyscallTableException">a number or name declared twice, or a method that cannot be a handler.</exception>
    public static SyscallTable FromTypes(IEnumerable<Type> types)
    {
        var entries = new List<SyscallEntry>();
        // Non-public and instance methods are scanned too, so a misdeclared handler fails loudly instead of vanishing.
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static |
                                 BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var type in types.Distinct())
        foreach (var method in type.GetMethods(all))
        {
            var attributes = method.GetCustomAttributes<SyscallAttribute>(inherit: false).ToArray();
            if (attributes.Length == 0)
                continue;
            var handler = ToHandler(method);
            foreach (var a in attributes)
            {
                if ((uint)a.Number >= Capacity)
                    throw new SyscallTableException(
                        $"{Describe(method)} declares syscall \"{a.Name}\" with number {a.Number}, outside 0..{Capacity - 1}");
                if (string.IsNullOrWhiteSpace(a.Name))
                    throw new SyscallTableException($"{Describe(method)} declares syscall {a.Number} without a name");
                entries.Add(new SyscallEntry(a.Number, a.Name, a.Support, a.Note, handler));
            }
        }
        return new SyscallTable(entries);
    }

    private static SyscallHandler ToHandler(MethodInfo method)
    {
        var parameters = method.GetParameters();
        bool matches = method.IsStatic && method.IsPublic && IsVisible(method.DeclaringType) &&
                       !method.ContainsGenericParameters &&
                       method.ReturnType == typeof(SyscallResult) &&
                       parameters.Length == 1 && parameters[0].ParameterType == typeof(ISyscallContext);
        if (!matches)
            throw new SyscallTableException(
                $"{Describe(method)} carries [Syscall] but is not a handler: it must be " +
                $"'public static {nameof(SyscallResult)} {method.Name}({nameof(ISyscallContext)} ctx)' in a public type");
        return method.CreateDelegate<SyscallHandler>();
    }

    private static bool IsVisible(Type? type) => type is not null && (type.IsPublic || (type.IsNestedPublic && IsVisible(type.DeclaringType)));

    private static string Describe(MethodInfo method) => $"{method.DeclaringType?.FullName}.{method.Name}";
}
