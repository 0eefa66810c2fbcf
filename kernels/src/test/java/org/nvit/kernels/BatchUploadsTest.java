package org.nvit.kernels;

import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.BatchUpload;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The double-buffered side-stream batch upload, by the order of its driver calls: a copy into a buffer waits for the
 * main stream's release of it, the main stream waits for the copy, buffers alternate, a buffer still held is never
 * written, and the host waits only for a pinned buffer whose copy has not run.
 */
class BatchUploadsTest {
    /** Records every call; events are named "copied0", "released1", ...; {@code pending} events are not done yet. */
    static final class Recording implements BatchUploads.Driver {
        final List<String> log = new ArrayList<>();
        final List<String> pending = new ArrayList<>();
        private int events, pinned;

        @Override public Object newEvent() { return "e" + events++; }

        @Override public Object newPinned(long bytes) { return "pin" + pinned++; }

        @Override public void fill(Object p, float[] src, int from, long count) { log.add("fill " + p); }

        @Override public boolean done(Object e) { return !pending.contains((String) e); }

        @Override public void await(Object e) { log.add("host waits " + e); }

        @Override public void recordOnMain(Object e) { log.add("main records " + e); }

        @Override public void sideWaits(Object e) { log.add("side waits " + e); }

        @Override public void copyOnSide(Object p, DevPtr dst, long bytes) { log.add("side copies " + p); }

        @Override public void recordOnSide(Object e) { log.add("side records " + e); }

        @Override public void mainWaits(Object e) { log.add("main waits " + e); }
    }

    @Test
    void copiesWaitForTheLastUserAndTheMainStreamWaitsForTheCopy() {
        DryGpu gpu = new DryGpu(4);
        Recording d = new Recording();
        BatchUploads b = new BatchUploads(d, gpu.memory, gpu.counters);
        float[] x = new float[6];
        // slot 0: pin0, events e0 (copied) e1 (released); slot 1: pin1, e2, e3
        BatchUploads.Slot s0 = b.upload(x, 0, 6);
        assertEquals(List.of("fill pin0", "side copies pin0", "side records e0", "main waits e0"), d.log);
        d.log.clear();
        BatchUploads.Slot s1 = b.upload(x, 0, 6); // the first is still held: the other buffer
        assertNotSame(s0, s1);
        assertEquals(List.of("fill pin1", "side copies pin1", "side records e2", "main waits e2"), d.log);
        assertNull(b.upload(x, 0, 6), "both buffers held: the caller copies the plain way");
        d.log.clear();
        b.release(s0);
        assertEquals(List.of("main records e1"), d.log);
        d.log.clear();
        d.pending.add("e0"); // the pinned buffer's last copy has not run: the host waits before refilling it
        long syncs = gpu.counters.syncs.sum();
        assertSame(s0, b.upload(x, 0, 6));
        assertEquals(List.of("host waits e0", "fill pin0", "side waits e1", "side copies pin0", "side records e0",
                "main waits e0"), d.log);
        assertEquals(syncs + 1, gpu.counters.syncs.sum());
        assertEquals(3 * 24, gpu.counters.h2dBytes.sum());
    }

    @Test
    void theBackendUsesASlotInsideAScopeAndGivesItBackWhenTheScopeCloses() {
        CudaBackend cb = CudaBackend.dryRun();
        BatchUpload up = cb.capability(BatchUpload.class).orElseThrow();
        Tensor host = Tensor.zeros(DType.F32, 2, 3);
        DevPtr first;
        try (MemoryScope s = MemoryScope.open()) {
            first = cb.p(up.upload(host));
        }
        for (int step = 0; step < 3; step++) // double-buffered: the two buffers alternate, step after step
            try (MemoryScope s = MemoryScope.open()) {
                long at = cb.p(up.upload(host)).address();
                assertEquals(step % 2 == 1, at == first.address(), "step " + step);
            }
        Tensor outside = up.upload(host); // no scope: a plain tensor of the allocator
        assertEquals(6, outside.numel());
        assertEquals(0, cb.gpu.counters.syncs.sum(), "no host waits");
    }
}
