package org.nvit.models.layers;

import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.models.BlockSpec;

/**
 * Multi-head self-attention with its own head count and separate per-head Q/K and V widths (NViT's dense blocks).
 * When qk == v the three projections are one fused timm-style {@code qkv} linear (rows q | k | v, each head-major);
 * otherwise they are {@code q}, {@code k}, {@code v}. The heads' outputs, concatenated head-major, go through
 * {@code proj} [E, H*v].
 */
public final class Attention {
    public final Linear qkv, q, k, v, proj;
    private final BlockSpec spec;
    private final double scale;

    public Attention(Params p, String name, int dim, BlockSpec spec, double scale) {
        this.spec = spec;
        this.scale = scale;
        if (spec.qkDim() == spec.vDim()) {
            qkv = new Linear(p, name + ".qkv", dim, 2 * spec.qkWidth() + spec.vWidth());
            q = k = v = null;
        } else {
            qkv = null;
            q = new Linear(p, name + ".q", dim, spec.qkWidth());
            k = new Linear(p, name + ".k", dim, spec.qkWidth());
            v = new Linear(p, name + ".v", dim, spec.vWidth());
        }
        proj = new Linear(p, name + ".proj", spec.vWidth(), dim);
    }

    public boolean fused() { return qkv != null; }

    /** x [B, N, E] -> [B, N, E]. */
    public Var forward(Var x) {
        int h = spec.heads();
        Var heads = qkv != null
                ? F.attention(qkv.forward(x), h, spec.qkDim(), spec.vDim(), scale)
                : F.attention(q.forward(x), k.forward(x), v.forward(x), h, scale);
        return proj.forward(heads);
    }
}
