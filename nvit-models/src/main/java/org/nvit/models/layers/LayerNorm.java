package org.nvit.models.layers;

import org.nvit.autograd.F;
import org.nvit.autograd.Var;

/** LayerNorm over the last axis with affine weight (ones) and bias (zeros). */
public final class LayerNorm {
    public final Var weight, bias;
    private final double eps;

    public LayerNorm(Params p, String name, int dim, double eps) {
        weight = p.ones(name + ".weight", dim);
        bias = p.zeros(name + ".bias", dim);
        this.eps = eps;
    }

    public Var forward(Var x) { return F.layerNorm(x, weight, bias, eps); }
}
