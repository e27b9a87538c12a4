using Akka.Configuration;

namespace Kernel.Host;

/// <summary>Loads config/kernel.conf (HOCON): the kernel's settings and Akka's.</summary>
public static class Settings
{
    public static Config Load(string? file)
    {
        file ??= Candidates().FirstOrDefault(File.Exists);
        var text = file is not null ? File.ReadAllText(file) : "";
        return ConfigurationFactory.ParseString(text).WithFallback(ConfigurationFactory.ParseString("kernel { rootfs = \"/var/cache/kernel/rootfs-bookworm-arm64\" }"));
    }

    private static IEnumerable<string> Candidates()
    {
        if (Environment.GetEnvironmentVariable("KERNEL_CONFIG") is { Length: > 0 } c) yield return c;
        if (Environment.GetEnvironmentVariable("KERNEL_REPO") is { Length: > 0 } r) yield return Path.Combine(r, "config", "kernel.conf");
        yield return Path.Combine(AppContext.BaseDirectory, "kernel.conf");
    }
}
