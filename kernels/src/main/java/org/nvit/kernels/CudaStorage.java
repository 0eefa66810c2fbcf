package org.nvit.kernels;

import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.Storage;

import java.lang.ref.Cleaner;

/**
 * F32 elements in device memory. The block comes from the backend's caching allocator and goes back to it when the
 * storage becomes unreachable (or at {@link #release()}); element get/set are 4-byte copies for slow paths only.
 */
public final class CudaStorage extends Storage {
    private static final Cleaner CLEANER = Cleaner.create();

    private final Gpu gpu;
    private final DevPtr ptr;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean released;

    CudaStorage(Gpu gpu, long length) {
        super(DType.F32, length);
        this.gpu = gpu;
        long bytes = Math.max(4, 4 * length);
        this.ptr = allocate(gpu, bytes);
        this.cleanable = CLEANER.register(this, new Release(gpu.memory, ptr, bytes));
    }

    /** Memory that is not the allocator's (a batch upload slot): {@code onRelease} runs once, when it is handed back. */
    CudaStorage(Gpu gpu, DevPtr ptr, long length, Runnable onRelease) {
        super(DType.F32, length);
        this.gpu = gpu;
        this.ptr = ptr;
        this.cleanable = CLEANER.register(this, onRelease);
    }

    /**
     * Allocates from the cache; on exhaustion lets the GC hand back unreachable tensors once, then retries (the cache
     * is freed only after the device has finished the work queued so far: see CachingAllocator.releaseCached).
     */
    private static DevPtr allocate(Gpu gpu, long bytes) {
        try {
            return gpu.memory.allocate(bytes);
        } catch (CachingAllocator.OutOfDeviceMemory first) {
            System.gc();
            try { Thread.sleep(100); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
            gpu.makeCurrent();
            gpu.memory.releaseCached();
            try {
                return gpu.memory.allocate(bytes);
            } catch (CachingAllocator.OutOfDeviceMemory second) {
                throw new CachingAllocator.OutOfDeviceMemory("CUDA out of memory allocating " + bytes + " bytes: lower the batch size");
            }
        }
    }

    /** Returns the block to the allocator cache (runs once, from release() or the cleaner). */
    private record Release(CachingAllocator<DevPtr> memory, DevPtr ptr, long bytes) implements Runnable {
        @Override public void run() { memory.release(ptr, bytes); }
    }

    @Override public Device device() { return Device.CUDA; }

    /** Base device pointer of the allocation; fails loudly once the memory went back (a reused block is not ours). */
    public DevPtr pointer() {
        if (released)
            throw new IllegalStateException("device tensor used after its memory scope closed (allocate state that outlives"
                    + " a step outside the scope, under MemoryScope.suspend(), or hand it out with MemoryScope.keep)");
        return ptr;
    }

    /** Hands the memory back now; the storage must not be used afterwards (its pointer then throws). */
    public void release() {
        released = true;
        cleanable.clean();
    }

    @Override public double get(long index) {
        checkIndex(index);
        float[] v = new float[1];
        gpu.download(pointer().plus(4 * index), v, 0, 1);
        return v[0];
    }

    @Override public void set(long index, double value) {
        checkIndex(index);
        gpu.upload(new float[]{(float) value}, 0, pointer().plus(4 * index), 1);
    }

    private void checkIndex(long index) {
        if (index < 0 || index >= length()) throw new IndexOutOfBoundsException(index + " of " + length());
    }
}
