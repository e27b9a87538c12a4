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

    /// <summary>Programs whose purpose is a particular exit status; every other program exits 0 when all its checks pass.</summary>
    public static int ExpectedExitCode(string name) => name switch
    {
        "hello" => 3,
        "exit_status" => 7,
        _ => 0,
    };
}
