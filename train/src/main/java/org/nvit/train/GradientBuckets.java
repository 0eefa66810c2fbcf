package org.nvit.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nvit.autograd.Var;

/**
 * The parameters cut into all-reduce buckets of at most {@code capBytes} (a parameter larger than the cap is a bucket
 * of its own). Buckets go in reverse registration order, the order backward finishes gradients in (the head first,
 * the patch embedding last), as PyTorch's DDP does: one large message per bucket amortises the per-call latency,
 * and a bucket whose gradients are all done could be sent while backward still runs on the earlier layers.
 */
record GradientBuckets(List<List<Var>> buckets, List<Long> floats) {
    static GradientBuckets of(Map<String, Var> params, long capBytes) {
        List<Var> all = new ArrayList<>(params.values());
        java.util.Collections.reverse(all);
        List<List<Var>> out = new ArrayList<>();
        List<Long> sizes = new ArrayList<>();
        List<Var> cur = new ArrayList<>();
        long curFloats = 0, cap = Math.max(1, capBytes / Float.BYTES);
        for (Var p : all) {
            long n = p.numel();
            if (!cur.isEmpty() && curFloats + n > cap) {
                out.add(cur);
                sizes.add(curFloats);
                cur = new ArrayList<>();
                curFloats = 0;
            }
            cur.add(p);
            curFloats += n;
        }
        if (!cur.isEmpty()) {
            out.add(cur);
            sizes.add(curFloats);
        }
        return new GradientBuckets(List.copyOf(out), List.copyOf(sizes));
    }

    long largest() { return floats.stream().mapToLong(Long::longValue).max().orElse(0); }

    long totalFloats() { return floats.stream().mapToLong(Long::longValue).sum(); }
}
