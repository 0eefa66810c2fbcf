package org.nvit.engine.cpu;

import java.util.Arrays;
import org.nvit.engine.Backend;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/**
 * Timing of the non-GEMM kernels at DeiT-Tiny sizes (batch 64: 12608 tokens, width 192, MLP 768, 3 heads of 197x197
 * attention). Not a test: run by hand after `mvn -pl engine test-compile`:
 * java --add-modules jdk.incubator.vector -cp engine/target/classes:engine/target/test-classes org.nvit.engine.cpu.OpsBench
 * The same workloads in PyTorch: src/test/resources/bench/ops_bench.py.
 */
public final class OpsBench {
    private OpsBench() {}

    interface Op { void run(); }

    static void time(String name, long elements, Op op) {
        for (int i = 0; i < 3; i++) op.run();
        double[] ms = new double[7];
        for (int i = 0; i < ms.length; i++) {
            long t0 = System.nanoTime();
            op.run();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("%-28s %9.2f ms  %6.2f ns/element%n", name, ms[ms.length / 2], ms[ms.length / 2] * 1e6 / elements);
    }

    public static void main(String[] args) {
        Backend cpu = CpuBackend.instance();
        Rng rng = new Rng(1);
        int tokens = 64 * 197;
        Tensor h = Tensor.randn(DType.F32, rng, 1, tokens, 768), h2 = Tensor.zeros(tokens, 768), g = Tensor.randn(DType.F32, rng, 1, tokens, 768);
        Tensor att = Tensor.randn(DType.F32, rng, 1, 64 * 3, 197, 197), att2 = Tensor.zeros(64 * 3, 197, 197);
        Tensor x = Tensor.randn(DType.F32, rng, 1, tokens, 192), y = Tensor.zeros(tokens, 192), gy = Tensor.randn(DType.F32, rng, 1, tokens, 192);
        Tensor gamma = Tensor.randn(DType.F32, rng, 1, 192), beta = Tensor.zeros(192), mean = Tensor.zeros(tokens), rstd = Tensor.zeros(tokens);
        Tensor gg = Tensor.zeros(192), gb = Tensor.zeros(192), gx = Tensor.zeros(tokens, 192);
        int params = 5_700_000;
        Tensor p = Tensor.randn(DType.F32, rng, 1, params), pg = Tensor.randn(DType.F32, rng, 1, params), m = Tensor.zeros(params), v = Tensor.zeros(params);
        Tensor bias = Tensor.zeros(768), sum = Tensor.zeros(768);
        System.out.println("threads " + CpuPool.threads() + ", species " + Par.S);
        time("gelu [12608,768]", h.numel(), () -> cpu.gelu(h, h2));
        time("geluBackward [12608,768]", h.numel(), () -> cpu.geluBackward(h, g, h2));
        time("softmax [192,197,197]", att.numel(), () -> cpu.softmax(att, 0.125f, att2));
        time("softmaxBackward", att.numel(), () -> cpu.softmaxBackward(att2, att, 0.125f, att));
        time("layerNorm [12608,192]", x.numel(), () -> cpu.layerNorm(x, gamma, beta, 1e-6f, y, mean, rstd));
        time("layerNormBackward", x.numel(), () -> cpu.layerNormBackward(x, gy, gamma, mean, rstd, gx, gg, gb));
        time("add [12608,768]", h.numel(), () -> cpu.add(h, g, h2));
        time("addBias [12608,768]", h.numel(), () -> cpu.addBias(h2, bias));
        time("sumRows [12608,768]", h.numel(), () -> cpu.sumRows(h, sum, false));
        time("dropoutMask [12608,768]", h.numel(), () -> cpu.dropoutMask(0.1f, 7, h2));
        time("adamw 5.7M params", params, () -> cpu.adamw(p, pg, m, v, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, 3));
    }
}
