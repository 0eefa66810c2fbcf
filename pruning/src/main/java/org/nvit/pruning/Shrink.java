package org.nvit.pruning;

import java.util.BitSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.models.structure.Coupling;

/**
 * Dense conversion (nvit-paper.md 5.1): from a masked full-size state dict to a smaller ragged {@link VitConfig} and
 * its state dict, by cutting out every index that a pruned unit's couplings cover ({@link Structure#couplings}: the
 * same slices the masks zero). Heads are hard-masked (zeroed) while pruning, so there is no head gate to fold. The
 * model then writes the result in its dense layout ({@link VisionTransformer#denseStateDict}): fused {@code attn.qkv}
 * where the remaining QK width equals the V width, else separate {@code attn.q/k/v}, and the old/new attention scale
 * folded into Q where the config has no explicit scale, so the dense model computes exactly what the masked one did.
 */
public final class Shrink {
    private Shrink() {}

    public record Result(VitConfig config, LinkedHashMap<String, Tensor> stateDict) {}

    /** params may live on any device; the result is on the host. */
    public static Result apply(PruningMasks masks, Map<String, Tensor> params) {
        Structure st = masks.structure();
        Map<String, BitSet[]> removed = new HashMap<>();
        for (PruningLayer l : st.layers())
            for (int u = 0; u < st.units(l); u++) {
                if (masks.kept(l, u)) continue;
                for (Coupling c : st.couplings(l)) {
                    Tensor p = params.get(c.param());
                    if (p == null) continue;
                    BitSet[] axes = removed.computeIfAbsent(c.param(), k -> new BitSet[p.rank()]);
                    if (axes[c.axis()] == null) axes[c.axis()] = new BitSet();
                    for (int i : c.indices(u)) axes[c.axis()].set(i);
                }
            }
        LinkedHashMap<String, Tensor> cut = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            Tensor t = e.getValue().device() == Device.CPU ? e.getValue() : Backends.of(e.getValue()).toCpu(e.getValue());
            BitSet[] r = removed.get(e.getKey());
            cut.put(e.getKey(), r == null ? t.copy() : gather(t, kept(t.shape(), r)));
        }
        VitConfig dense = masks.currentConfig();
        return new Result(dense, VisionTransformer.denseStateDict(st.config(), dense, cut));
    }

    /** Per axis, the indices not removed (null: every index). */
    private static int[][] kept(int[] shape, BitSet[] removed) {
        int[][] keep = new int[shape.length][];
        for (int a = 0; a < shape.length; a++) {
            if (removed[a] == null) continue;
            int[] k = new int[shape[a] - removed[a].cardinality()];
            for (int i = 0, j = 0; i < shape[a]; i++) if (!removed[a].get(i)) k[j++] = i;
            keep[a] = k;
        }
        return keep;
    }

    /** Copies the sub-tensor keeping, on each axis, the listed indices (null = every index). */
    static Tensor gather(Tensor t, int[]... keep) {
        int[] shape = t.shape();
        if (keep.length > shape.length) throw new IllegalArgumentException("cannot slice " + keep.length + " axes of " + t);
        int[][] idx = new int[shape.length][];
        int[] outShape = new int[shape.length];
        for (int a = 0; a < shape.length; a++) {
            int[] k = a < keep.length ? keep[a] : null;
            if (k == null) {
                k = new int[shape[a]];
                for (int i = 0; i < k.length; i++) k[i] = i;
            }
            for (int i : k) if (i < 0 || i >= shape[a]) throw new IllegalArgumentException("index " + i + " outside axis " + a + " of " + t);
            idx[a] = k;
            outShape[a] = k.length;
        }
        Tensor out = Tensor.zeros(t.dtype(), outShape);
        if (out.numel() == 0) return out;
        long[] stride = new long[shape.length];
        long s = 1;
        for (int a = shape.length - 1; a >= 0; a--) { stride[a] = s; s *= shape[a]; }
        int last = shape.length - 1;
        boolean f32 = t.dtype() == DType.F32;
        float[] src = f32 ? t.floats() : null, dst = f32 ? out.floats() : null;
        int[] pos = new int[shape.length];
        long rows = out.numel() / outShape[last], o = 0;
        int[] lastIdx = idx[last];
        for (long r = 0; r < rows; r++) { // one output row (the last axis) at a time
            long base = 0;
            for (int a = 0; a < last; a++) base += idx[a][pos[a]] * stride[a];
            if (f32) {
                int b = t.off() + (int) base;
                for (int i = 0; i < lastIdx.length; i++) dst[(int) o + i] = src[b + lastIdx[i]];
            } else {
                for (int i = 0; i < lastIdx.length; i++) out.setFlat(o + i, t.getFlat(base + lastIdx[i]));
            }
            o += lastIdx.length;
            for (int a = last - 1; a >= 0; a--) {
                if (++pos[a] < outShape[a]) break;
                pos[a] = 0;
            }
        }
        return out;
    }
}
