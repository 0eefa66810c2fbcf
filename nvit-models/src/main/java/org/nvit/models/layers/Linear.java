package org.nvit.models.layers;

import java.util.List;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.models.structure.Coupling;
import org.nvit.models.structure.Dim;
import org.nvit.models.structure.Role;

/** y = x W^T + b with W [out, in] (timm init: trunc-normal std 0.02, zero bias). */
public final class Linear {
    public final Var weight, bias;

    public Linear(Params p, String name, int in, int out) {
        weight = p.truncNormal(name + ".weight", 0.02, out, in);
        bias = p.zeros(name + ".bias", out);
    }

    public Var forward(Var x) { return F.linear(x, weight, bias); }

    /** Output rows (and bias entries) of layer {@code name} that belong to units of dim, laid out as in {@link Coupling}. */
    static void rows(List<Coupling> out, String name, Dim dim, Role role, int start, int units, int width, int repeat, int repeatStride) {
        out.add(new Coupling(name + ".weight", dim, role, 0, start, units, width, repeat, repeatStride));
        out.add(new Coupling(name + ".bias", dim, role, 0, start, units, width, repeat, repeatStride));
    }

    /** Input columns of layer {@code name} that belong to units of dim. */
    static void columns(List<Coupling> out, String name, Dim dim, Role role, int units, int width, int repeat, int repeatStride) {
        out.add(new Coupling(name + ".weight", dim, role, 1, 0, units, width, repeat, repeatStride));
    }
}
