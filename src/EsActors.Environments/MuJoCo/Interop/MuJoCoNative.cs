using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace EsActors.Environments.MuJoCo.Interop;

/// <summary>The MuJoCo native library could not be used: missing, of another version, or incomplete.</summary>
public sealed class MuJoCoUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The MuJoCo 2.2.2 C API, bound through <see cref="NativeLibrary"/> to unmanaged function pointers
/// (no marshalling, no delegates). Loaded once per process on first use; loading checks
/// <c>mj_version() == 222</c>, because the mjModel/mjData offsets in <see cref="MjModelOffsets"/> and
/// <see cref="MjDataOffsets"/> were generated from the 2.2.2 headers, and installs error and warning
/// handlers in place of MuJoCo's defaults (which print, wait for Enter and exit the process).
/// </summary>
internal sealed unsafe class MuJoCoNative
{
    public const string LibraryFileName = "libmujoco.so.2.2.2";
    public const string PackageName = "libmujoco2.2.2";
    public const int ExpectedVersion = 222;
    /// <summary>Optional override: full path of the MuJoCo 2.2.2 shared library.</summary>
    public const string LibraryPathVariable = "ESACTORS_MUJOCO_LIBRARY";

    private static readonly Lazy<MuJoCoNative> Lazy = new(Load, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <exception cref="MuJoCoUnavailableException">The library is missing or of another version.</exception>
    public static MuJoCoNative Instance => Lazy.Value;

    public readonly IntPtr Handle;
    public readonly string LoadedFrom;

    public readonly delegate* unmanaged[Cdecl]<int> Version;
    public readonly delegate* unmanaged[Cdecl]<byte*, IntPtr, byte*, int, IntPtr> LoadXml;
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> DeleteModel;
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr> MakeData;
    public readonly delegate* unmanaged[Cdecl]<IntPtr, void> DeleteData;
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void> ResetData;
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void> Forward;
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void> Step;
    public readonly delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void> RnePostConstraint;
    public readonly delegate* unmanaged[Cdecl]<IntPtr, int, byte*, int> Name2Id;
    public readonly delegate* unmanaged[Cdecl]<byte*, void> Error;

    private static long _warningCount;
    private static string? _lastWarning;

    /// <summary>Number of MuJoCo warnings reported through the handler in this process.</summary>
    public static long WarningCount => Interlocked.Read(ref _warningCount);

    /// <summary>Text of the most recent MuJoCo warning in this process, if any.</summary>
    public static string? LastWarning => Volatile.Read(ref _lastWarning);

    private MuJoCoNative(IntPtr handle, string loadedFrom)
    {
        Handle = handle;
        LoadedFrom = loadedFrom;
        Version = (delegate* unmanaged[Cdecl]<int>)Export("mj_version");
        LoadXml = (delegate* unmanaged[Cdecl]<byte*, IntPtr, byte*, int, IntPtr>)Export("mj_loadXML");
        DeleteModel = (delegate* unmanaged[Cdecl]<IntPtr, void>)Export("mj_deleteModel");
        MakeData = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr>)Export("mj_makeData");
        DeleteData = (delegate* unmanaged[Cdecl]<IntPtr, void>)Export("mj_deleteData");
        ResetData = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void>)Export("mj_resetData");
        Forward = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void>)Export("mj_forward");
        Step = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void>)Export("mj_step");
        RnePostConstraint = (delegate* unmanaged[Cdecl]<IntPtr, IntPtr, void>)Export("mj_rnePostConstraint");
        Name2Id = (delegate* unmanaged[Cdecl]<IntPtr, int, byte*, int>)Export("mj_name2id");
        Error = (delegate* unmanaged[Cdecl]<byte*, void>)Export("mju_error");
    }

    private IntPtr Export(string name) =>
        NativeLibrary.TryGetExport(Handle, name, out var address)
            ? address
            : throw new MuJoCoUnavailableException(BuildMissingExportMessage(LoadedFrom, name));

    private static MuJoCoNative Load()
    {
        var overridePath = Environment.GetEnvironmentVariable(LibraryPathVariable);
        var attempted = string.IsNullOrWhiteSpace(overridePath) ? LibraryFileName : overridePath;
        IntPtr handle;
        try
        {
            handle = NativeLibrary.Load(attempted, typeof(MuJoCoNative).Assembly, DllImportSearchPath.SafeDirectories);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            throw new MuJoCoUnavailableException(BuildMissingLibraryMessage(attempted, e.Message), e);
        }

        var api = new MuJoCoNative(handle, attempted);
        var version = api.Version();
        if (version != ExpectedVersion)
            throw new MuJoCoUnavailableException(BuildVersionMismatchMessage(attempted, version));
        api.InstallHandlers();
        return api;
    }

    private void InstallHandlers()
    {
        // mju_user_error / mju_user_warning are global function-pointer variables in the library:
        // the export is the address of the variable, into which we write our callbacks' addresses.
        *(IntPtr*)Export("mju_user_error") = (IntPtr)(delegate* unmanaged[Cdecl]<byte*, void>)&OnError;
        *(IntPtr*)Export("mju_user_warning") = (IntPtr)(delegate* unmanaged[Cdecl]<byte*, void>)&OnWarning;
    }

    /// <summary>
    /// MuJoCo calls its error handler only for unrecoverable conditions (out of memory, mjData stack
    /// overflow, invalid API use) and the calling C code carries on as if the handler never returned,
    /// so returning would corrupt memory, and an exception cannot cross the native frames. The process
    /// therefore stops at once with the message (instead of MuJoCo's default, which waits for Enter on
    /// stdin before exiting). XML/model errors do not come here: mj_loadXML reports them in its error
    /// buffer and they become exceptions. Divergence (NaN/huge state) is a warning, not an error.
    /// </summary>
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnError(byte* message)
    {
        var text = BuildFatalErrorMessage(Marshal.PtrToStringUTF8((IntPtr)message));
        try { Console.Error.WriteLine(text); Console.Error.Flush(); } catch { /* best effort */ }
        Environment.FailFast(text);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnWarning(byte* message)
    {
        try
        {
            Interlocked.Increment(ref _warningCount);
            Volatile.Write(ref _lastWarning, Marshal.PtrToStringUTF8((IntPtr)message));
        }
        catch
        {
            // Never let an exception reach the native caller.
        }
    }

    /// <summary>Calls mju_error: reaches the fatal error handler (test hook, used by the probe process).</summary>
    internal void RaiseFatalErrorForTest(string message)
    {
        var bytes = Encoding.UTF8.GetBytes(message + "\0");
        fixed (byte* p = bytes) Error(p);
    }

    internal static string BuildMissingLibraryMessage(string attempted, string? reason) =>
        $"MuJoCo 2.2.2 is not available: the native library '{attempted}' could not be loaded" +
        (string.IsNullOrWhiteSpace(reason) ? "." : $" ({reason.Trim()}).") +
        $" Install the Debian package {PackageName} (apt-get install -y {PackageName}), or set " +
        $"{LibraryPathVariable} to the full path of a MuJoCo 2.2.2 {LibraryFileName}.";

    internal static string BuildVersionMismatchMessage(string loadedFrom, int actualVersion) =>
        $"MuJoCo library '{loadedFrom}' reports version {actualVersion} (mj_version), but EsActors needs " +
        $"exactly {ExpectedVersion} (MuJoCo 2.2.2): its mjModel/mjData field offsets were generated from the " +
        $"2.2.2 headers. Install the Debian package {PackageName} (apt-get install -y {PackageName}), or " +
        $"regenerate MjOffsets.g.cs with generate-offsets.sh against the matching headers.";

    internal static string BuildMissingExportMessage(string loadedFrom, string symbol) =>
        $"MuJoCo library '{loadedFrom}' has no symbol '{symbol}'; it is not MuJoCo 2.2.2. " +
        $"Install the Debian package {PackageName} (apt-get install -y {PackageName}).";

    internal static string BuildFatalErrorMessage(string? mujocoMessage) =>
        $"MuJoCo fatal error: {mujocoMessage ?? "(no message)"}. MuJoCo cannot continue after an error, so the process stops.";
}
