namespace PaperFeed.Tests;

/// <summary>
/// Tests that measure live memory with <see cref="GC.GetTotalMemory"/>, which counts the whole process: they run
/// after the parallel tests and alone, so other tests' allocations are not counted against the parser.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurement
{
    public const string Name = "memory measurement";
}
