package org.nvit.bench;

import java.util.concurrent.TimeUnit;
import org.nvit.engine.Backend;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.cpu.CpuBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * fp32 GEMM on the CPU backend for the shapes in docs/PERFORMANCE.md: 1024^3 and DeiT-Tiny's products (batch 64,
 * 197 tokens, D = 192, 3 heads of 64). Linear layers are y = x W^T + b (transB);
 * attention is q k^T and p v batched over 64 x 3 heads. The bias is added the way PyTorch's addmm does it
 * (C preset to the bias, beta = 1). Time per op is reported; GFLOP/s = 2 m n k batch / time.
 * Run: {@code java -jar bench/target/benchmarks.jar GemmBench} (add e.g. {@code -p shape=fc1} for one shape).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class GemmBench {
    /** name: m, n, k, batch, transB, bias. */
    @Param({"square1024", "qkv", "proj", "fc1", "fc2", "attn_qk", "attn_pv"})
    public String shape;

    private final Backend be = CpuBackend.instance();
    private int m, n, k, batch;
    private boolean transB, bias;
    private Tensor a, b, c, biasT;

    @Setup(Level.Trial) public void setup() {
        int rows = 64 * 197;
        switch (shape) {
            case "square1024" -> set(1024, 1024, 1024, 1, false, false);
            case "qkv" -> set(rows, 576, 192, 1, true, true);
            case "proj" -> set(rows, 192, 192, 1, true, true);
            case "fc1" -> set(rows, 768, 192, 1, true, true);
            case "fc2" -> set(rows, 192, 768, 1, true, true);
            case "attn_qk" -> set(197, 197, 64, 192, true, false);
            case "attn_pv" -> set(197, 64, 197, 192, false, false);
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        }
        Rng rng = new Rng(1);
        a = Tensor.rand(DType.F32, rng, -1, 1, batch * m * k);
        b = Tensor.rand(DType.F32, rng, -1, 1, batch * k * n);
        c = Tensor.zeros(batch * m * n);
        biasT = Tensor.rand(DType.F32, rng, -1, 1, n);
    }

    private void set(int m, int n, int k, int batch, boolean transB, boolean bias) {
        this.m = m; this.n = n; this.k = k; this.batch = batch; this.transB = transB; this.bias = bias;
    }

    @Benchmark public Tensor gemm() {
        float beta = 0f;
        if (bias) {   // as PyTorch's addmm: C starts as the broadcast bias, then C = x W^T + C
            float[] cf = c.floats(), bf = biasT.floats();
            for (int i = 0; i < m; i++) System.arraycopy(bf, 0, cf, i * n, n);
            beta = 1f;
        }
        be.gemm(false, transB, m, n, k, 1f, a, k, (long) m * k, b, transB ? k : n, (long) k * n,
                beta, c, n, (long) m * n, batch);
        return c;
    }
}
