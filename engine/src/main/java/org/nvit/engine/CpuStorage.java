package org.nvit.engine;

/** Heap storage: a float[] for F32, a double[] for F64. Kernels reach the array directly. */
public final class CpuStorage extends Storage {
    private final float[] f;
    private final double[] d;

    public CpuStorage(float[] data) {
        super(DType.F32, data.length);
        this.f = data;
        this.d = null;
    }

    public CpuStorage(double[] data) {
        super(DType.F64, data.length);
        this.f = null;
        this.d = data;
    }

    public static CpuStorage allocate(DType dtype, int length) {
        return dtype == DType.F32 ? new CpuStorage(new float[length]) : new CpuStorage(new double[length]);
    }

    @Override public Device device() { return Device.CPU; }

    /** The backing array of an F32 storage. */
    public float[] floats() {
        if (f == null) throw new IllegalStateException("storage is " + dtype() + ", not F32");
        return f;
    }

    /** The backing array of an F64 storage. */
    public double[] doubles() {
        if (d == null) throw new IllegalStateException("storage is " + dtype() + ", not F64");
        return d;
    }

    @Override public double get(long index) { return f != null ? f[(int) index] : d[(int) index]; }

    @Override public void set(long index, double value) {
        if (f != null) f[(int) index] = (float) value; else d[(int) index] = value;
    }
}
