using System.Text;
using Kernel.Actors.Loader;
using Kernel.Syscalls.Abi;

namespace Kernel.Tests.Loader;

public sealed class ScriptTests(TestBinaries bins) : LoaderTestBase, IClassFixture<TestBinaries>
{
    private FakeExecutableSource Files() => new FakeExecutableSource().Add("/bin/sh", bins.StaticNoPie);

    private (LoadResult Result, GuestStack Stack) Run(FakeExecutableSource files, string path, params string[] argv)
    {
        var mem = new FakeLoadTarget();
        var r = ElfLoader.Load(Request(path, argv), files, mem);
        var s = GuestStack.Parse(mem, r.StackPointer);
        Assert.Equal(r.Argv, s.Argv);
        return (r, s);
    }

    [Fact]
    public void ShebangWithArgument_RewritesArgvLikeLinux()
    {
        var files = Files().Add("/usr/local/bin/run.sh", "#!/bin/sh -e\necho hi\n");
        var mem = new FakeLoadTarget();
        var r = ElfLoader.Load(Request("/usr/local/bin/run.sh", ["run.sh", "a", "b c"]), files, mem);
        var s = GuestStack.Parse(mem, r.StackPointer);

        Assert.Equal(["/bin/sh", "-e", "/usr/local/bin/run.sh", "a", "b c"], r.Argv);
        Assert.Equal(r.Argv, s.Argv);
        Assert.Equal("/bin/sh", r.ExecutablePath);
        Assert.Equal(TestElf.Read(bins.StaticNoPie).Entry, r.Entry);
        // AT_EXECFN is the path the caller exec'd, not the interpreter's.
        Assert.Equal("/usr/local/bin/run.sh", r.ExecFn);
        Assert.Equal("/usr/local/bin/run.sh", mem.ReadCString(s.Aux(31)));
        Assert.Contains(r.Mappings, v => v.Label == "/bin/sh" && v.Start == 0x400000UL);
    }

    [Theory]
    [InlineData("#!/bin/sh\n", new[] { "/bin/sh", "/s", "x" })]
    [InlineData("#!/bin/sh", new[] { "/bin/sh", "/s", "x" })]
    [InlineData("#! \t/bin/sh \t -x  y \t \nrest", new[] { "/bin/sh", "-x  y", "/s", "x" })]
    [InlineData("#!/bin/sh   \n", new[] { "/bin/sh", "/s", "x" })]
    [InlineData("#!/bin/sh\t-u\n", new[] { "/bin/sh", "-u", "/s", "x" })]
    public void ShebangLine_IsSplitIntoInterpreterAndOneArgument(string script, string[] expected)
    {
        var (r, _) = Run(Files().Add("/s", script), "/s", "argv0", "x");
        Assert.Equal(expected, r.Argv);
    }

    [Fact]
    public void CarriageReturn_IsPartOfTheInterpreterName()
    {
        Fails(Errno.ENOENT, Request("/s"), Files().Add("/s", "#!/bin/sh\r\n"));
    }

    [Fact]
    public void FourNestedScripts_Load_FiveAreELOOP()
    {
        var files = Files()
            .Add("/s1", "#!/s2 a1\n").Add("/s2", "#!/s3\n").Add("/s3", "#!/s4\n").Add("/s4", "#!/bin/sh\n");
        var (r, _) = Run(files, "/s1", "s1", "x");
        Assert.Equal(["/bin/sh", "/s4", "/s3", "/s2", "a1", "/s1", "x"], r.Argv);
        Assert.Equal("/bin/sh", r.ExecutablePath);

        files.Add("/s0", "#!/s1\n");
        Fails(Errno.ELOOP, Request("/s0"), files);
    }

    [Fact]
    public void SelfInterpretingScript_IsELOOP()
    {
        Fails(Errno.ELOOP, Request("/loop"), Files().Add("/loop", "#!/loop\n"));
    }

    [Fact]
    public void LongLines_FollowTheLinux256ByteBuffer()
    {
        // An interpreter name that does not end within the buffer would be truncated: ENOEXEC.
        Fails(Errno.ENOEXEC, Request("/s"), Files().Add("/s", "#!/" + new string('a', 300) + "\n"));
        // A name that ends, followed by a long argument: the argument is cut at the buffer's end.
        var (r, _) = Run(Files().Add("/s", "#!/bin/sh " + new string('x', 400) + "\n"), "/s", "s");
        Assert.Equal(255 - "#!/bin/sh ".Length, r.Argv[1].Length);
        Assert.Equal("/s", r.Argv[2]);
        // A complete line shorter than the buffer is taken whole.
        string arg = new string('y', 240);
        (r, _) = Run(Files().Add("/s", "#!/bin/sh " + arg + "\n"), "/s", "s");
        Assert.Equal(arg, r.Argv[1]);
    }

    [Theory]
    [InlineData("#!")]
    [InlineData("#!\n/bin/sh\n")]
    [InlineData("#!   \t \n")]
    [InlineData("echo not a script\n")]
    [InlineData("")]
    [InlineData("#")]
    public void NoInterpreter_IsENOEXEC(string contents)
    {
        Fails(Errno.ENOEXEC, Request("/s"), Files().Add("/s", contents));
    }

    [Fact]
    public void InterpreterErrors_ComeFromTheInterpreter()
    {
        Fails(Errno.ENOENT, Request("/s"), Files().Add("/s", "#!/no/such\n"));
        Fails(Errno.ENOEXEC, Request("/s"), Files().Add("/s", "#!/text\n").Add("/text", "plain text"));
        var files = Files().Add("/s", "#!/secret\n");
        files.Errors["/secret"] = (int)Errno.EACCES;
        Fails(Errno.EACCES, Request("/s"), files);
    }

    [Fact]
    public void ScriptArguments_CountTowardE2BIG()
    {
        // 8 MiB stack: 2 MiB for strings and pointers. The environment leaves 5 bytes of room for a direct exec
        // with argv ["/s"]; the script's rewritten argv (one more pointer and "/bin/sh") needs 16 more.
        var env = Enumerable.Range(0, 16).Select(_ => new string('e', 131_000)).Append("F=" + new string('x', 981)).ToArray();
        var direct = new FakeExecutableSource().Add("/s", bins.StaticNoPie);
        ElfLoader.Load(Request("/s", ["/s"], env), direct, new FakeLoadTarget());

        var files = Files().Add("/s", Encoding.UTF8.GetBytes("#!/bin/sh\n"));
        Fails(Errno.E2BIG, Request("/s", ["/s"], env), files);
    }
}
