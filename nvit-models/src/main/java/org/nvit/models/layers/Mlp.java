package org.nvit.models.layers;

import java.util.List;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.models.structure.Coupling;
import org.nvit.models.structure.Dim;
import org.nvit.models.structure.Role;

/** fc1 -> exact GELU -> fc2. */
public final class Mlp {
    public final Linear fc1, fc2;

    public Mlp(Params p, String name, int dim, int hidden) {
        fc1 = new Linear(p, name + ".fc1", dim, hidden);
        fc2 = new Linear(p, name + ".fc2", hidden, dim);
    }

    public Var forward(Var x) { return fc2.forward(hidden(x)); }

    /** GELU(fc1 x), the hidden layer (one GEMM and one fused bias + GELU pass). */
    public Var hidden(Var x) { return F.linearGelu(x, fc1.weight, fc1.bias); }

    /** A hidden neuron owns its fc1 row and fc2 column; the embedding owns fc1's input columns and fc2's output rows. */
    static void couplings(List<Coupling> out, String name, int block, int embed, int hidden) {
        Dim mlp = Dim.mlp(block);
        Linear.rows(out, name + ".fc1", mlp, Role.OUTPUT, 0, hidden, 1, 1, hidden);
        Linear.columns(out, name + ".fc2", mlp, Role.INPUT, hidden, 1, 1, hidden);
        Linear.columns(out, name + ".fc1", Dim.EMB, Role.INPUT, embed, 1, 1, embed);
        Linear.rows(out, name + ".fc2", Dim.EMB, Role.OUTPUT, 0, embed, 1, 1, embed);
    }
}
