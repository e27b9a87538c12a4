using System.Text;

namespace Kernel.Syscalls;

/// <summary>
/// The sandbox's kernel log (what dmesg reads through syslog(2)): records "&lt;level&gt;[seconds.micros] text\n" in a
/// buffer of Linux's default size, with the read position syslog's READ consumes and the clear point READ_ALL
/// starts from. Thread-safe.
/// </summary>
public sealed class KernelLog
{
    /// <summary>log_buf_len: 128 KiB, as CONFIG_LOG_BUF_SHIFT=17.</summary>
    public const int BufferSize = 1 << 17;

    private readonly Lock _lock = new();
    private readonly List<byte[]> _records = [];
    private long _firstSeq;    // sequence number of _records[0] (older ones fell out of the buffer)
    private long _clearSeq;    // READ_ALL starts here (CLEAR moves it)
    private long _readSeq;     // READ consumes from here
    private int _readPartial;  // bytes of the record at _readSeq already read
    private int _bytes;

    /// <summary>Appends a record at <paramref name="level"/> (KERN_INFO is 6), stamped with the time since boot.</summary>
    public void Add(int level, string text, TimeSpan sinceBoot)
    {
        long micros = (long)sinceBoot.TotalMicroseconds;
        var record = Encoding.UTF8.GetBytes($"<{level}>[{micros / 1_000_000,5}.{micros % 1_000_000:D6}] {text}\n");
        lock (_lock)
        {
            _records.Add(record);
            _bytes += record.Length;
            while (_bytes > BufferSize && _records.Count > 1)
            {
                _bytes -= _records[0].Length;
                _records.RemoveAt(0);
                _firstSeq++;
            }
        }
    }

    private long NextSeq => _firstSeq + _records.Count;

    /// <summary>SYSLOG_ACTION_READ_ALL: the newest whole records since the last clear that fit in <paramref name="max"/> bytes; CLEAR too when asked.</summary>
    public byte[] ReadAll(int max, bool clear)
    {
        lock (_lock)
        {
            long from = Math.Max(_clearSeq, _firstSeq);
            int total = 0;
            long start = NextSeq;
            while (start > from && total + _records[(int)(start - 1 - _firstSeq)].Length <= max)
            {
                start--;
                total += _records[(int)(start - _firstSeq)].Length;
            }
            var result = new byte[total];
            int at = 0;
            for (long s = start; s < NextSeq; s++)
            {
                var r = _records[(int)(s - _firstSeq)];
                r.CopyTo(result, at);
                at += r.Length;
            }
            if (clear) _clearSeq = NextSeq;
            return result;
        }
    }

    /// <summary>SYSLOG_ACTION_CLEAR.</summary>
    public void Clear()
    {
        lock (_lock) _clearSeq = NextSeq;
    }

    /// <summary>SYSLOG_ACTION_SIZE_UNREAD: bytes READ has not consumed.</summary>
    public int Unread
    {
        get
        {
            lock (_lock)
            {
                long from = Math.Max(_readSeq, _firstSeq);
                int n = 0;
                for (long s = from; s < NextSeq; s++) n += _records[(int)(s - _firstSeq)].Length;
                return n - (from == _readSeq ? _readPartial : 0);
            }
        }
    }

    /// <summary>SYSLOG_ACTION_READ: up to <paramref name="max"/> unread bytes, consumed; empty when there are none.</summary>
    public byte[] Read(int max)
    {
        lock (_lock)
        {
            if (_readSeq < _firstSeq)
            {
                _readSeq = _firstSeq;
                _readPartial = 0;
            }
            var result = new List<byte>();
            while (result.Count < max && _readSeq < NextSeq)
            {
                var r = _records[(int)(_readSeq - _firstSeq)];
                int take = Math.Min(r.Length - _readPartial, max - result.Count);
                result.AddRange(r.AsSpan(_readPartial, take).ToArray());
                _readPartial += take;
                if (_readPartial == r.Length)
                {
                    _readSeq++;
                    _readPartial = 0;
                }
            }
            return [.. result];
        }
    }
}
