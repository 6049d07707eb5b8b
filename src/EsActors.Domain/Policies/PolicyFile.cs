using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace EsActors.Domain.Policies;

/// <summary>
/// A trained policy as written by <c>train</c> and read by <c>play</c>. Holds only what two runs with the same
/// config and seed share (no run id, no time), so identical runs give byte-identical files.
/// Format, all little-endian:
/// <code>
/// "ESAPOLICY\0" (10 bytes) | u32 format version (1 for a tanh or discrete head, byte-identical to earlier builds' files; 2 with a linear head)
/// u16 env-id byte length | env id (UTF-8)
/// u32 inputs | u32 outputs | u32 hidden count | u32 × hidden sizes | u8 activation (0 tanh, 1 relu)
/// u32 action bins (0 = continuous/discrete head) | format 2 only: u8 box head (1 linear)
/// u32 parameter count | f32 × θ
/// u8 observation normalisation (0/1) | f32 × inputs mean | f32 × inputs std
/// u64 XxHash64 of everything before it
/// </code>
/// </summary>
public sealed record PolicyFile(string EnvironmentId, NetworkShape Network, int ActionBins, float[] Theta, bool NormalizeObservations, float[] ObservationMean, float[] ObservationStd,
    BoxHead BoxHead = BoxHead.Tanh)
{
    private static readonly byte[] Magic = "ESAPOLICY\0"u8.ToArray();
    public const uint FormatVersion = 2;

    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        using (var w = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            // BinaryWriter writes little-endian on every platform.
            w.Write(Magic);
            var version = BoxHead == BoxHead.Tanh ? 1u : FormatVersion;
            w.Write(version);
            var id = Encoding.UTF8.GetBytes(EnvironmentId);
            w.Write((ushort)id.Length); w.Write(id);
            w.Write(Network.Inputs); w.Write(Network.Outputs); w.Write(Network.Hidden.Count);
            foreach (var h in Network.Hidden) w.Write(h);
            w.Write((byte)Network.Activation);
            w.Write(ActionBins);
            if (version >= 2) w.Write((byte)BoxHead);
            w.Write(Theta.Length); foreach (var x in Theta) w.Write(x);
            w.Write(NormalizeObservations ? (byte)1 : (byte)0);
            foreach (var x in ObservationMean) w.Write(x);
            foreach (var x in ObservationStd) w.Write(x);
        }
        var body = stream.ToArray();
        var result = new byte[body.Length + 8];
        body.CopyTo(result, 0);
        BinaryPrimitives.WriteUInt64LittleEndian(result.AsSpan(body.Length), XxHash64.HashToUInt64(body));
        return result;
    }

    public void Write(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllBytes(temp, ToBytes());
        File.Move(temp, path, overwrite: true);
    }

    /// <exception cref="InvalidDataException">The bytes are not an intact EsActors policy file.</exception>
    public static PolicyFile Parse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException("not an EsActors policy file (bad magic)");
        if (bytes.Length < Magic.Length + 12) throw new InvalidDataException("policy file is truncated");
        var body = bytes[..^8];
        if (XxHash64.HashToUInt64(body) != BinaryPrimitives.ReadUInt64LittleEndian(bytes[^8..]))
            throw new InvalidDataException("policy file is corrupt (checksum mismatch)");
        try
        {
            using var r = new BinaryReader(new MemoryStream(body.ToArray()), Encoding.UTF8);
            r.ReadBytes(Magic.Length);
            var version = r.ReadUInt32();
            if (version is < 1 or > FormatVersion) throw new InvalidDataException($"policy file format version {version} is not supported (expected 1 to {FormatVersion})");
            var id = Encoding.UTF8.GetString(r.ReadBytes(r.ReadUInt16()));
            var inputs = r.ReadInt32(); var outputs = r.ReadInt32(); var hiddenCount = r.ReadInt32();
            if (hiddenCount is < 0 or > 64) throw new InvalidDataException("policy file has an implausible layer count");
            var hidden = new int[hiddenCount];
            for (var i = 0; i < hiddenCount; i++) hidden[i] = r.ReadInt32();
            var activation = (Activation)r.ReadByte();
            var bins = r.ReadInt32();
            var head = version < 2 ? BoxHead.Tanh : (BoxHead)r.ReadByte();
            if (!Enum.IsDefined(head)) throw new InvalidDataException($"policy file names an unknown action head {(byte)head}");
            var shape = new NetworkShape(inputs, hidden, outputs, activation);
            var count = r.ReadInt32();
            if (count != shape.ParameterCount) throw new InvalidDataException($"policy file holds {count} parameters but its shape needs {shape.ParameterCount}");
            var theta = ReadFloats(r, count);
            var normalize = r.ReadByte() == 1;
            var mean = ReadFloats(r, inputs); var std = ReadFloats(r, inputs);
            return new PolicyFile(id, shape, bins, theta, normalize, mean, std, head);
        }
        catch (EndOfStreamException) { throw new InvalidDataException("policy file is truncated"); }
        catch (ArgumentException e) { throw new InvalidDataException($"policy file is malformed: {e.Message}"); }
    }

    public static PolicyFile Read(string path) => Parse(File.ReadAllBytes(path));

    private static float[] ReadFloats(BinaryReader r, int count)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++) values[i] = r.ReadSingle();
        return values;
    }
}
