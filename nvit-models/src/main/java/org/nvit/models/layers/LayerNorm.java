package org.nvit.models.layers;

import java.util.List;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.models.structure.Coupling;
import org.nvit.models.structure.Dim;
import org.nvit.models.structure.Role;

/**
 * LayerNorm over the last axis with affine weight (ones) and bias (zeros). Normalises over the kept channels of the
 * model's {@link ChannelMask} when one is set (a model whose embedding is being pruned).
 */
public final class LayerNorm {
    public final Var weight, bias;
    private final double eps;
    private final ChannelMask mask;

    public LayerNorm(Params p, String name, int dim, double eps, ChannelMask mask) {
        weight = p.ones(name + ".weight", dim);
        bias = p.zeros(name + ".bias", dim);
        this.eps = eps;
        this.mask = mask;
    }

    public Var forward(Var x) { return F.layerNorm(x, weight, bias, eps, mask == null ? null : mask.get()); }

    /** Its weight and bias entries belong to the embedding channels. */
    static void couplings(List<Coupling> out, String name, int embed) {
        for (String t : new String[] {".weight", ".bias"}) out.add(Coupling.block(name + t, Dim.EMB, Role.NORM, 0, 0, embed, 1));
    }
}
