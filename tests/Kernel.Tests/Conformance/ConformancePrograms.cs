using Kernel.Tests.Infrastructure;

namespace Kernel.Tests.Conformance;

/// <summary>Theory data and expectations shared by the conformance tests.</summary>
public static class ConformancePrograms
{
    /// <summary>Every tests/conformance/*.c, by name.</summary>
    public static TheoryData<string> All()
    {
        var data = new TheoryData<string>();
        foreach (var name in RepoPaths.ConformancePrograms())
            data.Add(name);
        return data;
    }

    /// <summary>Programs whose syscalls qemu-user lacks: their oracle is the checked-in output of a real Linux kernel.</summary>
    public static bool HasExpectedOutput(string name) => File.Exists(RepoPaths.ConformanceExpected(name));

    /// <summary>The programs with an expected output, by name.</summary>
    public static TheoryData<string> WithExpectedOutput()
    {
        var data = new TheoryData<string>();
        foreach (var name in RepoPaths.ConformancePrograms().Where(HasExpectedOutput))
            data.Add(name);
        return data;
    }

    /// <summary>Programs whose purpose is a particular exit status; every other program exits 0 when all its checks pass.</summary>
    public static int ExpectedExitCode(string name) => name switch
    {
        "hello" => 3,
        "exit_status" => 7,
        _ => 0,
    };
}
