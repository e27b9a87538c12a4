using System.Runtime.InteropServices;
using Kernel.Syscalls.Abi;

namespace Kernel.Actors.Vfs;

/// <summary>poll(2) on host fds, for the readiness of host-backed files (POLL* values are the same on every Linux).</summary>
internal static unsafe class HostPoll
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    [DllImport("libc.so.6", EntryPoint = "poll", SetLastError = true)]
    internal static extern int PollRaw(PollFd* fds, nuint count, int timeout);

    [DllImport("libc.so.6", EntryPoint = "eventfd", SetLastError = true)]
    internal static extern int EventFd(uint initial, int flags);

    [DllImport("libc.so.6", EntryPoint = "read", SetLastError = true)]
    internal static extern nint Read(int fd, byte* buf, nuint count);

    [DllImport("libc.so.6", EntryPoint = "write", SetLastError = true)]
    internal static extern nint Write(int fd, byte* buf, nuint count);

    /// <summary>The host's readiness of <paramref name="fd"/> for <paramref name="events"/> now (plus ERR/HUP/NVAL), without waiting.</summary>
    public static int Now(int fd, int events)
    {
        var p = new PollFd { Fd = fd, Events = (short)events };
        for (int attempt = 0; attempt < 8; attempt++)
        {
            int r = PollRaw(&p, 1, 0);
            if (r >= 0) return r == 0 ? 0 : (ushort)p.Revents;
            if (Marshal.GetLastPInvokeError() != (int)Errno.EINTR) break;
        }
        return Poll.Err;
    }
}

/// <summary>
/// One host thread that waits in poll(2) on the host fds someone waits for, and notifies their files' wait queues.
/// An fd is watched only for events last seen not ready (<see cref="Arm"/>) and stops being watched for the events
/// it reported, so a level-triggered host poll never spins; files re-arm when they see an event not ready again.
/// </summary>
internal sealed unsafe class HostPollWatcher
{
    public static readonly HostPollWatcher Instance = new();

    private readonly Lock _lock = new();
    private readonly Dictionary<HostStdioFile, int> _armed = new(ReferenceEqualityComparer.Instance);
    private int _wakeFd = -1;

    /// <summary>Starts watching <paramref name="file"/>'s fd for <paramref name="events"/> (on top of what it watches).</summary>
    public void Arm(HostStdioFile file, int events)
    {
        if (events == 0) return;
        lock (_lock)
        {
            int old = _armed.GetValueOrDefault(file);
            if ((old | events) == old) return;
            _armed[file] = old | events;
            if (_wakeFd < 0)
            {
                _wakeFd = HostPoll.EventFd(0, 0x80000 /* EFD_CLOEXEC */);
                if (_wakeFd < 0) return;
                new Thread(Loop) { IsBackground = true, Name = "host-poll" }.Start();
            }
        }
        Signal();
    }

    public void Forget(HostStdioFile file)
    {
        bool removed;
        lock (_lock) removed = _armed.Remove(file);
        if (removed) Signal();
    }

    private void Signal()
    {
        ulong one = 1;
        HostPoll.Write(_wakeFd, (byte*)&one, 8);
    }

    private void Loop()
    {
        var files = new List<HostStdioFile>();
        var fds = new HostPoll.PollFd[1];
        while (true)
        {
            files.Clear();
            lock (_lock)
            {
                if (fds.Length < _armed.Count + 1) fds = new HostPoll.PollFd[_armed.Count + 1];
                fds[0] = new HostPoll.PollFd { Fd = _wakeFd, Events = (short)Poll.In };
                foreach (var (file, events) in _armed)
                {
                    fds[files.Count + 1] = new HostPoll.PollFd { Fd = file.HostFd, Events = (short)events };
                    files.Add(file);
                }
            }
            int r;
            fixed (HostPoll.PollFd* p = fds) r = HostPoll.PollRaw(p, (nuint)(files.Count + 1), -1);
            if (r <= 0) continue; // EINTR
            if (fds[0].Revents != 0)
            {
                ulong drained;
                HostPoll.Read(_wakeFd, (byte*)&drained, 8);
            }
            for (int i = 0; i < files.Count; i++)
            {
                int revents = (ushort)fds[i + 1].Revents;
                if (revents == 0) continue;
                var file = files[i];
                lock (_lock)
                {
                    if (!_armed.TryGetValue(file, out var armed)) continue;
                    // A hang-up or error stays: stop watching the fd altogether.
                    armed = (revents & (Poll.Hup | Poll.Err | Poll.Nval)) != 0 ? 0 : armed & ~revents;
                    if (armed == 0) _armed.Remove(file);
                    else _armed[file] = armed;
                }
                file.HostReadiness.Notify(revents);
            }
        }
    }
}
