namespace Kernel.Actors.Vfs;

/// <summary>
/// A bounded first-in first-out byte buffer (a ring that grows on demand up to its capacity, so thousands of idle
/// terminals cost little); not thread-safe, its owner locks.
/// </summary>
public sealed class ByteQueue(int capacity)
{
    private byte[] _ring = new byte[Math.Min(capacity, 256)];
    private int _head;

    public int Count { get; private set; }
    public int Capacity { get; } = capacity;
    public int Free => Capacity - Count;

    public void Enqueue(byte b)
    {
        if (Count == Capacity) throw new InvalidOperationException("queue full");
        Reserve(Count + 1);
        _ring[(_head + Count) % _ring.Length] = b;
        Count++;
    }

    /// <summary>Appends as much of <paramref name="data"/> as fits; the number appended.</summary>
    public int Enqueue(ReadOnlySpan<byte> data)
    {
        int n = Math.Min(data.Length, Free);
        Reserve(Count + n);
        for (int i = 0; i < n; i++) _ring[(_head + Count + i) % _ring.Length] = data[i];
        Count += n;
        return n;
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

    public byte Dequeue()
    {
        if (Count == 0) throw new InvalidOperationException("queue empty");
        byte b = _ring[_head];
        _head = (_head + 1) % _ring.Length;
        Count--;
        return b;
    }

    public void Clear()
    {
        _head = 0;
        Count = 0;
    }

    private void Reserve(int needed)
    {
        if (needed <= _ring.Length) return;
        int size = _ring.Length;
        while (size < needed) size *= 2;
        var ring = new byte[Math.Min(size, Capacity)];
        int count = Count;
        Dequeue(ring.AsSpan(0, count));
        _ring = ring;
        _head = 0;
        Count = count;
    }
}
