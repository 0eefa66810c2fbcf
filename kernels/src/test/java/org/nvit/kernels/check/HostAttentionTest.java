package org.nvit.kernels.check;

import org.junit.jupiter.api.Test;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.FusedAttention;
import org.nvit.engine.ref.ReferenceAttention;
import org.nvit.kernels.AttentionSizes;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Without a GPU: the fused attention kernels (attention.cu) of all three precision policies run on the host with one
 * OS thread per CUDA thread (threadshim) and a stand-in for the tensor cores' wmma fragments that rounds operands as
 * they do, against the double-precision reference: odd token counts (197: a partial tile of queries and of keys;
 * 1; 65), Q/K width different from V width, head widths that are multiples of 8 but not powers of two, heads read in
 * place from a fused qkv (disjoint gradient column blocks, the V block accumulated onto what it held) and from
 * separate tensors. Also that the host sizes the kernels' shared memory exactly as they carve it. Skipped without g++.
 */
class HostAttentionTest {
    /** Max error relative to max|ref|, per precision: fp32 FMAs, tf32 (10-bit) and bf16 (7-bit) tile operands. */
    static final double F32 = 2e-5, TF32 = 4e-3, BF16 = 2e-2;
    private static Path exe;
    private final Rng rng = new Rng(17);

    private static synchronized Path build() throws Exception {
        if (exe == null)
            exe = HostBuild.gxx("host_attention", List.of("-std=c++20", "-O1", "-pthread", "-Isrc/test/cuda/threadshim"),
                    "src/test/cuda/host_attention.cpp");
        return exe;
    }

    private static float[] host(String header, Tensor... inputs) throws Exception {
        return HostBuild.run(build(), header, 300, inputs);
    }

    private Tensor rand(double scale, int... shape) { return Tensor.rand(DType.F32, rng, -scale, scale, shape); }

    private static double bound(String policy) {
        return switch (policy) { case "f32" -> F32; case "tf32" -> TF32; default -> BF16; };
    }

    private static void check(String what, float[] got, int from, Tensor ref, double bound) {
        Tensor g = Tensor.zeros((int) ref.numel());
        for (int i = 0; i < ref.numel(); i++) g.setFlat(i, got[from + i]);
        double err = Compare.relError(g, ref.reshape(-1));
        assertTrue(err <= bound, what + ": error " + err + " > " + bound);
    }

    /**
     * One shape through forward and backward of one policy; layout 0: separate q, k, v; 1: a fused qkv; 2: the fused
     * qkv placed one float past a 16-byte boundary by the harness (the tiles' one-float-at-a-time loads).
     */
    private void run(String policy, int layout, int b, int n, int h, int dq, int dv) throws Exception {
        boolean fused = layout > 0;
        String dims = policy + " " + layout + " " + b + " " + n + " " + h + " " + dq + " " + dv;
        float scale = (float) (1 / Math.sqrt(dq));
        int ld = h * (2 * dq + dv);
        Tensor[] in;
        FusedAttention.Operand q, k, v;
        if (fused) {
            Tensor qkv = rand(2, b, n, ld);
            in = new Tensor[] {qkv};
            q = new FusedAttention.Operand(qkv, 0, ld);
            k = new FusedAttention.Operand(qkv, h * dq, ld);
            v = new FusedAttention.Operand(qkv, 2 * h * dq, ld);
        } else {
            Tensor tq = rand(2, b, n, h * dq), tk = rand(2, b, n, h * dq), tv = rand(2, b, n, h * dv);
            in = new Tensor[] {tq, tk, tv};
            q = new FusedAttention.Operand(tq, 0, h * dq);
            k = new FusedAttention.Operand(tk, 0, h * dq);
            v = new FusedAttention.Operand(tv, 0, h * dv);
        }
        Tensor out = Tensor.zeros(b, n, h * dv), lse = Tensor.zeros(b, h, n);
        ReferenceAttention.INSTANCE.forward(q, k, v, b, n, h, dq, dv, scale, out, lse);
        float[] got = host("forward " + dims, in);
        double bound = bound(policy);
        check("forward out " + dims, got, 0, out, bound);
        check("forward lse " + dims, got, (int) out.numel(), lse, bound);

        Tensor gOut = rand(1, b, n, h * dv);
        Tensor[] grads0, gradsRef;
        FusedAttention.Grad gq, gk, gv;
        if (fused) {
            Tensor g0 = rand(1, b, n, ld), g = g0.copy();
            grads0 = new Tensor[] {g0};
            gradsRef = new Tensor[] {g};
            gq = new FusedAttention.Grad(g, 0, ld, 0f);
            gk = new FusedAttention.Grad(g, h * dq, ld, 0f);
            gv = new FusedAttention.Grad(g, 2 * h * dq, ld, 1f);
        } else {
            Tensor a = rand(1, b, n, h * dq), c = rand(1, b, n, h * dq), d = rand(1, b, n, h * dv);
            grads0 = new Tensor[] {a, c, d};
            gradsRef = new Tensor[] {a.copy(), c.copy(), d.copy()};
            gq = new FusedAttention.Grad(gradsRef[0], 0, h * dq, 0f);
            gk = new FusedAttention.Grad(gradsRef[1], 0, h * dq, 0f);
            gv = new FusedAttention.Grad(gradsRef[2], 0, h * dv, 1f);
        }
        ReferenceAttention.INSTANCE.backward(q, k, v, b, n, h, dq, dv, scale, out, gOut, lse, gq, gk, gv);
        Tensor[] all = new Tensor[in.length + 3 + grads0.length];
        System.arraycopy(in, 0, all, 0, in.length);
        all[in.length] = out;
        all[in.length + 1] = gOut;
        all[in.length + 2] = lse;
        System.arraycopy(grads0, 0, all, in.length + 3, grads0.length);
        float[] back = host("backward " + dims, all);
        int at = 0;
        for (Tensor r : gradsRef) {
            check("backward " + dims, back, at, r, bound);
            at += (int) r.numel();
        }
        assertEquals(at, back.length);
    }

    @Test
    void oddTokenCountsAndQkWidthsOtherThanV() throws Exception {
        for (String p : new String[] {"f32", "tf32", "bf16"}) run(p, 1, 2, 197, 2, 24, 40);
        run("bf16", 2, 1, 70, 1, 16, 8); // unaligned operands
    }

    @Test
    void separateOperandsTinyAndTileEdgeShapes() throws Exception {
        for (String p : new String[] {"f32", "bf16"}) {
            run(p, 0, 1, 65, 3, 40, 24);  // one query row and one key in the last tiles
            run(p, 0, 1, 1, 1, 8, 8);     // a single token
        }
        run("tf32", 0, 1, 33, 1, 72, 56); // widths past one 64-column tile, not powers of two
    }

    @Test
    void theHostSizesSharedMemoryAsTheKernelsCarveIt() throws Exception {
        for (int[] d : new int[][] {{8, 8}, {24, 40}, {64, 64}, {72, 120}, {128, 128}}) {
            float[] got = host("sizes " + d[0] + " " + d[1]);
            int i = 0;
            for (int elem : new int[] {4, 2})
                for (int kernel = 0; kernel < 3; kernel++)
                    assertEquals((int) got[i++], AttentionSizes.sharedBytes(kernel, d[0], d[1], elem),
                            "kernel " + kernel + ", " + elem + "-byte operands, widths " + d[0] + "/" + d[1]);
        }
    }
}
