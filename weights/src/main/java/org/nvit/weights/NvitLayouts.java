package org.nvit.weights;

import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;

/**
 * Layout conversions from NViT's checkpoints (nvit/models.py, finetune_dense.py) to timm's. Each method checks the
 * shapes it relies on and names the tensor when they are wrong.
 */
final class NvitLayouts {
    private NvitLayouts() {}

    /**
     * Q/K/V weight or bias to the head-major rows of a Linear. Dense tensors ([H*d, E] or [H*d]) pass through;
     * sparse head-separate ones ((d, E, H) or (d, H)) are rearranged {@code 'q e h -> (h q) e'} and scaled by the
     * head mask (H, 1) when there is one, as finetune_dense.py folds it.
     */
    static Tensor headMajor(String key, Tensor t, Tensor headMask) {
        boolean weight = key.endsWith(".weight");
        if (t.rank() == (weight ? 2 : 1)) {
            if (headMask != null) throw new StateDictException("'" + key + "' is dense but the block has a head_mask");
            return t;
        }
        if (t.rank() != (weight ? 3 : 2)) throw new StateDictException("'" + key + "' has unexpected shape " + Shape.str(t.shape()));
        int q = t.dim(0), h = t.dim(-1), e = weight ? t.dim(1) : 1;
        if (headMask != null && headMask.numel() != h)
            throw new StateDictException("head_mask of '" + key + "' has " + headMask.numel() + " entries for " + h + " heads");
        float[] out = new float[h * q * e];
        for (int hh = 0; hh < h; hh++) {
            double m = headMask == null ? 1.0 : headMask.getFlat(hh);
            for (int d = 0; d < q; d++)
                for (int c = 0; c < e; c++) out[(hh * q + d) * e + c] = (float) (t.getFlat(((long) d * e + c) * h + hh) * m);
        }
        return weight ? Tensor.of(out, h * q, e) : Tensor.of(out, h * q);
    }

    /** Attention projection: dense [E, H*v] passes through; sparse (E, v, H) becomes {@code 'e v h -> e (h v)'}. */
    static Tensor projColumns(String key, Tensor t) {
        if (t.rank() == 2) return t;
        if (t.rank() != 3) throw new StateDictException("'" + key + "' has unexpected shape " + Shape.str(t.shape()));
        int e = t.dim(0), v = t.dim(1), h = t.dim(2);
        float[] out = new float[e * h * v];
        for (int r = 0; r < e; r++)
            for (int hh = 0; hh < h; hh++)
                for (int d = 0; d < v; d++) out[(r * h + hh) * v + d] = (float) t.getFlat(((long) r * v + d) * h + hh);
        return Tensor.of(out, e, h * v);
    }

    /** NViT's 1x1 patch conv (E, p*p*C, 1, 1), input index (p1*p + p2)*C + c, to a stride-p conv [E, C, p, p]. */
    static Tensor patchConv(Tensor t, int inChans) {
        int e = t.dim(0), k = t.dim(1);
        int p = (int) Math.round(Math.sqrt((double) k / inChans));
        if (inChans < 1 || p * p * inChans != k)
            throw new StateDictException("patch_embed.proj.weight " + Shape.str(t.shape()) + " is not a 1x1 conv over p*p*"
                    + inChans + " inputs");
        float[] out = new float[e * k];
        for (int r = 0; r < e; r++)
            for (int c = 0; c < inChans; c++)
                for (int p1 = 0; p1 < p; p1++)
                    for (int p2 = 0; p2 < p; p2++)
                        out[((r * inChans + c) * p + p1) * p + p2] = (float) t.getFlat((long) r * k + (p1 * p + p2) * inChans + c);
        return Tensor.of(out, e, inChans, p, p);
    }

    /** Rows of a, b, c stacked (the fused qkv Linear). */
    static Tensor concatRows(Tensor a, Tensor b, Tensor c) {
        int[] s = a.shape();
        s[0] *= 3;
        float[] out = new float[(int) (3 * a.numel())];
        int n = (int) a.numel();
        System.arraycopy(a.toFloatArray(), 0, out, 0, n);
        System.arraycopy(b.toFloatArray(), 0, out, n, n);
        System.arraycopy(c.toFloatArray(), 0, out, 2 * n, n);
        return Tensor.of(out, s);
    }
}
