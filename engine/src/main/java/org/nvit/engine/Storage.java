package org.nvit.engine;

/**
 * A flat buffer of elements on one device. Tensors are views (offset + shape) over a storage, so reshape and
 * contiguous slices are free. CPU storage is {@link CpuStorage}; the CUDA backend adds its own subclass.
 */
public abstract class Storage {
    private final DType dtype;
    private final long length;

    protected Storage(DType dtype, long length) {
        this.dtype = dtype;
        this.length = length;
    }

    public final DType dtype() { return dtype; }

    /** Number of elements. */
    public final long length() { return length; }

    public abstract Device device();

    /** Reads one element as double (slow path: references, tests, I/O). */
    public abstract double get(long index);

    /** Writes one element (slow path). */
    public abstract void set(long index, double value);
}
