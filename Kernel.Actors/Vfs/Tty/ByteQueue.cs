namespace Kernel.Actors.Vfs;

/// <summary>A bounded first-in first-out byte buffer (a ring); not thread-safe, its owner locks.</summary>
public sealed class ByteQueue(int capacity)
{
    private readonly byte[] _ring = new byte[capacity];
    private int _head;

    public int Count { get; private set; }
    public int Capacity => _ring.Length;
    public int Free => _ring.Length - Count;

    public void Enqueue(byte b)
    {
        if (Count == _ring.Length) throw new InvalidOperationException("queue full");
        _ring[(_head + Count) % _ring.Length] = b;
        Count++;
    }

    /// <summary>Appends as much of <paramref name="data"/> as fits; the number appended.</summary>
    public int Enqueue(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, Free);
        for (int i = 0; i < n; i++) _ring[(_head + Count + i) % _ring.Length] = data[i];
        Count += n;
        return n;
    }

    public byte Dequeue()
    {
        if (Count == 0) throw new InvalidOperationException("queue empty");
        byte b = _ring[_head];
        _head = (_head + 1) % _ring.Length;
        Count--;
        return b;
    }

    /// <summary>Moves up to <paramref name="dest"/>.Length bytes out; the number moved.</summary>
    public int Dequeue(Span<byte> dest)
    {
        int n = Math.Min(dest.Length, Count);
        int first = Math.Min(n, _ring.Length - _head);
        _ring.AsSpan(_head, first).CopyTo(dest);
        _ring.AsSpan(0, n - first).CopyTo(dest[first..]);
        _head = (_head + n) % _ring.Length;
        Count -= n;
        return n;
    }

    public void Clear()
    {
        _head = 0;
        Count = 0;
    }
}
