package org.nvit.bench;

import java.util.concurrent.TimeUnit;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.engine.DType;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
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
 * The attention core of one block, forward and backward through autograd in a step's {@link MemoryScope}, from the
 * fused qkv projection output to the head-major output: {@code fused} is {@link F#attention} (strided per-head GEMMs
 * on the qkv layout), {@code composed} the op chain it replaced (split qkv, split heads, QK^T, softmax, PV, merge).
 * Shapes: {@code fmnist} is vit_fmnist_patch7 at batch 128 (17 tokens, 4 heads of 32), {@code deit_tiny} DeiT-Tiny at
 * batch 32 (197 tokens, 3 heads of 64).
 * Run: {@code java -jar bench/target/benchmarks.jar AttentionBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 10, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-XX:+UseParallelGC"})
public class AttentionBench {
    @Param({"fused", "composed"})
    public String impl;

    @Param({"fmnist", "deit_tiny"})
    public String shape;

    private int heads, d;
    private double scale;
    private Tensor qkv, gradOut;

    @Setup(Level.Trial) public void setup() {
        int b, n;
        switch (shape) {
            case "fmnist" -> { b = 128; n = 17; heads = 4; d = 32; }
            case "deit_tiny" -> { b = 32; n = 197; heads = 3; d = 64; }
            default -> throw new IllegalArgumentException("unknown shape " + shape);
        }
        scale = 1 / Math.sqrt(d);
        Rng rng = new Rng(1);
        qkv = Tensor.rand(DType.F32, rng, -1, 1, b, n, 3 * heads * d);
        gradOut = Tensor.rand(DType.F32, rng, -1, 1, b, n, heads * d);
    }

    /** Forward and backward; returns the input gradient so that nothing is dead code. */
    @Benchmark public float step() {
        try (MemoryScope scope = MemoryScope.open()) {
            Var x = Var.param("qkv", qkv);
            Var out = impl.equals("fused") ? F.attention(x, heads, d, d, scale) : composed(x);
            // sum(out * gradOut) has gradOut as its gradient with respect to out
            F.mean(F.mul(out, Var.constant(gradOut))).backward();
            return x.grad().floats()[x.grad().off()];
        }
    }

    private Var composed(Var x) {
        int w = heads * d;
        Var[] p = F.split(x, w, w, w);
        Var q = F.splitHeads(p[0], heads), k = F.splitHeads(p[1], heads), v = F.splitHeads(p[2], heads);
        Var attn = F.softmax(F.matmul(q, false, k, true), scale);
        return F.mergeHeads(F.matmul(attn, false, v, false));
    }
}
