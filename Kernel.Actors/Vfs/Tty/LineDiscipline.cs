using Kernel.Syscalls.Abi;
using static Kernel.Actors.Vfs.Termios;

namespace Kernel.Actors.Vfs;

/// <summary>
/// The N_TTY line discipline of one terminal, as Linux's n_tty does it: input processing (ICRNL, INLCR, IGNCR,
/// ISTRIP, IXON), signal characters (ISIG), canonical line editing (ERASE, WERASE, KILL, EOF, EOL, LNEXT,
/// REPRINT) with echo (ECHO, ECHOE, ECHOK, ECHOKE, ECHOCTL, ECHONL, ECHOPRT), and output processing (OPOST,
/// ONLCR, OCRNL, ONOCR, ONLRET, XTABS, OLCUC). Echoes are gathered per input chunk and committed at its end, so a
/// signal character discards the echoes of its own chunk as Linux's isig() does. Not thread-safe: its owner locks.
/// </summary>
public sealed class LineDiscipline(Func<Termios> termios, ByteQueue output)
{
    /// <summary>N_TTY_BUF_SIZE: the read buffer holds at most this many bytes.</summary>
    public const int BufferSize = 4096;

    private enum EchoKind : byte { Plain, Control, SetCanonColumn, MoveBackColumn, EraseTab }
    private readonly record struct EchoOp(EchoKind Kind, byte Value);
    /// <summary>A completed line: its length in the buffer (with its newline; an EOF terminator is not stored).</summary>
    private sealed class Line(int length)
    {
        public int Length = length;
    }

    private readonly List<byte> _buf = new();
    private readonly Queue<Line> _lines = new();
    private int _canonLength; // bytes of _buf that belong to completed lines
    private readonly List<EchoOp> _echoes = new();
    private bool _lnext, _erasing;
    private int _column, _canonColumn;
    private bool _canonical = termios().L(ICANON);

    private Termios T => termios();

    /// <summary>Bytes a read could return now (FIONREAD): completed lines in canonical mode, everything otherwise.</summary>
    public int Available => _canonical ? _canonLength : _buf.Count;

    /// <summary>Bytes held, complete or not (for the buffer's room).</summary>
    public int Buffered => _buf.Count;

    /// <summary>Whether a read can return now: a completed line, or enough bytes for VMIN (at least one).</summary>
    public bool Readable(int minimum = 1) => _canonical ? _lines.Count > 0 : _buf.Count >= Math.Max(1, minimum);

    // ---- input ----

    /// <summary>Whether another input byte fits (in canonical mode an overlong line keeps replacing its last byte).</summary>
    public bool CanAccept => _buf.Count < BufferSize - 1 || (_canonical && _canonLength == 0);

    /// <summary>Processes one input byte; signals to raise are added to <paramref name="signals"/>.</summary>
    public void Receive(byte c, List<int> signals)
    {
        var t = T;
        if (_buf.Count >= BufferSize) _buf.RemoveAt(_buf.Count - 1); // overflow of an unfinished line
        if (_lnext)
        {
            _lnext = false;
            ReceiveNormal(Translate(c, t), t);
            return;
        }
        c = Translate(c, t);
        if (IsSpecial(c, t)) ReceiveSpecial(c, t, signals);
        else ReceiveNormal(c, t);
    }

    private static byte Translate(byte c, Termios t)
    {
        if (t.I(ISTRIP)) c &= 0x7F;
        if (t.I(IUCLC) && t.L(IEXTEN) && c is >= (byte)'A' and <= (byte)'Z') c += 32;
        return c;
    }

    private static bool IsSpecial(byte c, Termios t)
    {
        if (c == 0) return false;
        if (c == '\r' && (t.I(IGNCR) || t.I(ICRNL))) return true;
        if (c == '\n' && t.I(INLCR)) return true;
        if (t.L(ICANON))
        {
            if (c == '\n' || t.Is(c, VERASE) || t.Is(c, VKILL) || t.Is(c, VEOF) || t.Is(c, VEOL)) return true;
            if (t.L(IEXTEN) && (t.Is(c, VWERASE) || t.Is(c, VLNEXT) || t.Is(c, VEOL2) || (t.L(ECHO) && t.Is(c, VREPRINT)))) return true;
        }
        if (t.I(IXON) && (t.Is(c, VSTART) || t.Is(c, VSTOP))) return true;
        return t.L(ISIG) && (t.Is(c, VINTR) || t.Is(c, VQUIT) || t.Is(c, VSUSP));
    }

    /// <summary>Output was stopped by the STOP character (IXON) and not yet restarted.</summary>
    public bool Stopped { get; set; }

    private void ReceiveSpecial(byte c, Termios t, List<int> signals)
    {
        if (t.I(IXON))
        {
            if (t.Is(c, VSTART))
            {
                Stopped = false;
                return;
            }
            if (t.Is(c, VSTOP))
            {
                Stopped = true;
                return;
            }
        }
        if (t.L(ISIG))
        {
            int sig = t.Is(c, VINTR) ? Sig.SIGINT : t.Is(c, VQUIT) ? Sig.SIGQUIT : t.Is(c, VSUSP) ? Sig.SIGTSTP : 0;
            if (sig != 0)
            {
                signals.Add(sig);
                if (!t.L(NOFLSH))
                {
                    _echoes.Clear();
                    FlushInput();
                }
                if (t.I(IXON)) Stopped = false;
                if (t.L(ECHO)) EchoChar(c, t);
                return;
            }
        }
        if (Stopped && t.I(IXON) && t.I(IXANY)) Stopped = false;
        if (c == '\r')
        {
            if (t.I(IGNCR)) return;
            if (t.I(ICRNL)) c = (byte)'\n';
        }
        else if (c == '\n' && t.I(INLCR))
        {
            c = (byte)'\r';
        }
        if (_canonical)
        {
            if (t.Is(c, VERASE) || t.Is(c, VKILL) || (t.Is(c, VWERASE) && t.L(IEXTEN)))
            {
                Erase(c, t);
                return;
            }
            if (t.Is(c, VLNEXT) && t.L(IEXTEN))
            {
                _lnext = true;
                if (t.L(ECHO))
                {
                    FinishErasing();
                    if (t.L(ECHOCTL))
                    {
                        EchoRaw((byte)'^');
                        EchoRaw((byte)'\b');
                    }
                }
                return;
            }
            if (t.Is(c, VREPRINT) && t.L(ECHO) && t.L(IEXTEN))
            {
                FinishErasing();
                EchoChar(c, t);
                EchoRaw((byte)'\n');
                for (int i = _canonLength; i < _buf.Count; i++) EchoChar(_buf[i], t);
                return;
            }
            if (c == '\n')
            {
                if (t.L(ECHO) || t.L(ECHONL)) EchoRaw((byte)'\n');
                EndLine(c, eof: false);
                return;
            }
            if (t.Is(c, VEOF))
            {
                EndLine(0, eof: true);
                return;
            }
            if (t.Is(c, VEOL) || (t.Is(c, VEOL2) && t.L(IEXTEN)))
            {
                if (t.L(ECHO))
                {
                    if (_buf.Count == _canonLength) _echoes.Add(new EchoOp(EchoKind.SetCanonColumn, 0));
                    EchoChar(c, t);
                }
                EndLine(c, eof: false);
                return;
            }
        }
        if (t.L(ECHO))
        {
            FinishErasing();
            if (c == '\n')
            {
                EchoRaw(c);
            }
            else
            {
                if (_buf.Count == _canonLength) _echoes.Add(new EchoOp(EchoKind.SetCanonColumn, 0));
                EchoChar(c, t);
            }
        }
        _buf.Add(c);
    }

    private void ReceiveNormal(byte c, Termios t)
    {
        if (Stopped && t.I(IXON) && t.I(IXANY)) Stopped = false;
        if (t.L(ECHO))
        {
            FinishErasing();
            if (_buf.Count == _canonLength) _echoes.Add(new EchoOp(EchoKind.SetCanonColumn, 0));
            EchoChar(c, t);
        }
        _buf.Add(c);
    }

    private void EndLine(byte c, bool eof)
    {
        if (!eof) _buf.Add(c);
        int length = _buf.Count - _canonLength;
        _lines.Enqueue(new Line(length));
        _canonLength = _buf.Count;
    }

    private void Erase(byte c, Termios t)
    {
        if (_buf.Count == _canonLength) return;
        bool kill = false, word = false;
        if (t.Is(c, VERASE)) { }
        else if (t.Is(c, VWERASE)) word = true;
        else
        {
            if (!t.L(ECHO))
            {
                Truncate(_canonLength);
                return;
            }
            if (!t.L(ECHOK) || !t.L(ECHOKE) || !t.L(ECHOE))
            {
                Truncate(_canonLength);
                FinishErasing();
                EchoChar(t.Cc[VKILL], t);
                if (t.L(ECHOK)) EchoRaw((byte)'\n');
                return;
            }
            kill = true;
        }
        bool utf8 = t.I(IUTF8);
        int seenAlnums = 0;
        while (_buf.Count > _canonLength)
        {
            int head = _buf.Count;
            byte ch;
            // One character, which may be several bytes long in UTF-8.
            do
            {
                head--;
                ch = _buf[head];
            } while (utf8 && IsContinuation(ch) && head > _canonLength);
            if (utf8 && IsContinuation(ch)) break;
            if (word)
            {
                if (IsAlnum(ch) || ch == '_') seenAlnums++;
                else if (seenAlnums > 0) break;
            }
            int count = _buf.Count - head;
            var erased = _buf.GetRange(head, count);
            Truncate(head);
            if (t.L(ECHO))
            {
                if (t.L(ECHOPRT))
                {
                    if (!_erasing)
                    {
                        EchoRaw((byte)'\\');
                        _erasing = true;
                    }
                    EchoChar(ch, t);
                    for (int i = 1; i < count; i++)
                    {
                        EchoRaw(erased[i]);
                        _echoes.Add(new EchoOp(EchoKind.MoveBackColumn, 0));
                    }
                }
                else if (!kill && !word && !t.L(ECHOE))
                {
                    EchoChar(t.Cc[VERASE], t);
                }
                else if (ch == '\t')
                {
                    EchoEraseTab(t, utf8);
                }
                else
                {
                    if (IsCntrl(ch) && t.L(ECHOCTL)) EchoRubout();
                    if (!IsCntrl(ch) || t.L(ECHOCTL)) EchoRubout();
                }
            }
            if (!kill && !word) break;
        }
        if (_buf.Count == _canonLength && t.L(ECHO)) FinishErasing();
    }

    /// <summary>Backs over an erased tab: the columns the line's characters since the last tab (or the line start) used.</summary>
    private void EchoEraseTab(Termios t, bool utf8)
    {
        int columns = 0;
        bool afterTab = false;
        for (int i = _buf.Count - 1; i >= _canonLength; i--)
        {
            byte ch = _buf[i];
            if (ch == '\t')
            {
                afterTab = true;
                break;
            }
            if (IsCntrl(ch))
            {
                if (t.L(ECHOCTL)) columns += 2;
            }
            else if (!(utf8 && IsContinuation(ch)))
            {
                columns++;
            }
        }
        _echoes.Add(new EchoOp(EchoKind.EraseTab, (byte)((columns & 7) | (afterTab ? 0x80 : 0))));
    }

    private void Truncate(int length) => _buf.RemoveRange(length, _buf.Count - length);

    private void FinishErasing()
    {
        if (!_erasing) return;
        EchoRaw((byte)'/');
        _erasing = false;
    }

    private void EchoRubout()
    {
        EchoRaw((byte)'\b');
        EchoRaw((byte)' ');
        EchoRaw((byte)'\b');
    }

    private void EchoChar(byte c, Termios t) =>
        _echoes.Add(new EchoOp(t.L(ECHOCTL) && IsCntrl(c) && c != '\t' ? EchoKind.Control : EchoKind.Plain, c));

    private void EchoRaw(byte c) => _echoes.Add(new EchoOp(EchoKind.Plain, c));

    /// <summary>Writes the gathered echoes to the output (through output processing), as flush_echoes does.</summary>
    public void CommitEchoes()
    {
        var t = T;
        foreach (var op in _echoes)
        {
            switch (op.Kind)
            {
                case EchoKind.SetCanonColumn:
                    _canonColumn = _column;
                    break;
                case EchoKind.MoveBackColumn:
                    if (_column > 0) _column--;
                    break;
                case EchoKind.EraseTab:
                {
                    int columns = op.Value;
                    if ((columns & 0x80) == 0) columns += _canonColumn;
                    int backspaces = 8 - (columns & 7);
                    for (int i = 0; i < backspaces; i++)
                    {
                        Put((byte)'\b');
                        if (_column > 0) _column--;
                    }
                    break;
                }
                case EchoKind.Control:
                    Put((byte)'^');
                    Put((byte)(op.Value ^ 0x40));
                    _column += 2;
                    break;
                default:
                    if (t.O(OPOST)) OutputChar(op.Value, t);
                    else Put(op.Value);
                    break;
            }
        }
        _echoes.Clear();
    }

    private void Put(byte c)
    {
        if (output.Free > 0) output.Enqueue(c);
    }

    // ---- reading ----

    /// <summary>
    /// Takes input for a read: in canonical mode at most one line (an EOF-terminated empty line gives 0), otherwise
    /// whatever is buffered. Returns -EAGAIN when a canonical read has no complete line.
    /// </summary>
    public long Read(Span<byte> dest)
    {
        if (_canonical)
        {
            if (_lines.Count == 0) return -(long)Errno.EAGAIN;
            var line = _lines.Peek();
            int n = Math.Min(dest.Length, line.Length);
            Take(dest[..n]);
            _canonLength -= n;
            line.Length -= n;
            if (line.Length == 0) _lines.Dequeue();
            return n;
        }
        int m = Math.Min(dest.Length, _buf.Count);
        Take(dest[..m]);
        return m;
    }

    private void Take(Span<byte> dest)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = _buf[i];
        _buf.RemoveRange(0, dest.Length);
    }

    public void FlushInput()
    {
        _buf.Clear();
        _lines.Clear();
        _canonLength = 0;
        _lnext = false;
        _erasing = false;
    }

    /// <summary>New settings: switching canonical mode on makes pending input a line; switching it off makes all of it readable.</summary>
    public void SettingsChanged()
    {
        bool canonical = T.L(ICANON);
        if (canonical == _canonical) return;
        _canonical = canonical;
        _lines.Clear();
        _canonLength = 0;
        _erasing = false;
        _lnext = false;
        if (canonical && _buf.Count > 0)
        {
            _lines.Enqueue(new Line(_buf.Count));
            _canonLength = _buf.Count;
        }
    }

    // ---- output ----

    /// <summary>
    /// Writes data from the terminal's user to <see cref="output"/>, processed when OPOST is set; pending echoes go
    /// first. Returns how many bytes of <paramref name="data"/> were taken (fewer when the output fills up).
    /// </summary>
    public int Write(ReadOnlySpan<byte> data)
    {
        CommitEchoes();
        var t = T;
        if (!t.O(OPOST)) return output.Enqueue(data);
        int i = 0;
        for (; i < data.Length; i++)
        {
            if (output.Free < 8 && !OutputFits(data[i], t)) break;
            OutputChar(data[i], t);
        }
        return i;
    }

    private bool OutputFits(byte c, Termios t)
    {
        int need = c switch
        {
            (byte)'\n' when t.O(ONLCR) => 2,
            (byte)'\t' when (t.OFlag & TABDLY) == XTABS => 8 - (_column & 7),
            _ => 1,
        };
        return output.Free >= need;
    }

    /// <summary>One byte through output processing (Linux's do_output_char).</summary>
    private void OutputChar(byte c, Termios t)
    {
        switch (c)
        {
            case (byte)'\n':
                if (t.O(ONLRET)) _column = 0;
                if (t.O(ONLCR))
                {
                    _canonColumn = _column = 0;
                    Put((byte)'\r');
                    Put((byte)'\n');
                    return;
                }
                _canonColumn = _column;
                break;
            case (byte)'\r':
                if (t.O(ONOCR) && _column == 0) return;
                if (t.O(OCRNL))
                {
                    c = (byte)'\n';
                    if (t.O(ONLRET)) _canonColumn = _column = 0;
                    break;
                }
                _canonColumn = _column = 0;
                break;
            case (byte)'\t':
            {
                int spaces = 8 - (_column & 7);
                _column += spaces;
                if ((t.OFlag & TABDLY) == XTABS)
                {
                    for (int i = 0; i < spaces; i++) Put((byte)' ');
                    return;
                }
                break;
            }
            case (byte)'\b':
                if (_column > 0) _column--;
                break;
            default:
                if (!IsCntrl(c))
                {
                    if (t.O(OLCUC) && c is >= (byte)'a' and <= (byte)'z') c -= 32;
                    if (!(t.I(IUTF8) && IsContinuation(c))) _column++;
                }
                break;
        }
        Put(c);
    }

    private static bool IsCntrl(byte c) => c < 32 || c == 127;
    private static bool IsContinuation(byte c) => (c & 0xC0) == 0x80;

    // Linux's ctype: ASCII letters and digits, and the Latin-1 letters.
    private static bool IsAlnum(byte c) =>
        c is >= (byte)'0' and <= (byte)'9' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'a' and <= (byte)'z'
        || (c >= 192 && c != 215 && c != 247);
}
