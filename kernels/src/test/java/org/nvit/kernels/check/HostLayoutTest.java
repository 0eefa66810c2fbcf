package org.nvit.kernels.check;

import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.ref.ReferenceBackend;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Without a GPU: the layout and elementwise kernels' index arithmetic, built for the host with g++ through a small
 * CUDA shim and run on a 3 x 32-thread grid (so every grid-stride step is taken), against the reference backend.
 * Bit-exact. Skipped when g++ is absent.
 */
class HostLayoutTest {
    private static final ReferenceBackend REF = ReferenceBackend.INSTANCE;
    private static Path exe;

    private static synchronized Path build() throws Exception {
        if (exe == null)
            exe = HostBuild.gxx("host_layout",
                    java.util.List.of("-std=c++17", "-O1", "-Isrc/test/cuda/hostshim"),
                    "src/test/cuda/host_layout.cpp");
        return exe;
    }

    private static float[] host(String header, Tensor... inputs) throws Exception {
        return HostBuild.run(build(), header, 30, inputs);
    }

    private static void same(String what, Tensor ref, float[] got) {
        assertEquals(ref.numel(), got.length, what + ": element count");
        for (int i = 0; i < got.length; i++)
            assertEquals(Float.floatToRawIntBits((float) ref.getFlat(i)), Float.floatToRawIntBits(got[i]),
                    what + ": element " + i + " expected " + ref.getFlat(i) + " got " + got[i]);
    }

    private final Rng rng = new Rng(99);

    private Tensor rand(int... shape) { return Tensor.rand(DType.F32, rng, -2, 2, shape); }

    @Test
    void patchifyAndUnpatchify() throws Exception {
        for (int[] s : new int[][]{{2, 1, 28, 28, 7}, {1, 3, 16, 12, 4}, {1, 2, 10, 9, 3}}) {
            int b = s[0], c = s[1], h = s[2], w = s[3], p = s[4], np = (h / p) * (w / p);
            String dims = b + " " + c + " " + h + " " + w + " " + p;
            Tensor img = rand(b, c, h, w), ref = Tensor.zeros(b, np, c * p * p);
            REF.patchify(img, p, ref);
            same("patchify " + dims, ref, host("patchify " + dims, img));
            Tensor back = Tensor.zeros(b, c, h, w);
            REF.unpatchify(ref, p, back);
            same("unpatchify " + dims, back, host("unpatchify " + dims, ref));
        }
    }

    @Test
    void headsPermutes() throws Exception {
        for (int[] s : new int[][]{{2, 13, 3, 5}, {1, 7, 1, 4}, {3, 5, 4, 2}}) {
            int b = s[0], n = s[1], heads = s[2], d = s[3];
            String dims = b + " " + n + " " + heads + " " + d;
            Tensor x = rand(b, n, heads * d), split = Tensor.zeros(b, heads, n, d);
            REF.splitHeads(x, heads, split);
            same("split_heads " + dims, split, host("split_heads " + dims, x));
            Tensor merged = Tensor.zeros(b, n, heads * d);
            REF.mergeHeads(split, merged);
            same("merge_heads " + dims, merged, host("merge_heads " + dims, split));
        }
    }

    @Test
    void concatBiasAndSampleScale() throws Exception {
        Tensor[] parts = {rand(9, 1), rand(9, 20), rand(9, 3)};
        Tensor cat = Tensor.zeros(9, 24);
        REF.concatLast(parts, cat);
        same("concat", cat, host("concat 9 1 20 3", parts));
        Tensor x = rand(7, 13), bias = rand(13), ref = x.copy();
        REF.addBias(ref, bias);
        same("add_bias", ref, host("add_bias 7 13", x, bias));
        Tensor scale = rand(7), scaled = Tensor.zeros(7, 13);
        REF.scaleSamples(x, scale, scaled);
        same("scale_samples", scaled, host("scale_samples 7 13", x, scale));
    }
}
