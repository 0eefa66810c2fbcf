package org.nvit.kernels;

/**
 * bfloat16 elements in device memory (GEMM operands, compact activations). Not a Tensor: the engine's dtypes are
 * F32/F64; the CUDA backend converts to and from F32 tensors. Close it to return the memory to the cache.
 */
public final class Bf16Buffer implements AutoCloseable {
    private final CachingAllocator<DevPtr> memory;
    private final DevPtr ptr;
    private final long length;
    private boolean closed;

    Bf16Buffer(CachingAllocator<DevPtr> memory, long length) {
        this.memory = memory;
        this.length = length;
        this.ptr = memory.allocate(bytes());
    }

    public long length() { return length; }

    DevPtr pointer() {
        if (closed) throw new IllegalStateException("bf16 buffer already closed");
        return ptr;
    }

    private long bytes() { return Math.max(2, 2 * length); }

    @Override public void close() {
        if (!closed) {
            closed = true;
            memory.release(ptr, bytes());
        }
    }
}
