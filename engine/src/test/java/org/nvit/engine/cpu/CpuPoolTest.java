package org.nvit.engine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The spinning pool: every chunk exactly once, errors rethrown, nested and concurrent calls, parked workers woken. */
class CpuPoolTest {

    @Test void everyChunkRunsExactlyOnce() {
        for (int chunks : new int[] {1, 2, 3, 8, 1000}) {
            AtomicIntegerArray hits = new AtomicIntegerArray(chunks);
            for (int rep = 0; rep < 200; rep++) CpuPool.forEachChunk(chunks, hits::incrementAndGet);
            for (int c = 0; c < chunks; c++) assertEquals(200, hits.get(c), "chunk " + c + " of " + chunks);
        }
    }

    @Test void forRangeCoversTheRangeWithoutOverlap() {
        int n = 100_003;
        AtomicIntegerArray hits = new AtomicIntegerArray(n);
        CpuPool.forRange(n, 1000, (from, to) -> { for (int i = from; i < to; i++) hits.incrementAndGet(i); });
        for (int i = 0; i < n; i++) assertEquals(1, hits.get(i), "index " + i);
    }

    @Test void aChunksExceptionReachesTheCallerAndThePoolStaysUsable() {
        IllegalStateException boom = new IllegalStateException("boom");
        IllegalStateException got = assertThrows(IllegalStateException.class, () -> CpuPool.forEachChunk(16, c -> {
            if (c == 11) throw boom;
        }));
        assertSame(boom, got);
        AtomicLong sum = new AtomicLong();
        CpuPool.forEachChunk(16, c -> sum.addAndGet(c));
        assertEquals(120, sum.get());
    }

    @Test void nestedCallsRunInline() {
        AtomicIntegerArray hits = new AtomicIntegerArray(8 * 8);
        CpuPool.forEachChunk(8, outer -> CpuPool.forEachChunk(8, inner -> hits.incrementAndGet(outer * 8 + inner)));
        for (int i = 0; i < 64; i++) assertEquals(1, hits.get(i), "pair " + i);
    }

    @Test void concurrentCallersAllComplete() throws Exception {
        Thread[] ts = new Thread[4];
        AtomicLong total = new AtomicLong();
        for (int t = 0; t < ts.length; t++) {
            ts[t] = new Thread(() -> { for (int r = 0; r < 500; r++) CpuPool.forEachChunk(5, c -> total.incrementAndGet()); });
            ts[t].start();
        }
        for (Thread t : ts) t.join(60_000);
        assertEquals(4L * 500 * 5, total.get());
    }

    @Test void workersThatParkedAreWokenUp() throws Exception {
        Thread.sleep(5 + CpuPool.SPIN_NANOS / 1_000_000 * 3);   // long enough for the workers to park
        AtomicIntegerArray hits = new AtomicIntegerArray(64);
        CpuPool.forEachChunk(64, hits::incrementAndGet);
        for (int c = 0; c < 64; c++) assertEquals(1, hits.get(c));
    }
}
