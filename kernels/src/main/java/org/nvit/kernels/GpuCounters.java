package org.nvit.kernels;

import java.util.concurrent.atomic.LongAdder;
import org.nvit.engine.DeviceCounters;

/** The CUDA backend's work counters (see {@link DeviceCounters}); bumped by {@link Gpu} and the GEMM wrapper. */
final class GpuCounters implements DeviceCounters {
    final LongAdder launches = new LongAdder(), blasCalls = new LongAdder(), syncs = new LongAdder(),
            h2dCopies = new LongAdder(), h2dBytes = new LongAdder(), d2hCopies = new LongAdder(),
            d2hBytes = new LongAdder();
    private final CachingAllocator<?> memory;

    GpuCounters(CachingAllocator<?> memory) { this.memory = memory; }

    void h2d(long bytes) {
        h2dCopies.increment();
        h2dBytes.add(bytes);
    }

    void d2h(long bytes) {
        d2hCopies.increment();
        d2hBytes.add(bytes);
    }

    @Override public Counts counts() {
        return new Counts(launches.sum(), blasCalls.sum(), syncs.sum(), h2dCopies.sum(), h2dBytes.sum(),
                d2hCopies.sum(), d2hBytes.sum(), memory.requests(), memory.rawAllocations());
    }
}
