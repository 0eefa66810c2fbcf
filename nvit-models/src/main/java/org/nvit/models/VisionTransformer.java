package org.nvit.models;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nvit.autograd.F;
import org.nvit.autograd.NoGrad;
import org.nvit.autograd.Var;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Device;
import org.nvit.engine.Rng;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.BatchUpload;
import org.nvit.models.layers.Block;
import org.nvit.models.layers.ChannelMask;
import org.nvit.models.layers.LayerNorm;
import org.nvit.models.layers.Linear;
import org.nvit.models.layers.Params;
import org.nvit.models.layers.PatchEmbed;
import org.nvit.models.structure.Coupling;
import org.nvit.models.structure.CouplingTable;
import org.nvit.models.structure.Dim;
import org.nvit.models.structure.Role;

/**
 * ViT / DeiT / dense NViT with per-block dimensions: patch embedding, cls (and, when distilled, dist) token, learned
 * position embedding, pre-norm blocks, final norm, head (and head_dist). Parameter names follow timm.
 */
public final class VisionTransformer {

    /** Logits of the cls head and, for distilled models, of the dist head (else null). */
    public record Output(Var cls, Var dist) {
        /** Evaluation logits: (cls + dist) / 2 for distilled models (timm / NViT), cls otherwise. */
        public Var eval() { return dist == null ? cls : F.scale(F.add(cls, dist), 0.5); }
    }

    private final VitConfig cfg;
    private final DType dtype;
    private final LinkedHashMap<String, Var> params;
    private final Var clsToken, distToken, posEmbed;
    private final PatchEmbed patchEmbed;
    private final List<Block> blocks;
    private final LayerNorm norm;
    private final Linear head, headDist;
    private final ChannelMask embedMask = new ChannelMask();

    public VisionTransformer(VitConfig cfg, long seed) { this(cfg, seed, DType.F32); }

    /** timm's init from a seed; F64 models serve gradient checks and reference comparisons. */
    public VisionTransformer(VitConfig cfg, long seed, DType dtype) {
        this.cfg = cfg;
        this.dtype = dtype;
        Params p = new Params(dtype, new Rng(seed));
        int e = cfg.embedDim();
        clsToken = p.truncNormal("cls_token", 0.02, 1, 1, e);
        distToken = cfg.distilled() ? p.truncNormal("dist_token", 0.02, 1, 1, e) : null;
        posEmbed = p.truncNormal("pos_embed", 0.02, 1, cfg.numTokens(), e);
        patchEmbed = new PatchEmbed(p, "patch_embed.proj", cfg.inChans(), cfg.patchSize(), e);
        List<Block> bs = new ArrayList<>(cfg.depth());
        for (int i = 0; i < cfg.depth(); i++)
            bs.add(new Block(p, "blocks." + i, e, cfg.blocks().get(i), cfg.scaleOf(i), cfg.layerNormEps(), embedMask));
        blocks = Collections.unmodifiableList(bs);
        norm = new LayerNorm(p, "norm", e, cfg.layerNormEps(), embedMask);
        head = new Linear(p, "head", e, cfg.numClasses());
        headDist = cfg.distilled() ? new Linear(p, "head_dist", e, cfg.numClasses()) : null;
        params = p.all();
    }

    public VitConfig config() { return cfg; }

    public DType dtype() { return dtype; }

    /** The trainable leaves by timm name, in state-dict order (live objects: optimizers update them in place). */
    public LinkedHashMap<String, Var> parameters() { return params; }

    public List<Block> blocks() { return blocks; }

    /**
     * images [B, C, H, W] -> logits. Block i's drop-path rate is dropPathRate * i / (depth - 1) (timm's linear rule);
     * drop-path needs {@code training} and an rng.
     */
    public Output forward(Var images, boolean training, double dropPathRate, Rng rng) {
        if (training && dropPathRate > 0 && rng == null)
            throw new IllegalArgumentException("drop-path needs an Rng");
        Var x = embed(images);
        int depth = blocks.size();
        for (int i = 0; i < depth; i++) {
            double rate = depth > 1 ? dropPathRate * i / (depth - 1) : 0;
            x = blocks.get(i).forward(x, training, rate, rng);
        }
        return classify(x);
    }

    /** The part before the blocks: images [B, C, H, W] -> tokens [B, N, D] (patch embedding, cls/dist, positions). */
    public Var embed(Var images) {
        int[] s = images.shape();
        if (s.length != 4 || s[1] != cfg.inChans() || s[2] != cfg.imageSize() || s[3] != cfg.imageSize())
            throw new IllegalArgumentException("images have shape " + Shape.str(s) + " but the model expects [B, "
                    + cfg.inChans() + ", " + cfg.imageSize() + ", " + cfg.imageSize() + "]");
        Var x = patchEmbed.forward(images);
        x = distToken == null ? F.concatTokens(clsToken, x) : F.concatTokens(clsToken, distToken, x);
        return F.add(x, posEmbed);
    }

    /**
     * The part after the blocks: final norm and head(s) on the cls (and dist) token; with average pooling, the mean of
     * the patch tokens, then the norm (timm's fc_norm order), then the head.
     */
    public Output classify(Var x) {
        if (cfg.avgPool()) return new Output(head.forward(norm.forward(F.meanTokens(x, cfg.numPrefixTokens()))), null);
        x = norm.forward(x);
        Var cls = head.forward(F.token(x, 0));
        Var dist = headDist == null ? null : headDist.forward(F.token(x, 1));
        return new Output(cls, dist);
    }

    /** Evaluation logits [B, classes] without recording a graph; images on another device are copied over first. */
    public Tensor predict(Tensor images) {
        try (NoGrad g = NoGrad.open()) {
            return forward(Var.constant(onDevice(images)), false, 0, null).eval().value();
        }
    }

    /** The device the parameters live on. */
    public Device device() { return params.values().iterator().next().value().device(); }

    /**
     * Moves every parameter to the backend's device (a copy through the host; parameters already there are kept as
     * they are, so moving to the device they are on changes nothing). Gradients are dropped. Returns this model.
     * Create optimizers and EMA copies after the move: their state follows the parameters' device.
     */
    public VisionTransformer to(Backend backend) {
        for (Var v : params.values()) {
            Tensor t = v.value();
            if (t.device() == backend.device()) continue;
            Tensor host = t.device() == Device.CPU ? t : Backends.of(t).toCpu(t);
            v.setValue(backend.device() == Device.CPU ? host : backend.fromCpu(host));
            v.zeroGrad();
        }
        return this;
    }

    /**
     * t on this model's device: t itself when it is there already, else a copy (a batch's images or targets), queued
     * to overlap the work already queued where the device can ({@link BatchUpload}).
     */
    public Tensor onDevice(Tensor t) {
        Device d = device();
        if (t.device() == d) return t;
        Tensor host = t.device() == Device.CPU ? t : Backends.of(t).toCpu(t);
        return d == Device.CPU ? host : BatchUpload.of(Backends.of(d)).upload(host);
    }

    /** The parameter values by name (live tensors, not copies; on the model's device: copy to the host to save). */
    public Map<String, Tensor> stateDict() {
        Map<String, Tensor> sd = new LinkedHashMap<>();
        params.forEach((k, v) -> sd.put(k, v.value()));
        return sd;
    }

    /**
     * Strict load: every parameter must be present with its exact shape and no unknown key may be present. Values
     * are copied into this model's dtype and device.
     */
    public void loadStateDict(Map<String, Tensor> sd) { loadStateDict(sd, java.util.Set.of()); }

    /**
     * The same, except that the parameters named in {@code fresh} must be absent from sd and keep their initial
     * values (a fine-tuned model's new classifier head).
     */
    public void loadStateDict(Map<String, Tensor> sd, java.util.Set<String> fresh) {
        for (String k : fresh)
            if (!params.containsKey(k) || sd.containsKey(k))
                throw new IllegalArgumentException("'" + k + "' cannot stay fresh: the model " + (params.containsKey(k)
                        ? "gets it from the state dict" : "has no such parameter"));
        for (String k : sd.keySet())
            if (!params.containsKey(k))
                throw new IllegalArgumentException("unexpected key '" + k + "' in state dict: the model has no such parameter (wrong config?)");
        for (Map.Entry<String, Var> e : params.entrySet()) {
            Tensor t = sd.get(e.getKey());
            if (t == null && fresh.contains(e.getKey())) continue;
            if (t == null)
                throw new IllegalArgumentException("missing key '" + e.getKey() + "' in state dict (wrong config or a partial checkpoint?)");
            if (!t.sameShape(e.getValue().value()))
                throw new IllegalArgumentException("shape mismatch for '" + e.getKey() + "': checkpoint " + Shape.str(t.shape())
                        + ", model " + Shape.str(e.getValue().shape()));
        }
        Device d = device();
        for (Map.Entry<String, Var> e : params.entrySet()) {
            Tensor t = sd.get(e.getKey());
            if (t == null) continue; // fresh
            Tensor host = (t.device() == Device.CPU ? t : Backends.of(t).toCpu(t)).to(dtype);
            e.getValue().setValue(d == Device.CPU ? host : Backends.of(d).fromCpu(host));
        }
    }

    // ---------------------------------------------------------------- structure (pruning)

    /** Which parameter slices each prunable unit of this model owns (see {@link CouplingTable}). */
    public CouplingTable couplings() {
        return couplings(cfg, b -> blocks.get(b).attn.fused());
    }

    /**
     * The couplings of a model with this config, whose block b keeps Q, K, V fused in one {@code qkv} tensor when
     * {@code fusedAttention.test(b)} (our models: when qk == v; other files may hold separate tensors either way).
     */
    public static CouplingTable couplings(VitConfig cfg, java.util.function.IntPredicate fusedAttention) {
        List<Coupling> out = new ArrayList<>();
        int e = cfg.embedDim();
        out.add(Coupling.block("patch_embed.proj.weight", Dim.EMB, Role.OUTPUT, 0, 0, e, 1));
        out.add(Coupling.block("patch_embed.proj.bias", Dim.EMB, Role.OUTPUT, 0, 0, e, 1));
        out.add(Coupling.block("cls_token", Dim.EMB, Role.TOKEN, 2, 0, e, 1));
        if (cfg.distilled()) out.add(Coupling.block("dist_token", Dim.EMB, Role.TOKEN, 2, 0, e, 1));
        out.add(Coupling.block("pos_embed", Dim.EMB, Role.TOKEN, 2, 0, e, 1));
        for (int b = 0; b < cfg.depth(); b++)
            Block.couplings(out, "blocks." + b, b, cfg.blocks().get(b), e, fusedAttention.test(b));
        out.add(Coupling.block("norm.weight", Dim.EMB, Role.NORM, 0, 0, e, 1));
        out.add(Coupling.block("norm.bias", Dim.EMB, Role.NORM, 0, 0, e, 1));
        out.add(Coupling.block("head.weight", Dim.EMB, Role.CLASSIFIER, 1, 0, e, 1));
        if (cfg.distilled()) out.add(Coupling.block("head_dist.weight", Dim.EMB, Role.CLASSIFIER, 1, 0, e, 1));
        return new CouplingTable(out);
    }

    /**
     * Restricts every LayerNorm's statistics to the embedding channels kept by {@code mask} (0/1 [E] on this model's
     * device), or back to all channels (null). Pruning sets it when it removes embedding channels.
     */
    public void setEmbedMask(Tensor mask) {
        if (mask != null && (mask.numel() != cfg.embedDim() || mask.device() != device()))
            throw new IllegalArgumentException("embedding mask " + mask + " must have " + cfg.embedDim() + " entries on " + device());
        embedMask.set(mask);
    }

    /**
     * The state dict of the dense model {@code to} from one cut out of a model with config {@code from} (every
     * pruned row and column already removed, names still those of {@code from}): Q/K/V in {@code to}'s layout
     * (fused where its qk == v) and, where the attention scale changes with the QK width (configs without an explicit
     * attn_scale), the ratio folded into Q, so that the dense model computes what the masked one did.
     */
    public static java.util.LinkedHashMap<String, Tensor> denseStateDict(VitConfig from, VitConfig to, Map<String, Tensor> cut) {
        java.util.LinkedHashMap<String, Tensor> out = new java.util.LinkedHashMap<>();
        for (var e : cut.entrySet()) {
            String n = e.getKey();
            boolean qkvPart = n.startsWith("blocks.") && n.matches("blocks\\.\\d+\\.attn\\.(qkv|q|k|v)\\.(weight|bias)");
            if (!qkvPart) out.put(n, e.getValue());
        }
        for (int b = 0; b < from.depth(); b++)
            Block.attentionToLayout("blocks." + b, to.blocks().get(b), from.scaleOf(b) / to.scaleOf(b), cut, out);
        return out;
    }

    /** Total trainable parameters (equals {@link ModelStats#params}). */
    public long numParams() {
        long n = 0;
        for (Var v : params.values()) n += v.value().numel();
        return n;
    }
}
