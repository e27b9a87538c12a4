using System.Text.Json;
using Kernel.Host.Commands;
using Kernel.Syscalls.Table;

namespace Kernel.Tests.Table;

public class SyscallsCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        int code = SyscallsCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Markdown_is_the_default()
    {
        var (code, output, err) = Run();
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Equal(TableFormatter.ToMarkdown(SyscallTable.Default), output);
        Assert.Equal(output, Run("--format", "markdown").Out);
    }

    [Theory]
    [InlineData("--format", "json")]
    [InlineData("--format=json")]
    public void Json_format_prints_parseable_json(params string[] args)
    {
        var (code, output, _) = Run(args);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(output);
        Assert.Equal(SyscallTable.Default.Count, doc.RootElement.GetProperty("syscalls").GetArrayLength());
    }

    [Fact]
    public void Help_prints_usage_and_succeeds()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.StartsWith(SyscallsCommand.Usage, output);
    }

    [Theory]
    [InlineData("--format")]
    [InlineData("--format", "yaml")]
    [InlineData("--bogus")]
    [InlineData("extra")]
    public void Bad_arguments_exit_2_with_usage(params string[] args)
    {
        var (code, output, err) = Run(args);
        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Contains(SyscallsCommand.Usage, err);
    }
}
