using System.Text;

namespace Kernel.Tests.Infrastructure;

/// <summary>A small line diff (longest common subsequence) for assertion messages.</summary>
public static class TextDiff
{
    /// <summary>
    /// Lines prefixed with ' ' (both), '-' (only expected) or '+' (only actual), with unchanged
    /// runs longer than 2*context collapsed. Empty when the texts are equal.
    /// </summary>
    public static string Unified(string expected, string actual, string expectedLabel, string actualLabel, int context = 3)
    {
        if (expected == actual)
            return "";
        var a = SplitLines(expected);
        var b = SplitLines(actual);
        var lcs = new int[a.Length + 1, b.Length + 1];
        for (var i = a.Length - 1; i >= 0; i--)
            for (var j = b.Length - 1; j >= 0; j--)
                lcs[i, j] = a[i] == b[j] ? lcs[i + 1, j + 1] + 1 : Math.Max(lcs[i + 1, j], lcs[i, j + 1]);

        var ops = new List<(char Op, string Line)>();
        int x = 0, y = 0;
        while (x < a.Length || y < b.Length)
        {
            if (x < a.Length && y < b.Length && a[x] == b[y]) { ops.Add((' ', a[x])); x++; y++; }
            else if (x < a.Length && (y == b.Length || lcs[x + 1, y] >= lcs[x, y + 1])) { ops.Add(('-', a[x])); x++; }
            else { ops.Add(('+', b[y])); y++; }
        }

        var sb = new StringBuilder().Append("--- ").AppendLine(expectedLabel).Append("+++ ").AppendLine(actualLabel);
        var keep = new bool[ops.Count];
        for (var k = 0; k < ops.Count; k++)
        {
            if (ops[k].Op == ' ')
                continue;
            for (var n = Math.Max(0, k - context); n <= Math.Min(ops.Count - 1, k + context); n++)
                keep[n] = true;
        }
        var skipped = false;
        for (var k = 0; k < ops.Count; k++)
        {
            if (!keep[k]) { skipped = true; continue; }
            if (skipped) { sb.AppendLine("@@ ... @@"); skipped = false; }
            sb.Append(ops[k].Op).AppendLine(ops[k].Line);
        }
        if (expected.Length > 0 && actual.Length > 0 && expected.EndsWith('\n') != actual.EndsWith('\n'))
            sb.AppendLine("(the texts differ in a trailing newline)");
        return sb.ToString();
    }

    private static string[] SplitLines(string s)
    {
        if (s.Length == 0)
            return [];
        var lines = s.Split('\n');
        return s.EndsWith('\n') ? lines[..^1] : lines;
    }
}
