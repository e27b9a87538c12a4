using System.Buffers.Binary;
using Kernel.Syscalls.Abi;

namespace Kernel.Syscalls;

/// <summary>An epoll instance as poll-free code sees it: its ready events can be taken from any thread.</summary>
public interface IEpollInstance
{
    /// <summary>
    /// Reports up to <paramref name="max"/> ready registrations through <paramref name="emit"/> (false: the event could
    /// not be stored, the registration stays ready and <paramref name="faulted"/> is set). Returns the number reported.
    /// </summary>
    int Harvest(int max, Func<uint, ulong, bool> emit, out bool faulted);
}

/// <summary>
/// The passes over descriptors of poll, select and epoll_wait, shared by the fast path on the task's thread (which
/// answers when nothing has to wait) and the VFS actor (which parks the calls that must).
/// </summary>
public static class Readiness
{
    /// <summary>A descriptor that cannot be polled (closed, or O_PATH) reads as POLLNVAL.</summary>
    public static int PollOf(IFastFile? file) =>
        file is null || (file.StatusFlags & OpenFlags.O_PATH) != 0 ? Poll.Nval : file.PollEvents();

    /// <summary>Copies ready epoll events to struct epoll_event slots at <paramref name="address"/> (the padding is left alone).</summary>
    public static long Harvest(IEpollInstance ep, IGuestMemory memory, ulong address, int max)
    {
        int index = 0;
        var n = ep.Harvest(max, (events, data) =>
        {
            var at = address + (ulong)(16 * index);
            Span<byte> buf = stackalloc byte[8];
            BinaryPrimitives.WriteUInt32LittleEndian(buf, events);
            if (memory.Write(at, buf[..4]) != Errno.None) return false;
            BinaryPrimitives.WriteUInt64LittleEndian(buf, data);
            if (memory.Write(at + 8, buf) != Errno.None) return false;
            index++;
            return true;
        }, out var faulted);
        return n == 0 && faulted ? -(long)Errno.EFAULT : n;
    }
}

/// <summary>The pollfd array of a ppoll call.</summary>
public sealed class PollSet
{
    private readonly (int Fd, int Events)[] _fds;

    private PollSet((int, int)[] fds) => _fds = fds;

    public int Count => _fds.Length;

    public static Errno Read(IGuestMemory memory, ulong address, int count, out PollSet? set)
    {
        set = null;
        var raw = new byte[count * 8];
        if (memory.Read(address, raw) != Errno.None) return Errno.EFAULT;
        var fds = new (int, int)[count];
        for (int i = 0; i < count; i++)
            fds[i] = (BinaryPrimitives.ReadInt32LittleEndian(raw.AsSpan(8 * i)), BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(8 * i + 4)));
        set = new PollSet(fds);
        return Errno.None;
    }

    public IEnumerable<(int Fd, int Events)> Entries => _fds;

    /// <summary>One pass: each entry's revents (fd &lt; 0: none); returns how many are non-zero.</summary>
    public int Pass(Func<int, IFastFile?> files, int[] revents)
    {
        int count = 0;
        for (int i = 0; i < _fds.Length; i++)
        {
            var (fd, events) = _fds[i];
            revents[i] = fd < 0 ? 0 : Readiness.PollOf(files(fd)) & (events | Poll.Err | Poll.Hup | Poll.Nval);
            if (revents[i] != 0) count++;
        }
        return count;
    }

    /// <summary>Writes the revents fields back (only those, as Linux does).</summary>
    public static Errno WriteBack(IGuestMemory memory, ulong address, int[] revents)
    {
        Span<byte> two = stackalloc byte[2];
        for (int i = 0; i < revents.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(two, (short)revents[i]);
            if (memory.Write(address + (ulong)(8 * i) + 6, two) != Errno.None) return Errno.EFAULT;
        }
        return Errno.None;
    }
}

/// <summary>The three descriptor sets of a select call, clamped to <see cref="Nfds"/> descriptors.</summary>
public sealed class SelectSets
{
    public int Nfds { get; }
    public ulong[]? In { get; }
    public ulong[]? Out { get; }
    public ulong[]? Ex { get; }

    private SelectSets(int nfds, ulong[]? @in, ulong[]? @out, ulong[]? ex)
    {
        Nfds = nfds;
        In = @in;
        Out = @out;
        Ex = ex;
    }

    /// <summary>Reads the sets present (address 0: absent); EFAULT when one cannot be read.</summary>
    public static Errno Read(IGuestMemory memory, int nfds, ulong inAddress, ulong outAddress, ulong exAddress, out SelectSets? sets)
    {
        sets = null;
        int words = (nfds + 63) / 64;
        ulong[]? Load(ulong address, ref bool fault)
        {
            if (address == 0) return null;
            var raw = new byte[words * 8];
            if (memory.Read(address, raw) != Errno.None) fault = true;
            var set = new ulong[words];
            for (int i = 0; i < words; i++) set[i] = BinaryPrimitives.ReadUInt64LittleEndian(raw.AsSpan(8 * i));
            return set;
        }
        bool fault = false;
        var s = new SelectSets(nfds, Load(inAddress, ref fault), Load(outAddress, ref fault), Load(exAddress, ref fault));
        if (fault) return Errno.EFAULT;
        sets = s;
        return Errno.None;
    }

    /// <summary>EBADF when a set names a descriptor that is not open (max_select_fd).</summary>
    public Errno CheckOpen(Func<int, IFastFile?> files)
    {
        for (int fd = 0; fd < Nfds; fd++)
            if (Wanted(fd) != 0 && files(fd) is null) return Errno.EBADF;
        return Errno.None;
    }

    /// <summary>The poll bits that would make <paramref name="fd"/> ready in the sets that name it (0: in none).</summary>
    public int Wanted(int fd) => (Bit(In, fd) ? Poll.SelectIn : 0) | (Bit(Out, fd) ? Poll.SelectOut : 0) | (Bit(Ex, fd) ? Poll.SelectEx : 0);

    /// <summary>One pass of do_select into fresh result sets; returns the number of bits set.</summary>
    public int Pass(Func<int, IFastFile?> files, out SelectSets result)
    {
        result = new SelectSets(Nfds, Empty(In), Empty(Out), Empty(Ex));
        int count = 0;
        for (int fd = 0; fd < Nfds; fd++)
        {
            if (Wanted(fd) == 0) continue;
            // A descriptor closed meanwhile (or an O_PATH one) is POLLNVAL, which is in every set.
            int mask = Readiness.PollOf(files(fd));
            if (Bit(In, fd) && (mask & Poll.SelectIn) != 0) count += Set(result.In!, fd);
            if (Bit(Out, fd) && (mask & Poll.SelectOut) != 0) count += Set(result.Out!, fd);
            if (Bit(Ex, fd) && (mask & Poll.SelectEx) != 0) count += Set(result.Ex!, fd);
        }
        return count;
    }

    /// <summary>Writes the sets back (only the words for <see cref="Nfds"/> descriptors, as Linux does).</summary>
    public Errno WriteBack(IGuestMemory memory, ulong inAddress, ulong outAddress, ulong exAddress)
    {
        bool fault = Store(inAddress, In) | Store(outAddress, Out) | Store(exAddress, Ex);
        return fault ? Errno.EFAULT : Errno.None;

        bool Store(ulong address, ulong[]? set)
        {
            if (set is null) return false;
            var raw = new byte[set.Length * 8];
            for (int i = 0; i < set.Length; i++) BinaryPrimitives.WriteUInt64LittleEndian(raw.AsSpan(8 * i), set[i]);
            return memory.Write(address, raw) != Errno.None;
        }
    }

    private static bool Bit(ulong[]? set, int fd) => set is not null && (set[fd >> 6] & (1UL << (fd & 63))) != 0;

    private static int Set(ulong[] set, int fd)
    {
        set[fd >> 6] |= 1UL << (fd & 63);
        return 1;
    }

    private static ulong[]? Empty(ulong[]? set) => set is null ? null : new ulong[set.Length];
}
