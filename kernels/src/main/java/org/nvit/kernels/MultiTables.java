package org.nvit.kernels;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nvit.engine.Tensor;

/**
 * The device tables of multi-tensor launches: for a set of tensors, the pointer arrays (one per operand list), a
 * chunk table (which tensor and element range each block updates) and one float per tensor, in one device buffer.
 * Tables are cached by the tensors' addresses and sizes: a training step reuses the same few sets (parameters,
 * moments, the gradient arena, EMA weights live at fixed addresses), so after the first step a launch uploads
 * nothing. A new set's table is queued through pinned memory (no host wait); the oldest of {@link #MAX} is dropped.
 */
final class MultiTables {
    /** Elements per block of a multi-tensor launch. */
    static final int CHUNK = 16384;
    static final int MAX = 16;

    /** A table on the device: {@code lists} pointer arrays of {@code tensors} entries, then the chunks, then floats. */
    record Table(DevPtr base, long bytes, int lists, int tensors, int chunks) {
        DevPtr list(int i) { return base.plus(8L * tensors * i); }

        DevPtr chunkTable() { return base.plus(8L * tensors * lists); }

        DevPtr floats() { return base.plus(8L * tensors * lists + 16L * chunks); }
    }

    private record Key(long[] words) {
        @Override public boolean equals(Object o) { return o instanceof Key k && Arrays.equals(words, k.words); }

        @Override public int hashCode() { return Arrays.hashCode(words); }
    }

    private final CudaBackend cb;
    private final LinkedHashMap<Key, Table> cache = new LinkedHashMap<>(16, 0.75f, true);
    private long uploads;

    MultiTables(CudaBackend cb) { this.cb = cb; }

    /** The table of lists[l][i] (every list as long as lists[0], tensor i of equal numel in each) and floats[i]. */
    synchronized Table get(Tensor[][] lists, float[] floats) {
        int t = lists[0].length;
        for (Tensor[] l : lists)
            if (l.length != t) throw new IllegalArgumentException("multi-tensor op: operand lists of different lengths");
        long[] table = build(lists, floats);
        Key key = new Key(table);
        Table hit = cache.get(key);
        if (hit != null) return hit;
        long bytes = 8L * table.length;
        int chunks = (table.length - lists.length * t - (floats == null ? 0 : (t + 1) / 2)) / 2;
        Table fresh = new Table(cb.scratch(Math.max(8, bytes)), Math.max(8, bytes), lists.length, t, chunks);
        if (table.length > 0) cb.gpu.uploadLongs(table, fresh.base());
        uploads++;
        cache.put(key, fresh);
        if (cache.size() > MAX) { // drop the least recently used (its launches are queued before any reuse)
            var it = cache.entrySet().iterator();
            Table old = it.next().getValue();
            it.remove();
            cb.releaseScratch(old.base(), old.bytes());
        }
        return fresh;
    }

    /** How many tables were uploaded (a steady-state step should stop increasing it). */
    synchronized long uploads() { return uploads; }

    /**
     * Pointers, then per chunk {int tensor; int length; long long start} as two longs (little-endian, the kernels'
     * MultiChunk), then the floats packed two per long.
     */
    long[] build(Tensor[][] lists, float[] floats) {
        int t = lists[0].length;
        long chunks = 0;
        for (int i = 0; i < t; i++) {
            long n = lists[0][i].numel();
            for (Tensor[] l : lists)
                if (l[i].numel() != n)
                    throw new IllegalArgumentException("multi-tensor op: tensor " + i + " sizes differ: " + lists[0][i] + " vs " + l[i]);
            chunks += (n + CHUNK - 1) / CHUNK;
        }
        int fl = floats == null ? 0 : (t + 1) / 2;
        long[] w = new long[Math.toIntExact(lists.length * (long) t + 2 * chunks + fl)];
        int at = 0;
        for (Tensor[] l : lists) for (Tensor x : l) w[at++] = cb.p(x).address();
        for (int i = 0; i < t; i++) {
            long n = lists[0][i].numel();
            for (long s = 0; s < n; s += CHUNK) {
                long len = Math.min(CHUNK, n - s);
                w[at++] = (i & 0xffffffffL) | (len << 32);
                w[at++] = s;
            }
        }
        for (int i = 0; floats != null && i < t; i += 2) {
            long lo = Float.floatToRawIntBits(floats[i]) & 0xffffffffL;
            long hi = i + 1 < t ? Float.floatToRawIntBits(floats[i + 1]) & 0xffffffffL : 0;
            w[at++] = lo | (hi << 32);
        }
        return w;
    }
}
