using Microsoft.Data.Sqlite;

namespace EsActors.Node.Tests.Support;

/// <summary>A fresh folder under the system temp folder, deleted (with everything in it) on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory(string prefix = "esactors-node-tests-")
    {
        Path = Directory.CreateTempSubdirectory(prefix).FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        // Pooled SQLite connections keep journal files open; release them before deleting.
        SqliteConnection.ClearAllPools();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                if (Directory.Exists(Path)) Directory.Delete(Path, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 2) { GC.Collect(); GC.WaitForPendingFinalizers(); }
            catch (UnauthorizedAccessException) when (attempt < 2) { GC.Collect(); GC.WaitForPendingFinalizers(); }
        }
    }
}
