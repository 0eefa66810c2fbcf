package org.nvit.engine;

/**
 * Heap storage: a float[] for F32, a double[] for F64. Kernels reach the array directly. Storages handed out by a
 * {@link MemoryScope} are released when it closes; any later access throws rather than read a reused array.
 */
public final class CpuStorage extends Storage {
    private float[] f;
    private final double[] d;
    private final boolean recycled;
    private boolean released;

    public CpuStorage(float[] data) { this(data, false); }

    CpuStorage(float[] data, boolean recycled) {
        super(DType.F32, data.length);
        this.f = data;
        this.d = null;
        this.recycled = recycled;
    }

    public CpuStorage(double[] data) {
        super(DType.F64, data.length);
        this.f = null;
        this.d = data;
        this.recycled = false;
    }

    public static CpuStorage allocate(DType dtype, int length) {
        return dtype == DType.F32 ? new CpuStorage(new float[length]) : new CpuStorage(new double[length]);
    }

    @Override public Device device() { return Device.CPU; }

    /** The backing array of an F32 storage. */
    public float[] floats() {
        if (f == null) throw new IllegalStateException(released ? USED_AFTER_RELEASE : "storage is " + dtype() + ", not F32");
        return f;
    }

    /** True when the array came from the pool and may hold stale values. */
    public boolean recycled() { return recycled; }

    public boolean released() { return released; }

    private static final String USED_AFTER_RELEASE =
            "tensor used after the MemoryScope that allocated it closed (keep it with MemoryScope.keep, or copy it out)";

    /** Marks this storage dead and hands its array back (to the pool). */
    float[] release() {
        float[] a = f;
        f = null;
        released = true;
        return a;
    }

    /** The backing array of an F64 storage. */
    public double[] doubles() {
        if (d == null) throw new IllegalStateException("storage is " + dtype() + ", not F64");
        return d;
    }

    @Override public double get(long index) {
        if (released) throw new IllegalStateException(USED_AFTER_RELEASE);
        return f != null ? f[(int) index] : d[(int) index];
    }

    @Override public void set(long index, double value) {
        if (released) throw new IllegalStateException(USED_AFTER_RELEASE);
        if (f != null) f[(int) index] = (float) value; else d[(int) index] = value;
    }
}
