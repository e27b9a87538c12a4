namespace Kernel.Tests.Infrastructure;

/// <summary>
/// Tests that run guest programs out of process share this collection so they run one at a time:
/// the machine has two cores and an emulated guest can use a whole one.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GuestCollection
{
    public const string Name = "Guest processes";
}
