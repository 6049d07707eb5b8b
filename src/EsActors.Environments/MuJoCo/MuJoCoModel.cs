using System.Collections.Concurrent;
using System.Text;
using EsActors.Environments.MuJoCo.Interop;

namespace EsActors.Environments.MuJoCo;

/// <summary>
/// A compiled mjModel, loaded once per process per model file and kept for the life of the process
/// (a few hundred kB at most); it is read-only after loading and shared by every environment
/// instance on every thread, each of which owns its own mjData.
/// The MJCF files are embedded resources of this assembly; loading writes one to a private
/// temporary directory, compiles it with mj_loadXML and deletes the directory again.
/// </summary>
internal sealed unsafe class MuJoCoModel
{
    private const string ResourcePrefix = "EsActors.Environments.MuJoCo.Models.";
    private static readonly ConcurrentDictionary<string, Lazy<MuJoCoModel>> Cache = new(StringComparer.Ordinal);

    public MuJoCoNative Api { get; }
    public string FileName { get; }
    public IntPtr Ptr { get; }
    public int Nq { get; }
    public int Nv { get; }
    public int Nu { get; }
    public int NBody { get; }
    public double Timestep { get; }
    public float[] CtrlLow { get; }
    public float[] CtrlHigh { get; }

    private MuJoCoModel(MuJoCoNative api, string fileName, IntPtr ptr)
    {
        Api = api;
        FileName = fileName;
        Ptr = ptr;
        Nq = ReadInt(MjModelOffsets.nq);
        Nv = ReadInt(MjModelOffsets.nv);
        Nu = ReadInt(MjModelOffsets.nu);
        NBody = ReadInt(MjModelOffsets.nbody);
        Timestep = *(double*)((byte*)ptr + MjModelOffsets.opt_timestep);
        var range = Array(MjModelOffsets.actuator_ctrlrange);
        CtrlLow = new float[Nu];
        CtrlHigh = new float[Nu];
        for (var i = 0; i < Nu; i++)
        {
            CtrlLow[i] = (float)range[2 * i];
            CtrlHigh[i] = (float)range[2 * i + 1];
        }
    }

    /// <summary>qpos0: the reference configuration (Gymnasium's init_qpos).</summary>
    public double* Qpos0 => Array(MjModelOffsets.qpos0);

    /// <summary>body_mass, nbody entries (world first).</summary>
    public double* BodyMass => Array(MjModelOffsets.body_mass);

    public int ReadInt(int offset) => *(int*)((byte*)Ptr + offset);

    /// <summary>An mjtNum stored in mjModel itself (e.g. <c>MjModelOffsets.opt_timestep</c>).</summary>
    public double ReadDouble(int offset) => *(double*)((byte*)Ptr + offset);

    /// <summary>
    /// A copy of the mjtNum array that the mjModel pointer at <paramref name="offset"/> points to,
    /// <paramref name="length"/> entries (e.g. <c>jnt_range</c>, 2·njnt): lets tests check the compiled
    /// physics against Gymnasium's values without unsafe code.
    /// </summary>
    public double[] CopyDoubles(int offset, int length) => new ReadOnlySpan<double>(Array(offset), length).ToArray();

    private double* Array(int offset) => *(double**)((byte*)Ptr + offset);

    /// <exception cref="ArgumentException">The model has no body of that name.</exception>
    public int BodyId(string name)
    {
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        int id;
        fixed (byte* p = bytes) id = Api.Name2Id(Ptr, MjHeader.ObjBody, p);
        return id >= 0 ? id : throw new ArgumentException($"model {FileName} has no body '{name}'", nameof(name));
    }

    /// <summary>The shared model compiled from the embedded MJCF file <paramref name="fileName"/> (e.g. "hopper.xml").</summary>
    /// <exception cref="MuJoCoUnavailableException">The native library is missing or of another version.</exception>
    /// <exception cref="InvalidOperationException">The model file is missing or does not compile.</exception>
    public static MuJoCoModel Get(string fileName) =>
        Cache.GetOrAdd(fileName, f => new Lazy<MuJoCoModel>(() => Load(f), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

    private static MuJoCoModel Load(string fileName)
    {
        var api = MuJoCoNative.Instance;
        var xml = ReadResource(fileName);
        var dir = Path.Combine(Path.GetTempPath(), $"esactors-mujoco-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            var path = Path.Combine(dir, fileName);
            File.WriteAllBytes(path, xml);
            var pathBytes = Encoding.UTF8.GetBytes(path + "\0");
            const int errorSize = 1024;
            var error = stackalloc byte[errorSize];
            error[0] = 0;
            IntPtr model;
            fixed (byte* p = pathBytes) model = api.LoadXml(p, IntPtr.Zero, error, errorSize);
            if (model == IntPtr.Zero)
            {
                var message = System.Runtime.InteropServices.Marshal.PtrToStringUTF8((IntPtr)error)?.Trim();
                throw new InvalidOperationException($"MuJoCo could not compile model {fileName}: {message}");
            }
            return new MuJoCoModel(api, fileName, model);
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    internal static byte[] ReadResource(string fileName)
    {
        using var stream = typeof(MuJoCoModel).Assembly.GetManifestResourceStream(ResourcePrefix + fileName)
            ?? throw new InvalidOperationException($"embedded MuJoCo model '{ResourcePrefix}{fileName}' is missing from {typeof(MuJoCoModel).Assembly.GetName().Name}");
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return buffer.ToArray();
    }
}
