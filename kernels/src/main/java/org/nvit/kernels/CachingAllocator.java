package org.nvit.kernels;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Size-bucketed free lists over a raw allocator, so that the steady state of a training loop never calls
 * cuMemAlloc/cuMemFree. Sizes round up to one of four classes per power of two (waste at most 25%); a freed block goes
 * back on its class's list. When the raw allocator runs out, the cache is released and the allocation retried.
 * Thread-safe: blocks may come back from a {@link java.lang.ref.Cleaner} thread. Because every op runs on one stream,
 * a block reused by a later op is only touched after the earlier ops that used it.
 *
 * @param <B> the raw block type (a device pointer, or a fake in tests)
 */
public final class CachingAllocator<B> {
    /** The raw memory underneath. */
    public interface Raw<B> {
        /** Allocates {@code bytes}; throws {@link OutOfDeviceMemory} when the device is full. */
        B allocate(long bytes);

        void free(B block);

        /** Called before cached blocks are freed: wait until no queued work can still use them. */
        default void beforeFree() {}
    }

    /** The device has no room for a block (a RuntimeException: the JVM's OutOfMemoryError means its own heap). */
    public static final class OutOfDeviceMemory extends RuntimeException {
        public OutOfDeviceMemory(String message) { super(message); }
    }

    public static final long MIN_BYTES = 512;

    private final Raw<B> raw;
    private final Map<Long, ArrayDeque<B>> free = new HashMap<>();
    private long cachedBytes, liveBytes, rawAllocs, requests;

    public CachingAllocator(Raw<B> raw) { this.raw = raw; }

    /** The size class a request of {@code bytes} is served from: >= bytes, at most 25% more (512 B minimum). */
    public static long bucket(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("negative allocation: " + bytes);
        if (bytes <= MIN_BYTES) return MIN_BYTES;
        int hi = 63 - Long.numberOfLeadingZeros(bytes - 1); // 2^hi < bytes <= 2^(hi+1)
        long quarter = 1L << (hi - 2);                       // classes 2^hi * {1.25, 1.5, 1.75, 2}
        return ((bytes + quarter - 1) / quarter) * quarter;
    }

    /** A block of at least {@code bytes}; returns its class size through the caller's bookkeeping. */
    public synchronized B allocate(long bytes) {
        long size = bucket(bytes);
        requests++;
        ArrayDeque<B> list = free.get(size);
        if (list != null && !list.isEmpty()) {
            cachedBytes -= size;
            liveBytes += size;
            return list.pop();
        }
        B b;
        try {
            b = raw.allocate(size);
        } catch (OutOfDeviceMemory e) {
            releaseCached();
            b = raw.allocate(size);
        }
        rawAllocs++;
        liveBytes += size;
        return b;
    }

    /** Returns a block obtained from {@link #allocate} for {@code bytes} to its free list. */
    public synchronized void release(B block, long bytes) {
        long size = bucket(bytes);
        free.computeIfAbsent(size, s -> new ArrayDeque<>()).push(block);
        cachedBytes += size;
        liveBytes -= size;
    }

    /**
     * Frees every cached block back to the raw allocator, after waiting for the device (a block goes back to the
     * cache while kernels queued before that may still use it).
     */
    public synchronized void releaseCached() {
        if (cachedBytes > 0) raw.beforeFree();
        for (ArrayDeque<B> list : free.values()) for (B b : list) raw.free(b);
        free.clear();
        cachedBytes = 0;
    }

    public synchronized long cachedBytes() { return cachedBytes; }

    public synchronized long liveBytes() { return liveBytes; }

    /** How many blocks were asked for (from the cache or the raw allocator). */
    public synchronized long requests() { return requests; }

    /** How many times the raw allocator was called (a steady-state loop should stop increasing it). */
    public synchronized long rawAllocations() { return rawAllocs; }
}
