namespace EsActors.Node.Tests.Support;

/// <summary>
/// Shared by the process-level tests: builds nothing (the CLI assembly is already in the test output folder), only
/// checks it is there and gives each test a scratch folder under one temp root, deleted at the end.
/// </summary>
public sealed class CliFixture : IDisposable
{
    private readonly TempDirectory _root = new("esactors-cli-tests-");
    private int _next;

    public CliFixture()
    {
        if (!File.Exists(CliProcess.NodeDll)) throw new InvalidOperationException($"{CliProcess.NodeDll} is missing: build the test project first");
    }

    public string Root => _root.Path;

    public string NewFolder(string name)
    {
        var path = Path.Combine(_root.Path, $"{Interlocked.Increment(ref _next):00}-{name}");
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose() => _root.Dispose();
}

[CollectionDefinition(Name)]
public sealed class CliCollection : ICollectionFixture<CliFixture>
{
    public const string Name = "CLI processes";
}
