package org.nvit.kernels;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A GPU that runs nothing: launches, GEMMs and copies are counted (by {@link Gpu}) and dropped, downloads read
 * zeros, and memory is distinct fake addresses (so that pointer tables and caches behave as on a device). Lets the
 * CUDA backend's real code paths be counted on machines without a GPU ({@link CudaBackend#dryRun}).
 */
class DryGpu extends Gpu {
    DryGpu(int multiprocessors) { this(multiprocessors, new NoBlas()); }

    DryGpu(int multiprocessors, Blas blas) {
        super("dry run (no GPU)", multiprocessors, new FakeMemory(), blas);
    }

    /** Addresses from a counter, 256-byte aligned like cuMemAlloc's; nothing is ever touched. */
    static final class FakeMemory implements CachingAllocator.Raw<DevPtr> {
        private final AtomicLong next = new AtomicLong(1L << 32);

        @Override public DevPtr allocate(long bytes) {
            return new DevPtr().plus(next.getAndAdd((bytes + 255) / 256 * 256));
        }

        @Override public void free(DevPtr block) {}
    }

    /** GEMM calls are counted by the backend before they reach the binding; this one drops them. */
    static final class NoBlas implements Blas {
        @Override public String name() { return "none (dry run)"; }

        @Override public void gemm(int opA, int opB, int m, int n, int k, float alpha, DevPtr a, int aType, int lda,
                                   long strideA, DevPtr b, int bType, int ldb, long strideB, float beta, DevPtr c,
                                   int cType, int ldc, long strideC, int batch, int computeType) {}

        @Override public void close() {}
    }

    @Override void makeCurrent() {}

    @Override void enqueue(String name, int gx, int gy, int gz, int bx, int by, int sharedBytes, Object[] args) {}

    @Override BatchUploads.Driver batchDriver() { return new NoDriver(); }

    /** Batch uploads that only keep their bookkeeping: every event has run. */
    static final class NoDriver implements BatchUploads.Driver {
        @Override public Object newEvent() { return new Object(); }

        @Override public Object newPinned(long bytes) { return new Object(); }

        @Override public void fill(Object pinned, float[] src, int from, long count) {}

        @Override public boolean done(Object event) { return true; }

        @Override public void await(Object event) {}

        @Override public void recordOnMain(Object event) {}

        @Override public void sideWaits(Object event) {}

        @Override public void copyOnSide(Object pinned, DevPtr dst, long bytes) {}

        @Override public void recordOnSide(Object event) {}

        @Override public void mainWaits(Object event) {}
    }

    @Override void streamSync() {}

    @Override void copyIn(float[] src, int from, DevPtr dst, long count) {}

    @Override void copyOut(DevPtr src, float[] dst, int to, long count) {
        java.util.Arrays.fill(dst, to, (int) (to + count), 0f);
    }

    @Override void copyInLongs(long[] src, DevPtr dst) {}

    @Override long freeBytes() { return Long.MAX_VALUE; }
}
