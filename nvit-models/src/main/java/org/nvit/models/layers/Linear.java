package org.nvit.models.layers;

import org.nvit.autograd.F;
import org.nvit.autograd.Var;

/** y = x W^T + b with W [out, in] (timm init: trunc-normal std 0.02, zero bias). */
public final class Linear {
    public final Var weight, bias;

    public Linear(Params p, String name, int in, int out) {
        weight = p.truncNormal(name + ".weight", 0.02, out, in);
        bias = p.zeros(name + ".bias", out);
    }

    public Var forward(Var x) { return F.linear(x, weight, bias); }
}
