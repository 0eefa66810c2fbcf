package org.nvit.kernels;

import java.util.ArrayList;
import java.util.List;
import org.nvit.engine.Tensor;

/**
 * bf16 copies of GEMM operands, made once per op instead of once per GEMM call: consecutive GEMMs that read the same
 * tensor (the two of a linear layer's backward that read gy; attention's per-head products, whose strided views each
 * span nearly all of qkv) share one conversion. An operand whose span covers at least half of its storage is
 * converted whole, so that every view into it is served. The copies stay valid only while nothing may have written
 * their sources: any kernel launch or host-to-device copy since the last GEMM drops them all, and a GEMM's output
 * drops those it overlaps.
 */
final class Bf16Operands {
    static final int MAX = 4;

    private record Entry(long address, long elements, Bf16Buffer buffer) {
        boolean covers(long at, long n) { return at >= address && at + 4 * n <= address + 4 * elements; }

        boolean overlaps(long at, long bytes) { return at < address + 4 * elements && address < at + bytes; }
    }

    private final CudaBackend cb;
    private final List<Entry> entries = new ArrayList<>();
    private long launchesSeen = -1, copiesSeen = -1;
    private long conversions;

    Bf16Operands(CudaBackend cb) { this.cb = cb; }

    /** The bf16 copy of the {@code span} elements from t's first element on. */
    synchronized DevPtr operand(Tensor t, long span) {
        dropIfStale();
        long at = cb.p(t).address();
        for (Entry e : entries)
            if (e.covers(at, span)) return e.buffer().pointer().plus(2 * (at - e.address()));
        CudaStorage s = (CudaStorage) t.storage();
        boolean whole = 2 * span >= s.length();
        DevPtr from = whole ? s.pointer() : cb.p(t);
        long n = whole ? s.length() : span;
        Bf16Buffer buf = cb.toBf16(from, n);
        conversions++;
        if (entries.size() == MAX) entries.remove(0).buffer().close();
        Entry e = new Entry(from.address(), n, buf);
        entries.add(e);
        seen();
        return buf.pointer().plus(2 * (at - e.address()));
    }

    /** A GEMM wrote [c, c + span elements): copies overlapping it are stale. */
    synchronized void written(Tensor c, long span) {
        long at = cb.p(c).address();
        entries.removeIf(e -> {
            if (!e.overlaps(at, 4 * span)) return false;
            e.buffer().close();
            return true;
        });
        seen();
    }

    /** How many operands were converted (for tests). */
    synchronized long conversions() { return conversions; }

    private void seen() {
        launchesSeen = cb.gpu.counters.launches.sum();
        copiesSeen = cb.gpu.counters.h2dCopies.sum();
    }

    private void dropIfStale() {
        if (cb.gpu.counters.launches.sum() == launchesSeen && cb.gpu.counters.h2dCopies.sum() == copiesSeen) return;
        for (Entry e : entries) e.buffer().close();
        entries.clear();
    }
}
