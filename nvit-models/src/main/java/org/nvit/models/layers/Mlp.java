package org.nvit.models.layers;

import org.nvit.autograd.F;
import org.nvit.autograd.Var;

/** fc1 -> exact GELU -> fc2. */
public final class Mlp {
    public final Linear fc1, fc2;

    public Mlp(Params p, String name, int dim, int hidden) {
        fc1 = new Linear(p, name + ".fc1", dim, hidden);
        fc2 = new Linear(p, name + ".fc2", hidden, dim);
    }

    public Var forward(Var x) { return fc2.forward(F.gelu(fc1.forward(x))); }
}
