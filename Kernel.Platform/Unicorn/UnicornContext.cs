namespace Kernel.Platform.Unicorn;

/// <summary>
/// A thread's registers on a <see cref="UnicornCpu"/>: live in the engine while loaded, otherwise in a saved
/// uc_context (read and written in place, without a restore).
/// </summary>
internal sealed unsafe class UnicornContext(UnicornCpu cpu, nint handle) : ICpuContext
{
    public nint Handle { get; } = handle;
    public bool Disposed { get; private set; }

    private ulong Read(int reg)
    {
        ulong value = 0;
        var err = cpu.IsLoaded(this)
            ? Native.uc_reg_read(cpu.Engine, reg, &value)
            : Native.uc_context_reg_read(Handle, reg, &value);
        Native.Check(err, "register read");
        return value;
    }

    private void Write(int reg, ulong value)
    {
        var err = cpu.IsLoaded(this)
            ? Native.uc_reg_write(cpu.Engine, reg, &value)
            : Native.uc_context_reg_write(Handle, reg, &value);
        Native.Check(err, "register write");
    }

    public ulong GetX(int index) => Read(Native.XReg(index));
    public void SetX(int index, ulong value) => Write(Native.XReg(index), value);

    public ulong Pc
    {
        get => Read(Native.RegPc);
        set => Write(Native.RegPc, value);
    }

    public ulong Sp
    {
        get => Read(Native.RegSp);
        set => Write(Native.RegSp, value);
    }

    public ulong Tpidr
    {
        get => Read(Native.RegTpidrEl0);
        set => Write(Native.RegTpidrEl0, value);
    }

    public CpuState Capture()
    {
        cpu.EnsureLoaded(this);
        return cpu.ReadEngine();
    }

    public void Load(CpuState state)
    {
        cpu.EnsureLoaded(this);
        cpu.WriteEngine(state);
    }

    public void Dispose()
    {
        if (!Disposed)
        {
            Disposed = true;
            cpu.Forget(this);
            Native.uc_context_free(Handle);
        }
    }
}
