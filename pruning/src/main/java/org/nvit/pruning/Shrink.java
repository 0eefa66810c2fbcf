package org.nvit.pruning;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvit.engine.Tensor;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/**
 * Dense conversion (nvit-paper.md 5.1): from a masked full-size state dict to a smaller ragged {@link VitConfig} and
 * its state dict, by slicing out every pruned row and column. Heads are hard-masked (zeroed) while pruning, so there is
 * no head gate to fold. A block whose remaining QK width equals its V width is written in timm's fused
 * {@code attn.qkv} layout, otherwise as separate {@code attn.q/k/v}. When the config has no explicit attention scale
 * (1/sqrt(qk_dim) per block), pruning QK would change the scale; the old/new ratio is folded into the Q rows so that
 * the dense model computes exactly what the masked one did.
 */
public final class Shrink {
    private Shrink() {}

    public record Result(VitConfig config, LinkedHashMap<String, Tensor> stateDict) {}

    public static Result apply(PruningMasks masks, Map<String, Tensor> params) {
        Structure st = masks.structure();
        VitConfig full = st.config();
        VitConfig dense = masks.currentConfig();
        int[] emb = keptIndices(masks.keep(PruningLayer.EMB));
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        for (Map.Entry<String, Tensor> e : params.entrySet()) {
            String n = e.getKey();
            Tensor t = e.getValue();
            if (n.startsWith("blocks.")) continue;
            switch (n) {
                case "cls_token", "dist_token", "pos_embed" -> out.put(n, gather(t, null, null, emb));
                case "patch_embed.proj.weight", "patch_embed.proj.bias", "norm.weight", "norm.bias" -> out.put(n, gather(t, emb));
                case "head.weight", "head_dist.weight" -> out.put(n, gather(t, null, emb));
                default -> out.put(n, t.copy());
            }
        }
        for (int b = 0; b < full.depth(); b++) block(st, masks, params, b, emb, dense, out);
        return new Result(dense, out);
    }

    private static void block(Structure st, PruningMasks masks, Map<String, Tensor> params, int b, int[] emb,
                              VitConfig dense, Map<String, Tensor> out) {
        BlockSpec s = st.config().blocks().get(b);
        String p = "blocks." + b + ".";
        int[] heads = keptIndices(masks.keep(new PruningLayer(UnitKind.HEAD, b)));
        int[] qk = keptIndices(masks.keep(new PruningLayer(UnitKind.QK, b)));
        int[] v = keptIndices(masks.keep(new PruningLayer(UnitKind.V, b)));
        int[] mlp = keptIndices(masks.keep(new PruningLayer(UnitKind.MLP, b)));
        int[] qRows = headRows(heads, qk, s.qkDim()), vRows = headRows(heads, v, s.vDim());
        for (String n : new String[] {"norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "attn.proj.bias", "mlp.fc2.bias"})
            if (params.containsKey(p + n)) out.put(p + n, gather(params.get(p + n), emb));
        out.put(p + "attn.proj.weight", gather(params.get(p + "attn.proj.weight"), emb, vRows));
        out.put(p + "mlp.fc1.weight", gather(params.get(p + "mlp.fc1.weight"), mlp, emb));
        if (params.containsKey(p + "mlp.fc1.bias")) out.put(p + "mlp.fc1.bias", gather(params.get(p + "mlp.fc1.bias"), mlp));
        out.put(p + "mlp.fc2.weight", gather(params.get(p + "mlp.fc2.weight"), emb, mlp));

        double qScale = st.config().scaleOf(b) / dense.scaleOf(b);
        Tensor[] w = new Tensor[3], bias = new Tensor[3];
        char[] which = {'q', 'k', 'v'};
        for (int i = 0; i < 3; i++) {
            Structure.Rows r = st.rows(b, which[i]);
            int[] rows = offset(i == 2 ? vRows : qRows, r.offset());
            w[i] = gather(params.get(r.weight()), rows, emb);
            bias[i] = r.bias() == null ? null : gather(params.get(r.bias()), rows);
        }
        if (qScale != 1) {
            scaleInPlace(w[0], qScale);
            if (bias[0] != null) scaleInPlace(bias[0], qScale);
        }
        BlockSpec d = dense.blocks().get(b);
        if (d.qkDim() == d.vDim()) {
            out.put(p + "attn.qkv.weight", concatRows(w));
            if (bias[0] != null) out.put(p + "attn.qkv.bias", concatRows(bias));
        } else {
            for (int i = 0; i < 3; i++) {
                out.put(p + "attn." + which[i] + ".weight", w[i]);
                if (bias[i] != null) out.put(p + "attn." + which[i] + ".bias", bias[i]);
            }
        }
    }

    static int[] keptIndices(boolean[] keep) {
        int n = 0;
        for (boolean k : keep) if (k) n++;
        int[] r = new int[n];
        for (int i = 0, j = 0; i < keep.length; i++) if (keep[i]) r[j++] = i;
        return r;
    }

    /** Head-major rows h * width + d for kept heads and kept per-head indices. */
    static int[] headRows(int[] heads, int[] idx, int width) {
        int[] r = new int[heads.length * idx.length];
        int j = 0;
        for (int h : heads) for (int d : idx) r[j++] = h * width + d;
        return r;
    }

    private static int[] offset(int[] rows, int off) {
        int[] r = rows.clone();
        for (int i = 0; i < r.length; i++) r[i] += off;
        return r;
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
        long[] stride = new long[shape.length];
        long s = 1;
        for (int a = shape.length - 1; a >= 0; a--) { stride[a] = s; s *= shape[a]; }
        int[] pos = new int[shape.length];
        long n = out.numel();
        for (long o = 0; o < n; o++) {
            long src = 0;
            for (int a = 0; a < shape.length; a++) src += idx[a][pos[a]] * stride[a];
            out.setFlat(o, t.getFlat(src));
            for (int a = shape.length - 1; a >= 0; a--) {
                if (++pos[a] < outShape[a]) break;
                pos[a] = 0;
            }
        }
        return out;
    }

    private static Tensor concatRows(Tensor[] parts) {
        List<Tensor> ps = new ArrayList<>(List.of(parts));
        int rows = 0;
        for (Tensor x : ps) rows += x.dim(0);
        int[] shape = ps.get(0).shape();
        shape[0] = rows;
        Tensor out = Tensor.zeros(ps.get(0).dtype(), shape);
        long o = 0;
        for (Tensor x : ps) for (long i = 0; i < x.numel(); i++) out.setFlat(o++, x.getFlat(i));
        return out;
    }

    private static void scaleInPlace(Tensor t, double s) {
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, t.getFlat(i) * s);
    }
}
