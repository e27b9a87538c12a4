namespace Kernel.Tests.Table;

/// <summary>Finds files beside or above the test binaries, so tests work in a worktree and in CI alike.</summary>
internal static class RepoPaths
{
    /// <summary>The first existing <paramref name="relative"/> under the base directory or one of its ancestors.</summary>
    public static string? FindUpward(string relative)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
                return candidate;
        }
        return null;
    }

    public static string ReferenceTsv =>
        FindUpward(Path.Combine("shared", "reference", "gvisor-arm64-syscalls.tsv"))
        ?? throw new FileNotFoundException("shared/reference/gvisor-arm64-syscalls.tsv not found above " + AppContext.BaseDirectory);

    public static string RepoRoot =>
        Path.GetDirectoryName(FindUpward("Kernel.sln")
            ?? throw new FileNotFoundException("Kernel.sln not found above " + AppContext.BaseDirectory))!;

    /// <summary>(number, name) rows of gVisor's arm64 table.</summary>
    public static IReadOnlyList<(int Number, string Name)> ReferenceRows()
    {
        var lines = File.ReadAllLines(ReferenceTsv);
        Assert.Equal("number\tname\tsupport\tnotes", lines[0]);
        return lines.Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(f => (int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), f[1]))
            .ToArray();
    }
}
