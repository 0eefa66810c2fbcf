package org.nvit.models;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;

/**
 * Adapting trained weights to a new task, as DeiT's and timm's fine-tuning does: every weight is kept except the
 * classifier head(s) when the class count differs (the new model's fresh heads stay), and the position embedding is
 * resampled bicubically when the image size changes the patch grid (DeiT's fine-tuning at 384).
 */
public final class FineTune {
    private FineTune() {}

    /** The target config, the weights to load, the parameters left at their fresh init, and one line per change. */
    public record Adapted(VitConfig config, Map<String, Tensor> weights, Set<String> fresh, List<String> notes) {}

    public static Adapted adapt(VitConfig src, Map<String, Tensor> weights, int numClasses, int imageSize) {
        if (imageSize % src.patchSize() != 0)
            throw new IllegalArgumentException("--img-size " + imageSize + " is not a multiple of the model's patch size "
                    + src.patchSize() + "; pick a multiple of it");
        VitConfig dst = new VitConfig(imageSize, src.patchSize(), src.inChans(), numClasses, src.embedDim(), src.distilled(),
                src.layerNormEps(), src.attnScale(), src.blocks(), src.globalPool());
        Map<String, Tensor> out = new LinkedHashMap<>(weights);
        Set<String> fresh = new LinkedHashSet<>();
        List<String> notes = new ArrayList<>();
        if (numClasses != src.numClasses()) {
            for (String k : List.of("head.weight", "head.bias", "head_dist.weight", "head_dist.bias"))
                if (out.remove(k) != null) fresh.add(k);
            notes.add("new " + numClasses + "-class head" + (src.distilled() ? "s" : "") + " (the checkpoint's have "
                    + src.numClasses() + " classes): initialised fresh, every other weight loaded");
        }
        int g0 = src.imageSize() / src.patchSize(), g1 = imageSize / src.patchSize();
        if (g0 != g1) {
            Tensor pos = out.get("pos_embed");
            if (pos == null) throw new IllegalArgumentException("the checkpoint has no pos_embed to resample");
            out.put("pos_embed", resamplePosEmbed(pos, src.numPrefixTokens(), g0, g1));
            notes.add("position embedding resampled bicubically from a " + g0 + "x" + g0 + " to a " + g1 + "x" + g1
                    + " patch grid (image size " + src.imageSize() + " -> " + imageSize + ")");
        }
        return new Adapted(dst, out, fresh, notes);
    }

    /**
     * pos [1, prefix + g0*g0, E] to [1, prefix + g1*g1, E]: the prefix tokens' rows kept, the grid's resampled as an
     * image of E channels with PyTorch's bicubic interpolation (align_corners false, A = -0.75, edge indices clamped),
     * which is what DeiT's and timm's checkpoint loading use.
     */
    public static Tensor resamplePosEmbed(Tensor pos, int prefix, int g0, int g1) {
        int e = pos.dim(-1);
        if (pos.rank() != 3 || pos.dim(0) != 1 || pos.dim(1) != prefix + g0 * g0)
            throw new IllegalArgumentException("pos_embed " + pos + " is not [1, " + prefix + " + " + g0 + "x" + g0 + ", E]");
        double[][] wy = cubicTaps(g0, g1);
        int[][] iy = cubicIndices(g0, g1);
        Tensor out = Tensor.zeros(pos.dtype() == DType.F64 ? DType.F64 : DType.F32, 1, prefix + g1 * g1, e);
        for (int t = 0; t < prefix; t++) for (int c = 0; c < e; c++) out.setFlat((long) t * e + c, pos.getFlat((long) t * e + c));
        double[] tmp = new double[g1 * g0];       // rows of the source resampled along x, per channel
        for (int c = 0; c < e; c++) {
            for (int y = 0; y < g0; y++)
                for (int x = 0; x < g1; x++) {
                    double s = 0;
                    for (int k = 0; k < 4; k++) s += wy[x][k] * pos.getFlat((long) (prefix + y * g0 + iy[x][k]) * e + c);
                    tmp[x * g0 + y] = s;
                }
            for (int y = 0; y < g1; y++)
                for (int x = 0; x < g1; x++) {
                    double s = 0;
                    for (int k = 0; k < 4; k++) s += wy[y][k] * tmp[x * g0 + iy[y][k]];
                    out.setFlat((long) (prefix + y * g1 + x) * e + c, s);
                }
        }
        return out;
    }

    private static final double A = -0.75;

    /** Per output index, the 4 weights of PyTorch's cubic convolution. */
    private static double[][] cubicTaps(int in, int out) {
        double[][] w = new double[out][4];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            double src = (i + 0.5) * scale - 0.5;
            double t = src - Math.floor(src);
            w[i][0] = ((A * (t + 1) - 5 * A) * (t + 1) + 8 * A) * (t + 1) - 4 * A;
            w[i][1] = ((A + 2) * t - (A + 3)) * t * t + 1;
            w[i][2] = ((A + 2) * (1 - t) - (A + 3)) * (1 - t) * (1 - t) + 1;
            w[i][3] = ((A * (2 - t) - 5 * A) * (2 - t) + 8 * A) * (2 - t) - 4 * A;
        }
        return w;
    }

    /** Per output index, the 4 source indices (floor - 1 .. floor + 2), clamped to the grid. */
    private static int[][] cubicIndices(int in, int out) {
        int[][] idx = new int[out][4];
        double scale = (double) in / out;
        for (int i = 0; i < out; i++) {
            int f = (int) Math.floor((i + 0.5) * scale - 0.5);
            for (int k = 0; k < 4; k++) idx[i][k] = Math.max(0, Math.min(in - 1, f - 1 + k));
        }
        return idx;
    }
}
