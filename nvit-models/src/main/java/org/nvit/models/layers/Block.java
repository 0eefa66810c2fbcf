package org.nvit.models.layers;

import java.util.List;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.engine.Rng;
import org.nvit.models.BlockSpec;
import org.nvit.models.structure.Coupling;

/** Pre-norm transformer block: x + DropPath(Attn(LN1 x)), then x + DropPath(MLP(LN2 x)). */
public final class Block {
    public final LayerNorm norm1, norm2;
    public final Attention attn;
    public final Mlp mlp;

    public Block(Params p, String name, int dim, BlockSpec spec, double scale, double eps, ChannelMask embedMask) {
        this(p, name, dim, spec, scale, eps, embedMask, spec.qkDim() == spec.vDim());
    }

    /** With the attention's projection layout chosen (fused needs qk == v). */
    public Block(Params p, String name, int dim, BlockSpec spec, double scale, double eps, ChannelMask embedMask,
                 boolean fusedAttention) {
        norm1 = new LayerNorm(p, name + ".norm1", dim, eps, embedMask);
        attn = new Attention(p, name + ".attn", dim, spec, scale, fusedAttention);
        norm2 = new LayerNorm(p, name + ".norm2", dim, eps, embedMask);
        mlp = new Mlp(p, name + ".mlp", dim, spec.mlpDim());
    }

    /**
     * dropPath is this block's stochastic-depth rate; it applies only when training with rate > 0. Each branch's
     * output projection, drop-path and residual add are one {@link F#residualLinear}.
     */
    public Var forward(Var x, boolean training, double dropPath, Rng rng) {
        double p = training ? dropPath : 0;
        x = F.residualLinear(x, attn.heads(norm1.forward(x)), attn.proj.weight, attn.proj.bias, p, rng);
        return F.residualLinear(x, mlp.hidden(norm2.forward(x)), mlp.fc2.weight, mlp.fc2.bias, p, rng);
    }

    /** The couplings of block {@code index} (named {@code name}), its attention fused or not. */
    public static void couplings(List<Coupling> out, String name, int index, BlockSpec s, int embed, boolean fusedAttention) {
        LayerNorm.couplings(out, name + ".norm1", embed);
        Attention.couplings(out, name + ".attn", index, s, embed, fusedAttention);
        LayerNorm.couplings(out, name + ".norm2", embed);
        Mlp.couplings(out, name + ".mlp", index, embed, s.mlpDim());
    }

    /** See {@link Attention#toLayout}. */
    public static void attentionToLayout(String name, BlockSpec to, double qScale, java.util.Map<String, org.nvit.engine.Tensor> in,
                                         java.util.Map<String, org.nvit.engine.Tensor> out) {
        Attention.toLayout(name + ".attn", to, qScale, in, out);
    }
}
