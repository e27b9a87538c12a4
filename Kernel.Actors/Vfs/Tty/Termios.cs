using System.Buffers.Binary;

namespace Kernel.Actors.Vfs;

/// <summary>
/// The kernel's <c>struct termios</c> (asm-generic, as arm64 uses it: four flag words, the line discipline and 19
/// control characters, 36 bytes) and <c>struct termios2</c> (the same plus the two speeds, 44 bytes).
/// </summary>
public sealed class Termios
{
    public const int Size = 36;
    public const int Size2 = 44;
    public const int NCCS = 19;

    // c_iflag
    public const uint IGNBRK = 0x1, BRKINT = 0x2, IGNPAR = 0x4, PARMRK = 0x8, INPCK = 0x10, ISTRIP = 0x20, INLCR = 0x40,
        IGNCR = 0x80, ICRNL = 0x100, IUCLC = 0x200, IXON = 0x400, IXANY = 0x800, IXOFF = 0x1000, IMAXBEL = 0x2000, IUTF8 = 0x4000;
    // c_oflag
    public const uint OPOST = 0x1, OLCUC = 0x2, ONLCR = 0x4, OCRNL = 0x8, ONOCR = 0x10, ONLRET = 0x20, TABDLY = 0x1800, XTABS = 0x1800;
    // c_cflag
    public const uint CBAUD = 0x100F, CSIZE = 0x30, CS8 = 0x30, CREAD = 0x80, PARENB = 0x100, HUPCL = 0x400, BOTHER = 0x1000, B38400 = 0xF;
    // c_lflag
    public const uint ISIG = 0x1, ICANON = 0x2, ECHO = 0x8, ECHOE = 0x10, ECHOK = 0x20, ECHONL = 0x40, NOFLSH = 0x80,
        TOSTOP = 0x100, ECHOCTL = 0x200, ECHOPRT = 0x400, ECHOKE = 0x800, FLUSHO = 0x1000, PENDIN = 0x4000, IEXTEN = 0x8000;
    // c_cc indices
    public const int VINTR = 0, VQUIT = 1, VERASE = 2, VKILL = 3, VEOF = 4, VTIME = 5, VMIN = 6, VSWTC = 7, VSTART = 8,
        VSTOP = 9, VSUSP = 10, VEOL = 11, VREPRINT = 12, VDISCARD = 13, VWERASE = 14, VLNEXT = 15, VEOL2 = 16;

    public uint IFlag, OFlag, CFlag, LFlag;
    public byte Line;
    public byte[] Cc = new byte[NCCS];
    public uint ISpeed = 38400, OSpeed = 38400;

    /// <summary>A pty slave's initial settings (Linux's tty_std_termios with the pts driver's c_cflag).</summary>
    public static Termios PtyDefault()
    {
        var t = new Termios
        {
            IFlag = ICRNL | IXON,
            OFlag = OPOST | ONLCR,
            CFlag = B38400 | CS8 | CREAD,
            LFlag = ISIG | ICANON | ECHO | ECHOE | ECHOK | ECHOCTL | ECHOKE | IEXTEN,
        };
        // ^C ^\ DEL ^U ^D, VTIME 0, VMIN 1, VSWTC 0, ^Q ^S ^Z, VEOL 0, ^R ^O ^W ^V, VEOL2 0.
        byte[] cc = [3, 28, 127, 21, 4, 0, 1, 0, 17, 19, 26, 0, 18, 15, 23, 22, 0];
        cc.CopyTo(t.Cc, 0);
        return t;
    }

    public Termios Clone()
    {
        var t = (Termios)MemberwiseClone();
        t.Cc = (byte[])Cc.Clone();
        return t;
    }

    public bool I(uint flag) => (IFlag & flag) != 0;
    public bool O(uint flag) => (OFlag & flag) != 0;
    public bool L(uint flag) => (LFlag & flag) != 0;

    /// <summary>Whether <paramref name="c"/> is the control character at <paramref name="index"/> (0 disables one).</summary>
    public bool Is(byte c, int index) => c != 0 && Cc[index] == c;

    public void WriteTo(Span<byte> d, bool withSpeeds = false)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(d, IFlag);
        BinaryPrimitives.WriteUInt32LittleEndian(d[4..], OFlag);
        BinaryPrimitives.WriteUInt32LittleEndian(d[8..], CFlag);
        BinaryPrimitives.WriteUInt32LittleEndian(d[12..], LFlag);
        d[16] = Line;
        Cc.CopyTo(d[17..]);
        if (!withSpeeds) return;
        BinaryPrimitives.WriteUInt32LittleEndian(d[36..], ISpeed);
        BinaryPrimitives.WriteUInt32LittleEndian(d[40..], OSpeed);
    }

    /// <summary>New settings from a TCSETS* (or TCSETS2*) argument; speeds follow the baud code unless BOTHER.</summary>
    public static Termios ReadFrom(ReadOnlySpan<byte> s, bool withSpeeds = false)
    {
        var t = new Termios
        {
            IFlag = BinaryPrimitives.ReadUInt32LittleEndian(s),
            OFlag = BinaryPrimitives.ReadUInt32LittleEndian(s[4..]),
            CFlag = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]),
            LFlag = BinaryPrimitives.ReadUInt32LittleEndian(s[12..]),
            Line = s[16],
        };
        s.Slice(17, NCCS).CopyTo(t.Cc);
        uint code = t.CFlag & CBAUD;
        if (withSpeeds && code == BOTHER)
        {
            t.OSpeed = BinaryPrimitives.ReadUInt32LittleEndian(s[40..]);
            t.ISpeed = BinaryPrimitives.ReadUInt32LittleEndian(s[36..]);
        }
        else
        {
            t.ISpeed = t.OSpeed = BaudRate(code);
        }
        return t;
    }

    /// <summary>The old <c>struct termio</c> (TCGETA): the low 16 bits of each flag word, the line and 8 control characters.</summary>
    public const int TermioSize = 18, NCC = 8;

    public void WriteTermio(Span<byte> d)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(d, (ushort)IFlag);
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], (ushort)OFlag);
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], (ushort)CFlag);
        BinaryPrimitives.WriteUInt16LittleEndian(d[6..], (ushort)LFlag);
        d[8] = Line;
        Cc.AsSpan(0, NCC).CopyTo(d[9..]);
        d[17] = 0;
    }

    /// <summary>
    /// These settings changed by a TCSETA* argument: a termio replaces only the low 16 bits of each flag word and
    /// the first 8 control characters (user_termio_to_kernel_termios); speeds follow the new baud code.
    /// </summary>
    public Termios WithTermio(ReadOnlySpan<byte> s)
    {
        var t = Clone();
        t.IFlag = (IFlag & 0xffff0000) | BinaryPrimitives.ReadUInt16LittleEndian(s);
        t.OFlag = (OFlag & 0xffff0000) | BinaryPrimitives.ReadUInt16LittleEndian(s[2..]);
        t.CFlag = (CFlag & 0xffff0000) | BinaryPrimitives.ReadUInt16LittleEndian(s[4..]);
        t.LFlag = (LFlag & 0xffff0000) | BinaryPrimitives.ReadUInt16LittleEndian(s[6..]);
        t.Line = s[8];
        s.Slice(9, NCC).CopyTo(t.Cc);
        t.ISpeed = t.OSpeed = BaudRate(t.CFlag & CBAUD);
        return t;
    }

    private static readonly uint[] Rates = [0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400];
    private static readonly uint[] HighRates = [0, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000,
        1500000, 2000000, 2500000, 3000000, 3500000, 4000000];

    private static uint BaudRate(uint code) => (code & BOTHER) == 0 ? Rates[code & 0xF] : HighRates[code & 0xF];
}

/// <summary><c>struct winsize</c>: rows, columns and the pixel sizes, four unsigned shorts.</summary>
public readonly record struct Winsize(ushort Rows, ushort Cols, ushort XPixel, ushort YPixel)
{
    public const int Size = 8;

    public void WriteTo(Span<byte> d)
    {
        BinaryPrimitives.WriteUInt16LittleEndian(d, Rows);
        BinaryPrimitives.WriteUInt16LittleEndian(d[2..], Cols);
        BinaryPrimitives.WriteUInt16LittleEndian(d[4..], XPixel);
        BinaryPrimitives.WriteUInt16LittleEndian(d[6..], YPixel);
    }

    public static Winsize ReadFrom(ReadOnlySpan<byte> s) => new(
        BinaryPrimitives.ReadUInt16LittleEndian(s), BinaryPrimitives.ReadUInt16LittleEndian(s[2..]),
        BinaryPrimitives.ReadUInt16LittleEndian(s[4..]), BinaryPrimitives.ReadUInt16LittleEndian(s[6..]));
}
