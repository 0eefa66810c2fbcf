package org.nvit.kernels;

import org.nvit.engine.DType;
import org.nvit.engine.Tensor;
import org.nvit.kernels.check.GpuChecks;

import java.util.List;
import java.util.Locale;

/**
 * Runs every GPU-vs-CPU check without Maven or JUnit (for a GPU machine that has only a Java runtime and the jar),
 * then optionally times GEMM, a device copy and the fused attention at DeiT-Small's shapes. Lines starting with
 * "RESULT" are for bench/gpu-check.sh's table. Exit status: 0 all passed, 1 a check failed, 2 no usable GPU.
 * Usage: java -cp nvit.jar org.nvit.kernels.GpuSelfTest [--bench] [--no-checks] [--size N] [--seed S]
 */
public final class GpuSelfTest {
    private GpuSelfTest() {}

    public static void main(String[] args) {
        boolean bench = false, checks = true;
        int size = 8192;
        long seed = System.nanoTime();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--bench" -> bench = true;
                case "--no-checks" -> checks = false;
                case "--size" -> size = Integer.parseInt(args[++i]);
                case "--seed" -> seed = Long.parseLong(args[++i]);
                default -> { System.err.println("unknown argument " + args[i]); System.exit(64); }
            }
        }
        var created = CudaBackend.tryCreate();
        if (created.isEmpty()) {
            System.out.println("no CUDA GPU: skipped (" + CudaBackend.unavailableReason() + ")");
            System.exit(2);
        }
        CudaBackend gpu = created.get();
        System.out.println("device: " + gpu.deviceName() + "; GEMM binding: " + gpu.blasName() + "; seed " + seed);
        int failed = 0, total = 0;
        for (String name : checks ? GpuChecks.names() : List.<String>of()) {
            List<GpuChecks.Result> rs;
            try {
                rs = GpuChecks.run(name, gpu, seed);
            } catch (RuntimeException e) {
                System.out.println(name + ": FAIL with " + e);
                e.printStackTrace(System.out);
                failed++;
                total++;
                continue;
            }
            for (GpuChecks.Result r : rs) {
                total++;
                if (!r.passed()) failed++;
                System.out.println(r);
            }
        }
        if (checks) System.out.printf(Locale.ROOT, "RESULT checks_passed %d/%d%n", total - failed, total);
        if (bench) bench(gpu, size);
        System.exit(failed == 0 ? 0 : 1);
    }

    private static void bench(CudaBackend gpu, int n) {
        Tensor a = gpu.empty(DType.F32, n, n), b = gpu.empty(DType.F32, n, n), c = gpu.empty(DType.F32, n, n);
        gpu.randomUniform(a, 1, -1, 1);
        gpu.randomUniform(b, 2, -1, 1);
        for (Precision p : Precision.values()) {
            gpu.setPrecision(p);
            double s = time(() -> gpu.matmul(a, false, b, false, c, 1f, 0f), gpu, 3, 10);
            double tflops = 2.0 * n * n * (double) n / s / 1e12;
            System.out.printf(Locale.ROOT, "RESULT gemm_%s_%d_tflops %.1f%n", p.name().toLowerCase(Locale.ROOT), n, tflops);
        }
        long elems = 1L << 28; // 1 GiB of floats each way
        Tensor x = gpu.empty(DType.F32, (int) elems), y = gpu.empty(DType.F32, (int) elems);
        gpu.randomUniform(x, 3, -1, 1);
        double s = time(() -> gpu.copy(x, y), gpu, 3, 20);
        System.out.printf(Locale.ROOT, "RESULT copy_gbps %.0f%n", 8.0 * elems / s / 1e9);
        attention(gpu);
    }

    /**
     * The fused attention's forward + backward at DeiT-Small's shapes (256 images, 197 tokens, 6 heads of 64, read
     * in place from a fused qkv), per precision: the time torch's scaled_dot_product_attention is compared with.
     */
    private static void attention(CudaBackend gpu) {
        int b = 256, n = 197, h = 6, d = 64, ld = 3 * h * d;
        var fa = gpu.capability(org.nvit.engine.fused.FusedAttention.class).orElseThrow();
        Tensor qkv = gpu.empty(DType.F32, b, n, ld), out = gpu.empty(DType.F32, b, n, h * d);
        Tensor lse = gpu.empty(DType.F32, b, h, n), gOut = gpu.empty(DType.F32, b, n, h * d), g = gpu.empty(DType.F32, b, n, ld);
        gpu.randomUniform(qkv, 4, -1, 1);
        gpu.randomUniform(gOut, 5, -1, 1);
        var q = new org.nvit.engine.fused.FusedAttention.Operand(qkv, 0, ld);
        var k = new org.nvit.engine.fused.FusedAttention.Operand(qkv, h * d, ld);
        var v = new org.nvit.engine.fused.FusedAttention.Operand(qkv, 2 * h * d, ld);
        float scale = 0.125f;
        Precision before = gpu.precision();
        for (Precision p : Precision.values()) {
            gpu.setPrecision(p);
            double fwd = time(() -> fa.forward(q, k, v, b, n, h, d, d, scale, out, lse), gpu, 3, 10);
            double both = time(() -> {
                fa.forward(q, k, v, b, n, h, d, d, scale, out, lse);
                fa.backward(q, k, v, b, n, h, d, d, scale, out, gOut, lse,
                        new org.nvit.engine.fused.FusedAttention.Grad(g, 0, ld, 0f),
                        new org.nvit.engine.fused.FusedAttention.Grad(g, h * d, ld, 0f),
                        new org.nvit.engine.fused.FusedAttention.Grad(g, 2 * h * d, ld, 0f));
            }, gpu, 3, 10);
            String name = p.name().toLowerCase(Locale.ROOT);
            System.out.printf(Locale.ROOT, "RESULT attn_fwd_%s_ms %.3f%n", name, fwd * 1e3);
            System.out.printf(Locale.ROOT, "RESULT attn_fwd_bwd_%s_ms %.3f%n", name, both * 1e3);
        }
        gpu.setPrecision(before);
    }

    /** Median seconds per call over `reps` synchronised calls after `warm` warm-ups. */
    private static double time(Runnable r, CudaBackend gpu, int warm, int reps) {
        for (int i = 0; i < warm; i++) r.run();
        gpu.synchronize();
        double[] t = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            r.run();
            gpu.synchronize();
            t[i] = (System.nanoTime() - t0) / 1e9;
        }
        java.util.Arrays.sort(t);
        return t[reps / 2];
    }
}
