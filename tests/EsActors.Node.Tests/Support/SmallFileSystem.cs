namespace EsActors.Node.Tests.Support;

/// <summary>
/// A tmpfs of a fixed size mounted for one test (needs root, as CI has; without it the test fails saying so), so a
/// test can fill a disk for real without touching the machine's own. Unmounted on dispose.
/// </summary>
public sealed class SmallFileSystem : IDisposable
{
    private readonly string _path;

    private SmallFileSystem(string path) => _path = path;

    public static SmallFileSystem Mount(string path, string size)
    {
        Directory.CreateDirectory(path);
        var (code, text) = SystemCommand.Run("mount", "-t", "tmpfs", "-o", $"size={size}", "tmpfs", path);
        if (code != 0)
            Assert.Fail($"could not mount a {size} tmpfs at {path} (exit {code}: {text.Trim()}); this test needs root (CI runs as root)");
        return new SmallFileSystem(path);
    }

    /// <summary>Writes <paramref name="file"/> until the file system has no space left.</summary>
    public void Fill(string file)
    {
        var block = new byte[64 * 1024];
        using var stream = new FileStream(file, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1);
        for (var i = 0; i < 1_000_000; i++) // bounded: 64 GiB, far above any size this class mounts
        {
            try { stream.Write(block); stream.Flush(); }
            catch (IOException) { return; } // ENOSPC: full
        }
        Assert.Fail($"{_path} never filled up");
    }

    public void Dispose()
    {
        // A process the test started may still hold a file open (it was killed on a failure): lazy unmount detaches now.
        var (code, text) = SystemCommand.Run("umount", "-l", _path);
        if (code != 0) Console.Error.WriteLine($"umount {_path} failed: {text.Trim()}");
    }
}
