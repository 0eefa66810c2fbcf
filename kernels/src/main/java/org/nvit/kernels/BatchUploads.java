package org.nvit.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;

import static jcuda.driver.JCudaDriver.*;

/**
 * A step's batch copied in on a side stream while the main stream still runs the previous step, double-buffered:
 * two device buffers per batch size, each with a pinned host buffer. The copy into a buffer waits (on the side
 * stream) for the main stream to be done with the step that used it last; the main stream waits (on the device) for
 * the copy before the first op that reads the batch. The host waits only when a pinned buffer's previous copy has
 * not run yet (two steps ago: normally long done). A buffer is handed out again only after its last user released it
 * (the end of its memory scope); when both are held, {@link #upload} returns null and the caller copies the plain way.
 */
final class BatchUploads {
    /** What the scheme needs from the driver (a GPU's streams and events, or a test's recording). */
    interface Driver {
        Object newEvent();

        Object newPinned(long bytes);

        void fill(Object pinned, float[] src, int from, long count);

        /** Whether the event's work has run (no wait). */
        boolean done(Object event);

        /** The host waits for the event. */
        void await(Object event);

        void recordOnMain(Object event);

        void sideWaits(Object event);

        void copyOnSide(Object pinned, DevPtr dst, long bytes);

        void recordOnSide(Object event);

        void mainWaits(Object event);
    }

    /** One of the two buffers of a size. */
    static final class Slot {
        final DevPtr device;
        final Object pinned, copied, released;
        boolean held, used;

        Slot(DevPtr device, Object pinned, Object copied, Object released) {
            this.device = device;
            this.pinned = pinned;
            this.copied = copied;
            this.released = released;
        }
    }

    private final Driver driver;
    private final CachingAllocator<DevPtr> memory;
    private final GpuCounters counters;
    private final Map<Long, Slot[]> rings = new HashMap<>();
    private final Map<Long, Integer> turn = new HashMap<>();

    BatchUploads(Driver driver, CachingAllocator<DevPtr> memory, GpuCounters counters) {
        this.driver = driver;
        this.memory = memory;
        this.counters = counters;
    }

    /** Queues the copy of src[from, from + count) and returns the slot it lands in, or null when both are held. */
    synchronized Slot upload(float[] src, int from, long count) {
        long bytes = 4 * count;
        Slot[] ring = rings.computeIfAbsent(bytes, b -> new Slot[] {newSlot(b), newSlot(b)});
        int t = turn.getOrDefault(bytes, 0);
        Slot s = ring[t].held ? ring[1 - t] : ring[t];
        if (s.held) return null;
        turn.put(bytes, s == ring[0] ? 1 : 0);
        if (s.used && !driver.done(s.copied)) { // the pinned buffer's previous copy has not run yet
            counters.syncs.increment();
            driver.await(s.copied);
        }
        driver.fill(s.pinned, src, from, count);
        if (s.used) driver.sideWaits(s.released); // the main stream is done with the buffer's last batch
        driver.copyOnSide(s.pinned, s.device, bytes);
        driver.recordOnSide(s.copied);
        driver.mainWaits(s.copied);
        counters.h2d(bytes);
        s.held = true;
        s.used = true;
        return s;
    }

    /** The slot's batch is no longer used by ops queued from now on (its memory scope closed). */
    synchronized void release(Slot s) {
        driver.recordOnMain(s.released);
        s.held = false;
    }

    private Slot newSlot(long bytes) {
        return new Slot(memory.allocate(Math.max(4, bytes)), driver.newPinned(Math.max(4, bytes)), driver.newEvent(),
                driver.newEvent());
    }

    /** The real driver: the GPU's side stream, pinned host memory, events without timing. */
    static final class CudaDriver implements Driver {
        private final Gpu gpu;

        CudaDriver(Gpu gpu) { this.gpu = gpu; }

        @Override public Object newEvent() {
            gpu.makeCurrent();
            CUevent e = new CUevent();
            cuEventCreate(e, CUevent_flags.CU_EVENT_DISABLE_TIMING);
            return e;
        }

        @Override public Object newPinned(long bytes) {
            gpu.makeCurrent();
            Pointer p = new Pointer();
            cuMemAllocHost(p, bytes);
            return p;
        }

        @Override public void fill(Object pinned, float[] src, int from, long count) {
            ByteBuffer b = ((Pointer) pinned).getByteBuffer(0, 4 * count).order(ByteOrder.nativeOrder());
            b.asFloatBuffer().put(src, from, (int) count);
        }

        // every call makes the context current first: a release may come from another thread than the uploads

        @Override public boolean done(Object event) {
            gpu.makeCurrent();
            return PinnedRing.done((CUevent) event);
        }

        @Override public void await(Object event) {
            gpu.makeCurrent();
            cuEventSynchronize((CUevent) event);
        }

        @Override public void recordOnMain(Object event) {
            gpu.makeCurrent();
            cuEventRecord((CUevent) event, gpu.stream);
        }

        @Override public void sideWaits(Object event) {
            gpu.makeCurrent();
            cuStreamWaitEvent(gpu.sideStream, (CUevent) event, 0);
        }

        @Override public void copyOnSide(Object pinned, DevPtr dst, long bytes) {
            gpu.makeCurrent();
            cuMemcpyHtoDAsync(dst, (Pointer) pinned, bytes, gpu.sideStream);
        }

        @Override public void recordOnSide(Object event) {
            gpu.makeCurrent();
            cuEventRecord((CUevent) event, gpu.sideStream);
        }

        @Override public void mainWaits(Object event) {
            gpu.makeCurrent();
            cuStreamWaitEvent(gpu.stream, (CUevent) event, 0);
        }
    }
}
