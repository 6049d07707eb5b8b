using EsActors.Environments.MuJoCo.Interop;

namespace EsActors.MuJoCo.Tests;

public class MessageTests
{
    [Fact]
    public void Missing_library_message_names_the_package_and_the_file()
    {
        var message = MuJoCoNative.BuildMissingLibraryMessage("libmujoco.so.2.2.2", "cannot open shared object file: No such file or directory");
        Assert.Contains("libmujoco2.2.2", message);
        Assert.Contains("apt-get install -y libmujoco2.2.2", message);
        Assert.Contains("'libmujoco.so.2.2.2'", message);
        Assert.Contains("No such file or directory", message);
        Assert.Contains(MuJoCoNative.LibraryPathVariable, message);
    }

    [Fact]
    public void Version_mismatch_message_names_both_versions_and_the_package()
    {
        var message = MuJoCoNative.BuildVersionMismatchMessage("/opt/mujoco/libmujoco.so", 231);
        Assert.Contains("231", message);
        Assert.Contains("222", message);
        Assert.Contains("libmujoco2.2.2", message);
    }

    [Fact]
    public void Missing_export_message_names_the_symbol_and_the_package()
    {
        var message = MuJoCoNative.BuildMissingExportMessage("libfoo.so", "mj_step");
        Assert.Contains("mj_step", message);
        Assert.Contains("libmujoco2.2.2", message);
    }

    [Fact]
    public void Exception_type_carries_the_message()
    {
        var e = new MuJoCoUnavailableException(MuJoCoNative.BuildMissingLibraryMessage("x", null));
        Assert.StartsWith("MuJoCo 2.2.2 is not available", e.Message);
    }
}
