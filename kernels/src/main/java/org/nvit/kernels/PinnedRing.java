package org.nvit.kernels;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUevent;
import jcuda.driver.CUevent_flags;
import jcuda.driver.CUresult;
import jcuda.driver.CUstream;

import static jcuda.driver.JCudaDriver.*;

/**
 * Host-to-device copies that never wait for the device: the data goes into one of a few pinned host buffers and the
 * copy is queued on the stream (after the work already there, so stream order still holds). A buffer is written
 * again only once the copy queued from it has run (its event); the host waits, a counted sync, only when every
 * buffer of the ring is still in flight. Copies larger than a piece go in pieces.
 */
final class PinnedRing {
    static final int SLOTS = 4;
    static final long PIECE = 32L << 20;

    /** Writes {@code bytes} of the source, starting at source byte {@code offset}, into {@code dst}. */
    interface Source {
        void write(ByteBuffer dst, long offset, long bytes);
    }

    private static final class Slot {
        final Pointer host = new Pointer();
        final CUevent done = new CUevent();
        long capacity;
        ByteBuffer buffer;
        boolean pending;
    }

    private final CUstream stream;
    private final GpuCounters counters;
    private final Slot[] slots = new Slot[SLOTS];
    private int next;

    PinnedRing(CUstream stream, GpuCounters counters) {
        this.stream = stream;
        this.counters = counters;
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Slot();
            cuEventCreate(slots[i].done, CUevent_flags.CU_EVENT_DISABLE_TIMING);
        }
    }

    synchronized void copyIn(DevPtr dst, long bytes, Source src) {
        for (long at = 0; at < bytes; at += PIECE) {
            long n = Math.min(PIECE, bytes - at);
            Slot s = slots[next];
            next = (next + 1) % SLOTS;
            if (s.pending && !done(s.done)) {
                counters.syncs.increment();
                cuEventSynchronize(s.done);
            }
            if (s.capacity < n) {
                if (s.capacity > 0) cuMemFreeHost(s.host);
                s.capacity = Math.max(64 << 10, Long.highestOneBit(n - 1) << 1);
                cuMemAllocHost(s.host, s.capacity);
                s.buffer = s.host.getByteBuffer(0, s.capacity).order(ByteOrder.nativeOrder());
            }
            ByteBuffer b = s.buffer.duplicate().order(ByteOrder.nativeOrder());
            b.clear();
            src.write(b, at, n);
            cuMemcpyHtoDAsync(dst.plus(at), s.host, n, stream);
            cuEventRecord(s.done, stream);
            s.pending = true;
        }
    }

    /** Whether the work recorded before the event has run (a query; CUDA_ERROR_NOT_READY means not yet). */
    static boolean done(CUevent e) {
        try {
            return cuEventQuery(e) == CUresult.CUDA_SUCCESS;
        } catch (CudaException x) {
            if (x.getMessage() != null && x.getMessage().contains("CUDA_ERROR_NOT_READY")) return false;
            throw x;
        }
    }
}
