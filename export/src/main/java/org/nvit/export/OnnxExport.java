package org.nvit.export;

import static org.nvit.export.OnnxGraph.attr;
import static org.nvit.export.OnnxGraph.in;
import static org.nvit.export.OnnxGraph.ints;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.nvit.engine.Tensor;
import org.nvit.export.onnx.OnnxProto.ModelProto;
import org.nvit.export.onnx.OnnxProto.OperatorSetIdProto;
import org.nvit.export.onnx.OnnxProto.StringStringEntryProto;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;
import org.nvit.weights.AtomicFiles;
import org.nvit.weights.StateDicts;
import org.nvit.weights.WeightFiles;

/**
 * Writes a model as ONNX (opset 17) for deployment: one graph that mirrors {@code VisionTransformer}'s evaluation
 * forward for any config nvit runs (uniform, distilled, ragged heads/QK/V/MLP per block, fused or separate q/k/v,
 * either attention scale, cls-token or average pooling). Input {@code images} [batch, C, H, W] float32, already
 * normalised; output {@code logits} [batch, classes] (for distilled models the mean of both heads, as our eval
 * reports). Weights are initializers; GELU is the exact erf form; LayerNorm is opset 17's LayerNormalization. Linear
 * weights are stored transposed ({@code <name>.weight_t}, [in, out]) so every projection is one MatMul; every other
 * initializer keeps its timm name and layout. The config JSON rides along in the model's metadata under
 * {@value WeightFiles#CONFIG_KEY}.
 */
public final class OnnxExport {
    public static final int OPSET = 17;
    /** The IR version that goes with opset 17 (ONNX 1.12). */
    public static final long IR_VERSION = 8;
    public static final String INPUT = "images", OUTPUT = "logits", BATCH = "batch";
    /** A single protobuf message cannot exceed 2 GiB; larger models would need ONNX external data. */
    private static final long MAX_BYTES = (1L << 31) - (64L << 20);

    private OnnxExport() {}

    /** Builds the ONNX model; the state dict must match the config exactly (our names). */
    public static ModelProto model(VitConfig cfg, Map<String, Tensor> stateDict) {
        Map<String, Tensor> sd = StateDicts.checkAndOrder(cfg, stateDict);
        long bytes = 4 * StateDicts.parameterCount(sd);
        if (bytes > MAX_BYTES)
            throw new IllegalArgumentException(String.format("the model's weights take %.2f GB, more than one ONNX file "
                    + "can hold (2 GB protobuf limit); export a smaller model or use the .pth format", bytes / 1e9));
        OnnxGraph g = new OnnxGraph("nvit_vit");
        new Builder(g, cfg, sd).build();
        String version = OnnxExport.class.getPackage().getImplementationVersion();
        return ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("nvit-java")
                .setProducerVersion(version == null ? "dev" : version)
                .setDocString("Vision Transformer exported by nvit-java. Input 'images' [batch, " + cfg.inChans() + ", "
                        + cfg.imageSize() + ", " + cfg.imageSize() + "] float32, already normalised; output 'logits' [batch, "
                        + cfg.numClasses() + "]" + (cfg.distilled() ? " (mean of the cls and dist heads)" : "") + ".")
                .addMetadataProps(StringStringEntryProto.newBuilder().setKey(WeightFiles.CONFIG_KEY).setValue(cfg.toJson()))
                .setGraph(g.build())
                .build();
    }

    /** Writes the model to {@code out} through a temporary file, so a failure leaves no partial file behind. */
    public static void write(Path out, VitConfig cfg, Map<String, Tensor> stateDict) throws IOException {
        write(out, cfg, stateDict, Map.of());
    }

    /**
     * The same with more metadata entries beside the config (the model file's {@code nvit.preprocess} and
     * {@code nvit.classes}, so that a runtime knows how to prepare the images and name the classes).
     */
    public static void write(Path out, VitConfig cfg, Map<String, Tensor> stateDict, Map<String, String> metadata)
            throws IOException {
        ModelProto.Builder b = model(cfg, stateDict).toBuilder();
        metadata.forEach((k, v) -> {
            if (k.equals(WeightFiles.CONFIG_KEY)) throw new IllegalArgumentException("the config is written already");
            b.addMetadataProps(StringStringEntryProto.newBuilder().setKey(k).setValue(v));
        });
        ModelProto m = b.build();
        AtomicFiles.writeStream(out, m::writeTo);
    }

    /** The graph of one model: the same steps, in the same order, as VisionTransformer.forward in evaluation. */
    private static final class Builder {
        private final OnnxGraph g;
        private final VitConfig cfg;
        private final Map<String, Tensor> sd;
        private final float eps;
        private String sqrt2, one, half;

        Builder(OnnxGraph g, VitConfig cfg, Map<String, Tensor> sd) {
            this.g = g;
            this.cfg = cfg;
            this.sd = sd;
            this.eps = (float) cfg.layerNormEps();
        }

        void build() {
            sqrt2 = g.scalar("const.sqrt2", (float) Math.sqrt(2));
            one = g.scalar("const.one", 1f);
            half = g.scalar("const.half", 0.5f);
            int s = cfg.imageSize(), k = cfg.numClasses();
            g.input(INPUT, BATCH, -1, cfg.inChans(), s, s);
            String x = embed();
            for (int i = 0; i < cfg.depth(); i++) x = block(i, x);
            classify(x);
            g.output(OUTPUT, BATCH, -1, k);
        }

        /** images -> tokens [B, T, D]: stride-p conv, flatten the grid row-major, prepend cls (dist), add positions. */
        private String embed() {
            int p = cfg.patchSize(), d = cfg.embedDim();
            String x = g.node("Conv", "patch_embed.conv", in(INPUT, param("patch_embed.proj.weight"), param("patch_embed.proj.bias")),
                    ints("kernel_shape", p, p), ints("strides", p, p));
            x = g.node("Reshape", "patch_embed.flat", in(x, g.int64Vector("patch_embed.flat_shape", 0, d, -1)));
            x = g.node("Transpose", "patch_embed.tokens", in(x), ints("perm", 0, 2, 1));
            String prefix = param("cls_token");
            if (cfg.distilled()) prefix = g.node("Concat", "prefix_tokens", in(prefix, param("dist_token")), attr("axis", 1L));
            // the tokens are [1, n, D] parameters: broadcast them to the batch the input has
            String batch = g.node("Shape", "batch_size", in(INPUT), attr("start", 0L), attr("end", 1L));
            String shape = g.node("Concat", "prefix_tokens.shape", in(batch, g.int64Vector("prefix_tokens.ones", 1, 1)), attr("axis", 0L));
            String prefixB = g.node("Expand", "prefix_tokens.batch", in(prefix, shape));
            x = g.node("Concat", "tokens", in(prefixB, x), attr("axis", 1L));
            return g.node("Add", "embed", in(x, param("pos_embed")));
        }

        /** Pre-norm block: x + proj(attention(norm1 x)), then x + fc2(gelu(fc1(norm2 x))). */
        private String block(int i, String x) {
            String pre = "blocks." + i + ".";
            BlockSpec b = cfg.blocks().get(i);
            int h = b.heads();
            String n1 = layerNorm(pre + "norm1", x);
            String q, k, v;
            if (b.qkDim() == b.vDim()) {
                // the fused timm projection: rows q | k | v, each head-major
                String qkv = linear(pre + "attn.qkv", n1, pre + "attn.qkv");
                String split = g.int64Vector(pre + "attn.qkv.split", b.qkWidth(), b.qkWidth(), b.vWidth());
                String[] outs = g.node("Split", new String[] {pre + "attn.q", pre + "attn.k", pre + "attn.v"}, in(qkv, split), attr("axis", 2L));
                q = outs[0]; k = outs[1]; v = outs[2];
            } else {
                q = linear(pre + "attn.q", n1, pre + "attn.q");
                k = linear(pre + "attn.k", n1, pre + "attn.k");
                v = linear(pre + "attn.v", n1, pre + "attn.v");
            }
            // [B, T, H*d] -> [B, H, T, d] (k: [B, H, d, T], ready for Q K^T)
            String qkShape = g.int64Vector(pre + "attn.qk_heads_shape", 0, 0, h, b.qkDim());
            String vShape = g.int64Vector(pre + "attn.v_heads_shape", 0, 0, h, b.vDim());
            q = g.node("Transpose", pre + "attn.q_heads", in(g.node("Reshape", pre + "attn.q_split", in(q, qkShape))), ints("perm", 0, 2, 1, 3));
            k = g.node("Transpose", pre + "attn.k_heads", in(g.node("Reshape", pre + "attn.k_split", in(k, qkShape))), ints("perm", 0, 2, 3, 1));
            v = g.node("Transpose", pre + "attn.v_heads", in(g.node("Reshape", pre + "attn.v_split", in(v, vShape))), ints("perm", 0, 2, 1, 3));
            String scores = g.node("MatMul", pre + "attn.scores", in(q, k));
            scores = g.node("Mul", pre + "attn.scaled", in(scores, g.scalar(pre + "attn.scale", (float) cfg.scaleOf(i))));
            String probs = g.node("Softmax", pre + "attn.probs", in(scores), attr("axis", -1L));
            String ctx = g.node("MatMul", pre + "attn.context", in(probs, v));
            ctx = g.node("Transpose", pre + "attn.context_tokens", in(ctx), ints("perm", 0, 2, 1, 3));
            ctx = g.node("Reshape", pre + "attn.merged", in(ctx, g.int64Vector(pre + "attn.merged_shape", 0, 0, b.vWidth())));
            String attn = linear(pre + "attn.proj", ctx, pre + "attn.out");
            x = g.node("Add", pre + "residual1", in(x, attn));

            String hid = linear(pre + "mlp.fc1", layerNorm(pre + "norm2", x), pre + "mlp.fc1");
            String mlp = linear(pre + "mlp.fc2", gelu(pre + "mlp.gelu", hid), pre + "mlp.out");
            return g.node("Add", pre + "residual2", in(x, mlp));
        }

        /** Final norm and head(s): on the cls (and dist) token, or (average pooling) on the mean of the patch tokens. */
        private void classify(String x) {
            if (cfg.avgPool()) {
                String patches = g.node("Slice", "pool.patches", in(x, g.int64Vector("pool.starts", cfg.numPrefixTokens()),
                        g.int64Vector("pool.ends", Long.MAX_VALUE), g.int64Vector("pool.axes", 1)));
                String pooled = g.node("ReduceMean", "pool.mean", in(patches), ints("axes", 1), attr("keepdims", 0L));
                linear("head", layerNorm("norm", pooled), OUTPUT);
                return;
            }
            String n = layerNorm("norm", x);
            String cls = g.node("Gather", "token.cls", in(n, g.int64s("token.cls_index", new long[] {0})), attr("axis", 1L));
            if (!cfg.distilled()) {
                linear("head", cls, OUTPUT);
                return;
            }
            String dist = g.node("Gather", "token.dist", in(n, g.int64s("token.dist_index", new long[] {1})), attr("axis", 1L));
            String a = linear("head", cls, "logits_cls");
            String b = linear("head_dist", dist, "logits_dist");
            g.node("Mul", OUTPUT, in(g.node("Add", "logits_sum", in(a, b)), half));
        }

        private String layerNorm(String name, String x) {
            return g.node("LayerNormalization", name, in(x, param(name + ".weight"), param(name + ".bias")),
                    attr("axis", -1L), attr("epsilon", eps));
        }

        /** y = x W^T + b as MatMul(x, W^T) + b, W^T stored as the initializer {@code name.weight_t}. */
        private String linear(String name, String x, String out) {
            Tensor w = sd.get(name + ".weight");
            int rows = w.dim(0), cols = w.dim(1);
            float[] src = w.toFloatArray(), t = new float[src.length];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++) t[c * rows + r] = src[r * cols + c];
            String wt = g.floats(name + ".weight_t", t, cols, rows);
            String y = g.node("MatMul", name + ".matmul", in(x, wt));
            return g.node("Add", out, in(y, param(name + ".bias")));
        }

        /** Exact GELU, 0.5 x (1 + erf(x / sqrt 2)) (opset 17 has no Gelu operator; runtimes fuse this pattern). */
        private String gelu(String name, String x) {
            String e = g.node("Erf", name + ".erf", in(g.node("Div", name + ".div", in(x, sqrt2))));
            String m = g.node("Mul", name + ".mul", in(x, g.node("Add", name + ".add", in(e, one))));
            return g.node("Mul", name, in(m, half));
        }

        /** A parameter as an initializer under its own name and layout. */
        private String param(String name) {
            Tensor t = sd.get(name);
            int[] s = t.shape();
            long[] dims = new long[s.length];
            for (int i = 0; i < s.length; i++) dims[i] = s[i];
            return g.floats(name, t.toFloatArray(), dims);
        }
    }
}
