package org.nvit.models.layers;

import java.util.List;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.models.structure.Coupling;
import org.nvit.models.structure.Dim;
import org.nvit.models.structure.Role;

/**
 * A Conv2d with stride = kernel = patch: images [B, C, H, W] -> tokens [B, (H/p)(W/p), D]. Weight [D, C, p, p]
 * keeps PyTorch's default Conv2d init, as timm does: uniform(+-1/sqrt(C p p)) for weight and bias.
 */
public final class PatchEmbed {
    public final Var weight, bias;
    private final int patch;

    public PatchEmbed(Params p, String name, int inChans, int patch, int dim) {
        double bound = 1.0 / Math.sqrt((double) inChans * patch * patch);
        weight = p.uniform(name + ".weight", bound, dim, inChans, patch, patch);
        bias = p.uniform(name + ".bias", bound, dim);
        this.patch = patch;
    }

    public Var forward(Var images) { return F.patchEmbed(images, weight, bias, patch); }

    /** Each embedding channel owns its filter and bias entry. */
    static void couplings(List<Coupling> out, String name, int embed) {
        Linear.rows(out, name, Dim.EMB, Role.OUTPUT, 0, embed, 1, 1, embed);
    }
}
