package org.nvit.engine;

import java.util.Arrays;

/**
 * An n-dimensional, row-major, contiguous view over a {@link Storage}: dtype, device, shape and an element offset.
 * Reshape and slices along the first axis are views that share the storage; everything else copies.
 */
public final class Tensor {
    private final Storage storage;
    private final long offset;
    private final int[] shape;
    private final long numel;

    public Tensor(Storage storage, long offset, int... shape) {
        this.storage = storage;
        this.offset = offset;
        this.shape = shape.clone();
        this.numel = Shape.numel(shape);
        if (offset < 0 || offset + numel > storage.length())
            throw new IllegalArgumentException("view [" + offset + ", +" + numel + ") outside storage of "
                    + storage.length() + " elements");
    }

    // ---- construction (CPU) ----

    public static Tensor zeros(DType dtype, int... shape) {
        long n = Shape.numel(shape);
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("tensor too large for CPU storage: " + Shape.str(shape));
        return new Tensor(CpuStorage.allocate(dtype, (int) n), 0, shape);
    }

    public static Tensor zeros(int... shape) { return zeros(DType.F32, shape); }

    /** Wraps (does not copy) a float array. */
    public static Tensor of(float[] data, int... shape) {
        if (Shape.numel(shape) != data.length)
            throw new IllegalArgumentException(data.length + " values do not fit shape " + Shape.str(shape));
        return new Tensor(new CpuStorage(data), 0, shape);
    }

    /** Wraps (does not copy) a double array. */
    public static Tensor of(double[] data, int... shape) {
        if (Shape.numel(shape) != data.length)
            throw new IllegalArgumentException(data.length + " values do not fit shape " + Shape.str(shape));
        return new Tensor(new CpuStorage(data), 0, shape);
    }

    /** Uniform values in [lo, hi) from a seeded RNG. */
    public static Tensor rand(DType dtype, Rng rng, double lo, double hi, int... shape) {
        Tensor t = zeros(dtype, shape);
        for (long i = 0; i < t.numel; i++) t.setFlat(i, lo + (hi - lo) * rng.nextDouble());
        return t;
    }

    /** Normal values with the given std from a seeded RNG. */
    public static Tensor randn(DType dtype, Rng rng, double std, int... shape) {
        Tensor t = zeros(dtype, shape);
        for (long i = 0; i < t.numel; i++) t.setFlat(i, std * rng.nextGaussian());
        return t;
    }

    // ---- metadata ----

    public int[] shape() { return shape.clone(); }

    public int rank() { return shape.length; }

    public int dim(int axis) { return shape[axis < 0 ? shape.length + axis : axis]; }

    public long numel() { return numel; }

    public DType dtype() { return storage.dtype(); }

    public Device device() { return storage.device(); }

    public Storage storage() { return storage; }

    /** Element offset of this view inside its storage. */
    public long offset() { return offset; }

    /** Product of all dimensions but the last: the number of rows when the tensor is seen as [rows, lastDim]. */
    public int rows() { return shape.length == 0 ? 1 : (int) (numel / shape[shape.length - 1]); }

    public boolean sameShape(Tensor o) { return Arrays.equals(shape, o.shape); }

    // ---- views ----

    /** A view with another shape over the same elements; one entry may be -1. */
    public Tensor reshape(int... newShape) {
        return new Tensor(storage, offset, Shape.infer(numel, newShape));
    }

    /** A view of rows [start, end) along the first axis. */
    public Tensor slice(int start, int end) {
        if (shape.length == 0 || start < 0 || end > shape[0] || start > end)
            throw new IndexOutOfBoundsException("slice [" + start + ", " + end + ") of " + Shape.str(shape));
        int[] s = shape.clone();
        s[0] = end - start;
        long inner = shape[0] == 0 ? 0 : numel / shape[0];
        return new Tensor(storage, offset + start * inner, s);
    }

    // ---- CPU access ----

    /** The backing float[] (CPU F32 only); element i of this view is at {@code offset() + i}. */
    public float[] floats() { return cpu().floats(); }

    /** The backing double[] (CPU F64 only). */
    public double[] doubles() { return cpu().doubles(); }

    /** Offset as int, for indexing the backing array of a CPU tensor. */
    public int off() { return (int) offset; }

    private CpuStorage cpu() {
        if (!(storage instanceof CpuStorage c))
            throw new IllegalStateException("tensor is on " + device() + "; copy it to the CPU first");
        return c;
    }

    public double getFlat(long i) { return storage.get(offset + i); }

    public void setFlat(long i, double v) { storage.set(offset + i, v); }

    /** Element at a multi-index. */
    public double get(int... idx) { return getFlat(flatIndex(idx)); }

    public void set(double v, int... idx) { setFlat(flatIndex(idx), v); }

    private long flatIndex(int... idx) {
        if (idx.length != shape.length) throw new IllegalArgumentException("index rank " + idx.length + " != " + shape.length);
        long f = 0;
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= shape[i]) throw new IndexOutOfBoundsException(Arrays.toString(idx) + " in " + Shape.str(shape));
            f = f * shape[i] + idx[i];
        }
        return f;
    }

    // ---- copies ----

    /** A contiguous CPU copy in the given dtype. */
    public Tensor to(DType dtype) {
        Tensor t = zeros(dtype, shape);
        if (dtype == DType.F32 && dtype() == DType.F32 && storage instanceof CpuStorage) {
            System.arraycopy(floats(), off(), t.floats(), 0, (int) numel);
        } else {
            for (long i = 0; i < numel; i++) t.setFlat(i, getFlat(i));
        }
        return t;
    }

    public Tensor copy() { return to(dtype()); }

    /** All elements as a new float[] (any dtype, CPU). */
    public float[] toFloatArray() {
        float[] a = new float[(int) numel];
        if (dtype() == DType.F32 && storage instanceof CpuStorage) System.arraycopy(floats(), off(), a, 0, a.length);
        else for (int i = 0; i < a.length; i++) a[i] = (float) getFlat(i);
        return a;
    }

    /** All elements as a new double[] (any dtype, CPU). */
    public double[] toDoubleArray() {
        double[] a = new double[(int) numel];
        for (int i = 0; i < a.length; i++) a[i] = getFlat(i);
        return a;
    }

    @Override public String toString() {
        return "Tensor" + Shape.str(shape) + " " + dtype() + " " + device();
    }
}
