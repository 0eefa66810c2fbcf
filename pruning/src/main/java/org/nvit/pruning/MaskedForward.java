package org.nvit.pruning;

import java.util.Map;
import org.nvit.autograd.F;
import org.nvit.autograd.NoGrad;
import org.nvit.autograd.Var;
import org.nvit.engine.Backends;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.models.layers.Block;

/**
 * The forward of the masked ("sparse") model during pruning: the model's own forward, except that every LayerNorm
 * takes its statistics over the alive EMB channels only. With a plain LN the zeroed channels would count in the mean
 * and variance (the official code does this), so the dense model after {@link Shrink} would compute something else;
 * here masked and shrunk logits agree to rounding.
 *
 * <p>The alive-channel LN is built from existing differentiable ops: with m the 0/1 EMB mask, A = sum m and E the full
 * width, z = x - m * (sum_j x_j) / A centres the alive channels (dead channels of x are exactly 0 because every slice
 * that writes them is zeroed), a linear map z = x C^T with C = I - m 1^T / A. A plain LN of z has mean 0 and variance
 * (A/E) var_alive, so LN_alive(x; gamma, beta, eps) = LN(z; gamma * sqrt(A/E), beta, eps * A/E), exactly. The extra
 * E x E product per norm costs about one proj layer; it is skipped while no EMB unit is pruned.
 */
public final class MaskedForward {
    private final VisionTransformer model;
    private Var centre;     // C [E, E] constant, or null while EMB is whole
    private double ratio = 1;  // A / E

    public MaskedForward(VisionTransformer model) { this.model = model; }

    public VisionTransformer model() { return model; }

    /** Call after every change of the masks. */
    public void update(PruningMasks masks) {
        boolean[] keep = masks.keep(PruningLayer.EMB);
        int e = keep.length, a = masks.alive(PruningLayer.EMB);
        if (a == e) { centre = null; ratio = 1; return; }
        double[] c = new double[e * e];
        for (int i = 0; i < e; i++)
            for (int j = 0; j < e; j++) c[i * e + j] = (i == j ? 1 : 0) - (keep[i] ? 1.0 / a : 0);
        Tensor like = model.parameters().get("norm.weight").value();
        Tensor ct = Tensor.of(c, e, e).to(like.dtype());
        centre = Var.constant(Backends.of(like).fromCpu(ct));
        ratio = (double) a / e;
    }

    private Var norm(Var x, Var gamma, Var beta, double eps) {
        if (centre == null) return F.layerNorm(x, gamma, beta, eps);
        return F.layerNorm(F.linear(x, centre, null), F.scale(gamma, Math.sqrt(ratio)), beta, eps * ratio);
    }

    /** As {@link VisionTransformer#forward}, with alive-channel LayerNorms. */
    public VisionTransformer.Output forward(Var images, boolean training, double dropPathRate, Rng rng) {
        Map<String, Var> p = model.parameters();
        var cfg = model.config();
        double eps = cfg.layerNormEps();
        int patch = cfg.patchSize();
        Var x = F.patchEmbed(images, p.get("patch_embed.proj.weight"), p.get("patch_embed.proj.bias"), patch);
        x = cfg.distilled() ? F.concatTokens(p.get("cls_token"), p.get("dist_token"), x) : F.concatTokens(p.get("cls_token"), x);
        x = F.add(x, p.get("pos_embed"));
        int depth = model.blocks().size();
        for (int i = 0; i < depth; i++) {
            Block b = model.blocks().get(i);
            double rate = depth > 1 ? dropPathRate * i / (depth - 1) : 0;
            Var y = b.attn.forward(norm(x, b.norm1.weight, b.norm1.bias, eps));
            x = F.add(x, training && rate > 0 ? F.dropPath(y, rate, rng) : y);
            y = b.mlp.forward(norm(x, b.norm2.weight, b.norm2.bias, eps));
            x = F.add(x, training && rate > 0 ? F.dropPath(y, rate, rng) : y);
        }
        if (cfg.avgPool()) {
            Var pooled = norm(F.meanTokens(x, cfg.numPrefixTokens()), p.get("norm.weight"), p.get("norm.bias"), eps);
            return new VisionTransformer.Output(F.linear(pooled, p.get("head.weight"), p.get("head.bias")), null);
        }
        x = norm(x, p.get("norm.weight"), p.get("norm.bias"), eps);
        Var cls = F.linear(F.token(x, 0), p.get("head.weight"), p.get("head.bias"));
        Var dist = cfg.distilled() ? F.linear(F.token(x, 1), p.get("head_dist.weight"), p.get("head_dist.bias")) : null;
        return new VisionTransformer.Output(cls, dist);
    }

    /** Evaluation logits without a graph. */
    public Tensor predict(Tensor images) {
        try (NoGrad g = NoGrad.open()) {
            return forward(Var.constant(images), false, 0, null).eval().value();
        }
    }
}
