using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.Table;

/// <summary>
/// gVisor's arm64 table, which ours must cover row by row. The project's shared/reference beside the repository
/// is the authority (CI has it); tests/reference holds a copy so that a fresh clone tests on its own.
/// </summary>
internal static class Reference
{
    private const string FileName = "gvisor-arm64-syscalls.tsv";

    public static string RepoCopy => Path.Combine(RepoPaths.Root, "tests", "reference", FileName);

    /// <summary>shared/reference beside (or above) the repository, when present.</summary>
    public static string? Shared
    {
        get
        {
            for (var dir = new DirectoryInfo(RepoPaths.Root); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "reference", FileName);
                if (File.Exists(candidate)) return candidate;
            }
            return null;
        }
    }

    public static string Tsv => Shared ?? RepoCopy;

    /// <summary>(number, name) rows of gVisor's arm64 table.</summary>
    public static IReadOnlyList<(int Number, string Name)> Rows()
    {
        var lines = File.ReadAllLines(Tsv);
        Assert.Equal("number\tname\tsupport\tnotes", lines[0]);
        return lines.Skip(1).Where(l => l.Length > 0)
            .Select(l => l.Split('\t'))
            .Select(f => (int.Parse(f[0], System.Globalization.CultureInfo.InvariantCulture), f[1]))
            .ToArray();
    }
}

public class ReferenceCopyTests
{
    [Fact]
    public void The_repository_copy_matches_shared_reference_when_it_is_present()
    {
        Assert.True(File.Exists(Reference.RepoCopy), $"{Reference.RepoCopy} is missing");
        if (Reference.Shared is { } shared)
        {
            Assert.True(File.ReadAllText(shared) == File.ReadAllText(Reference.RepoCopy),
                $"tests/reference/gvisor-arm64-syscalls.tsv differs from {shared}: copy it again");
        }
    }
}
