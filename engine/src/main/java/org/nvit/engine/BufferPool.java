package org.nvit.engine;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Free float arrays keyed by exact length. A training loop allocates the same few hundred sizes every step, so
 * exact-size buckets hit every time after the first step and never waste memory on rounding. Bounded: beyond
 * {@link #capacityBytes()} returned arrays are left to the garbage collector.
 */
public final class BufferPool {
    /** -Dnvit.pool=false turns pooling off (every scoped allocation is fresh heap), for A/B measurements. */
    static final boolean ENABLED = !"false".equalsIgnoreCase(System.getProperty("nvit.pool"));

    private static final BufferPool SHARED = new BufferPool(defaultCapacity());

    private final Map<Integer, ArrayDeque<float[]>> free = new HashMap<>();
    private final long capacityBytes;
    private long pooledBytes;
    private long hits, misses;
    private static volatile boolean poison;

    BufferPool(long capacityBytes) { this.capacityBytes = capacityBytes; }

    public static BufferPool shared() { return SHARED; }

    /** Half of the heap limit: the pool must never be the reason a run goes out of memory. */
    private static long defaultCapacity() { return Runtime.getRuntime().maxMemory() / 2; }

    /** A free array of exactly this length, or null when none is pooled. */
    synchronized float[] take(int length) {
        ArrayDeque<float[]> q = free.get(length);
        float[] a = q == null ? null : q.poll();
        if (a == null) {
            misses++;
            return null;
        }
        hits++;
        pooledBytes -= 4L * length;
        return a;
    }

    /**
     * Debugging aid for tests: fill every returned array with NaN, so an op that promised to overwrite its
     * {@code empty} output but left part of it unwritten shows up as NaN in its results.
     */
    public static void poison(boolean on) { poison = on; }

    /** Returns an array for reuse (dropped when the pool is full). */
    synchronized void give(float[] a) {
        if (a == null || a.length == 0) return;
        if (poison) java.util.Arrays.fill(a, Float.NaN);
        if (pooledBytes + 4L * a.length > capacityBytes) return;
        free.computeIfAbsent(a.length, k -> new ArrayDeque<>()).push(a);
        pooledBytes += 4L * a.length;
    }

    /** Forgets every pooled array (their memory goes back to the garbage collector). */
    public synchronized void clear() {
        free.clear();
        pooledBytes = 0;
    }

    public long capacityBytes() { return capacityBytes; }

    public synchronized long pooledBytes() { return pooledBytes; }

    /** "hits/misses" counts since start, for diagnostics. */
    public synchronized String stats() {
        return String.format(java.util.Locale.ROOT, "%d hits, %d misses, %.1f MiB pooled", hits, misses, pooledBytes / 1048576.0);
    }
}
