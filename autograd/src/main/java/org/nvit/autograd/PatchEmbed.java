package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * Patch embedding, the stride = kernel convolution of ViT: patchify images [B, C, H, W] into [B, P, C*p*p], then a
 * linear layer with the conv weight [D, C, p, p] viewed as [D, C*p*p]. Patchify's backward is its adjoint, unpatchify.
 */
final class PatchEmbed {
    private PatchEmbed() {}

    static Var apply(Var images, Var w, Var b, int patch) {
        Tensor iv = images.value(), wv = w.value();
        if (iv.rank() != 4) throw Ops.bad("patchEmbed", "images " + Ops.str(iv) + " are not [B, C, H, W]");
        int c = iv.dim(1);
        if (wv.rank() != 4 || wv.dim(1) != c || wv.dim(2) != patch || wv.dim(3) != patch)
            throw Ops.bad("patchEmbed", "weight " + Ops.str(wv) + " is not [D, " + c + ", " + patch + ", " + patch + "]");
        Var patches = patchify(images, patch);
        return Linear.apply(patches, Reshape.apply(w, wv.dim(0), c * patch * patch), b);
    }

    static Var patchify(Var images, int patch) {
        Tensor iv = images.value();
        int bs = iv.dim(0), c = iv.dim(1), h = iv.dim(2), wd = iv.dim(3);
        if (patch <= 0 || h % patch != 0 || wd % patch != 0)
            throw Ops.bad("patchEmbed", "image size " + h + "x" + wd + " is not a multiple of the patch size " + patch);
        Backend be = Ops.be(iv);
        Tensor y = Ops.empty(iv, bs, (h / patch) * (wd / patch), c * patch * patch);
        be.patchify(iv, patch, y);
        return Var.result(y, gy -> {
            Tensor g = Ops.emptyLike(iv);
            be.unpatchify(gy, patch, g);
            images.accumulateOwned(g);
        }, images);
    }
}
