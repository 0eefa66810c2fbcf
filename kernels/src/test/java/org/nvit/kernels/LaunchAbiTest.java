package org.nvit.kernels;

import org.junit.jupiter.api.Test;
import org.nvit.engine.Backend;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.DeviceScalars;
import org.nvit.engine.fused.FusedAttention;
import org.nvit.engine.fused.FusedLinear;
import org.nvit.engine.fused.FusedNorm;
import org.nvit.engine.fused.MultiTensor;
import org.nvit.engine.fused.TokenOps;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Without a GPU: drives every CudaBackend op against a recording fake GPU and checks each kernel launch against the
 * kernel's parameter list in the PTX nvcc makes from our sources (name exists, argument count, and each argument's
 * width: pointer/long long = 64-bit, int = 32-bit, float = f32), plus launch-shape limits and the cuBLAS
 * leading-dimension rules for every GEMM call. Skipped when nvcc is absent.
 */
class LaunchAbiTest {
    record Launch(String name, int gx, int gy, int gz, int bx, int by, int shared, Object[] args) {}

    /** Records launches; copies do nothing (downloads read zeros). */
    static final class FakeGpu extends DryGpu {
        final List<Launch> launches = new ArrayList<>();

        FakeGpu(Blas blas) { this(blas, 4); }

        FakeGpu(Blas blas, int multiprocessors) { super(multiprocessors, blas); }

        @Override void enqueue(String name, int gx, int gy, int gz, int bx, int by, int sharedBytes, Object[] args) {
            launches.add(new Launch(name, gx, gy, gz, bx, by, sharedBytes, args.clone()));
        }
    }

    /** Checks cuBLAS's argument rules (column-major): lda >= rows of the stored A, etc. */
    static final class CheckingBlas implements Blas {
        final List<String> problems = new ArrayList<>();
        int calls;

        @Override public String name() { return "checking"; }

        @Override public void gemm(int opA, int opB, int m, int n, int k, float alpha, DevPtr a, int aType, int lda,
                                   long strideA, DevPtr b, int bType, int ldb, long strideB, float beta, DevPtr c,
                                   int cType, int ldc, long strideC, int batch, int computeType) {
            calls++;
            int aRows = opA == CublasConst.OP_N ? m : k, bRows = opB == CublasConst.OP_N ? k : n;
            if (lda < Math.max(1, aRows)) problems.add("lda " + lda + " < " + aRows);
            if (ldb < Math.max(1, bRows)) problems.add("ldb " + ldb + " < " + bRows);
            if (ldc < Math.max(1, m)) problems.add("ldc " + ldc + " < " + m);
            if (aType != bType) problems.add("A and B types differ");
            if (cType != CublasConst.CUDA_R_32F) problems.add("C must stay fp32");
            if (aType == CublasConst.CUDA_R_16BF && computeType != CublasConst.COMPUTE_32F)
                problems.add("bf16 operands need COMPUTE_32F");
        }

        @Override public void close() {}
    }

    private static String nvcc() {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvcc"))) return Path.of(dir, "nvcc").toString();
        return null;
    }

    /** kernel name -> PTX parameter types (".u64", ".u32", ".f32", ...). */
    static Map<String, List<String>> ptxSignatures(String nvcc) throws Exception {
        Path unity = Path.of("target", "abi_all.cu"), ptx = Path.of("target", "abi_all.ptx");
        StringBuilder sb = new StringBuilder();
        try (var files = Files.list(Path.of("src/main/cuda"))) {
            for (Path p : files.filter(f -> f.toString().endsWith(".cu")).sorted().toList())
                sb.append("#include \"").append(p.toAbsolutePath()).append("\"\n");
        }
        Files.createDirectories(unity.getParent());
        Files.writeString(unity, sb.toString());
        Process p = new ProcessBuilder(nvcc, "-ptx", "-arch=compute_90", "-Isrc/main/cuda", "-o", ptx.toString(),
                unity.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "nvcc -ptx took over 180 s");
        assertEquals(0, p.exitValue(), "nvcc -ptx failed:\n" + log);
        String text = Files.readString(ptx);
        Map<String, List<String>> sig = new HashMap<>();
        Matcher entry = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)").matcher(text);
        Pattern param = Pattern.compile("\\.param\\s+(?:\\.align\\s+\\d+\\s+)?(\\.\\w+)");
        while (entry.find()) {
            List<String> types = new ArrayList<>();
            Matcher pm = param.matcher(entry.group(2));
            while (pm.find()) types.add(pm.group(1));
            sig.put(entry.group(1), types);
        }
        return sig;
    }

    private static boolean fits(Object arg, String ptxType) {
        boolean wide = ptxType.equals(".u64") || ptxType.equals(".s64") || ptxType.equals(".b64");
        boolean narrow = ptxType.equals(".u32") || ptxType.equals(".s32") || ptxType.equals(".b32");
        return switch (arg) {
            case null -> wide;
            case DevPtr p -> wide;
            case Long l -> wide;
            case Integer i -> narrow;
            case Float f -> ptxType.equals(".f32");
            default -> false;
        };
    }

    @Test
    void everyLaunchMatchesItsKernelSignature() throws Exception {
        String nvcc = nvcc();
        assumeTrue(nvcc != null, "nvcc is not on the PATH: launch ABI check skipped");
        Map<String, List<String>> sig = ptxSignatures(nvcc);
        assertTrue(sig.size() >= 30, "found only " + sig.keySet());

        CheckingBlas blas = new CheckingBlas();
        FakeGpu gpu = new FakeGpu(blas);
        CudaBackend cb = CudaBackend.over(gpu);
        for (Precision p : Precision.values()) { cb.setPrecision(p); exerciseGemm(cb); exerciseAttention(cb); }
        cb.setPrecision(Precision.FP32);
        exerciseOps(cb);
        exerciseFused(cb);

        List<String> bad = new ArrayList<>(blas.problems);
        Set<String> used = new HashSet<>();
        for (Launch l : gpu.launches) {
            used.add(l.name());
            List<String> types = sig.get(l.name());
            if (types == null) { bad.add(l.name() + ": no such kernel"); continue; }
            if (types.size() != l.args().length) {
                bad.add(l.name() + ": " + l.args().length + " arguments for " + types.size() + " parameters");
                continue;
            }
            for (int i = 0; i < types.size(); i++)
                if (!fits(l.args()[i], types.get(i)))
                    bad.add(l.name() + " argument " + i + ": " + (l.args()[i] == null ? "null" : l.args()[i].getClass()
                            .getSimpleName()) + " for " + types.get(i));
            if (l.gx() < 1 || l.gy() < 1 || l.gy() > 65535 || l.gz() < 1 || l.gz() > 65535)
                bad.add(l.name() + ": grid " + l.gx() + "x" + l.gy() + "x" + l.gz());
            if (l.shared() < 0 || l.shared() > gpu.sharedMemoryOptin) bad.add(l.name() + ": " + l.shared() + " bytes of shared memory");
            if (l.bx() * l.by() < 32 || l.bx() * l.by() > 1024 || l.bx() * l.by() % 32 != 0)
                bad.add(l.name() + ": block " + l.bx() + "x" + l.by());
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
        Set<String> never = new HashSet<>(sig.keySet());
        never.removeAll(used);
        assertEquals(Set.of(), never, "kernels no op launches");
        assertTrue(blas.calls >= 9, "GEMM calls reached cuBLAS: " + blas.calls);
    }

    private static void exerciseGemm(CudaBackend cb) {
        Tensor a = cb.empty(DType.F32, 2, 5, 7), w = cb.empty(DType.F32, 7, 3), c = cb.empty(DType.F32, 2, 5, 3);
        cb.matmul(a, false, w, false, c, 1f, 0f);                       // flattened linear layer
        Tensor q = cb.empty(DType.F32, 4, 9, 8), k = cb.empty(DType.F32, 4, 9, 8), s = cb.empty(DType.F32, 4, 9, 9);
        cb.matmul(q, false, k, true, s, 0.5f, 0f);                      // batched q k^T
        Tensor g = cb.empty(DType.F32, 4, 8, 9);
        cb.matmul(q, true, s, false, g, 1f, 1f);                        // transposed-A batched
    }

    /** The fused attention of each precision: qkv in place (qk != v, 197 tokens), forward and both backward kernels. */
    private static void exerciseAttention(CudaBackend cb) {
        int b = 2, n = 197, h = 3, dq = 24, dv = 40, ld = h * (2 * dq + dv);
        var fa = cb.capability(FusedAttention.class).orElseThrow();
        assertTrue(fa.supports(dq, dv));
        assertFalse(fa.supports(12, 64), "head widths must be multiples of 8");
        Tensor qkv = cb.empty(DType.F32, b, n, ld), out = cb.empty(DType.F32, b, n, h * dv), lse = cb.empty(DType.F32, b, h, n);
        var q = new FusedAttention.Operand(qkv, 0, ld);
        var k = new FusedAttention.Operand(qkv, h * dq, ld);
        var v = new FusedAttention.Operand(qkv, 2 * h * dq, ld);
        fa.forward(q, k, v, b, n, h, dq, dv, 0.2f, out, lse);
        Tensor g = cb.empty(DType.F32, b, n, ld);
        fa.backward(q, k, v, b, n, h, dq, dv, 0.2f, out, out, lse, new FusedAttention.Grad(g, 0, ld, 0f),
                new FusedAttention.Grad(g, h * dq, ld, 0f), new FusedAttention.Grad(g, 2 * h * dq, ld, 1f));
    }

    /** Every fused capability and both widths (scalar and float4) of the elementwise and row-wise kernels. */
    private static void exerciseFused(CudaBackend cb) {
        Tensor v12 = cb.empty(DType.F32, 12), v13 = cb.empty(DType.F32, 13), w12 = cb.empty(DType.F32, 12);
        Tensor odd = cb.empty(DType.F32, 13).reshape(-1).slice(1, 13); // 12 elements, 4 bytes past a 16-byte boundary
        for (Tensor[] t : new Tensor[][]{{v12, w12}, {odd, w12}}) {
            cb.fill(t[0], 1f); cb.copy(t[0], t[1]); cb.add(t[0], t[1], t[1]); cb.axpy(2f, t[0], t[1]);
            cb.mul(t[0], t[1], t[1]); cb.scale(t[0], 2f, t[1]); cb.gelu(t[0], t[1]); cb.geluBackward(t[0], t[1], t[1]);
        }
        cb.fill(v13, 0f);
        var lin = cb.capability(FusedLinear.class).orElseThrow();
        for (int cols : new int[]{12, 10}) {
            Tensor x = cb.empty(DType.F32, 2, 3, cols), y = cb.empty(DType.F32, 2, 3, cols), bias = cb.empty(DType.F32, cols);
            Tensor mask = cb.empty(DType.F32, 2);
            cb.addBias(x, bias);
            lin.biasGelu(x, bias, x, y);
            lin.biasGeluBackward(x, y, y, bias);
            lin.biasResidual(x, y, bias, 0.1f, 7, mask, x);
            lin.biasResidual(x, y, bias, 0f, 0, null, x);
            cb.scaleSamples(x, mask, y);
        }
        for (int n : new int[]{10, 200, 201, 384, 385, 768, 769, 1100}) { // every warp-row kernel and the block path
            Tensor x = cb.empty(DType.F32, 5, n), y = cb.empty(DType.F32, 5, n), g = cb.empty(DType.F32, n);
            Tensor r = cb.empty(DType.F32, 5);
            cb.layerNorm(x, g, g, 1e-6f, y, r, r);
            cb.layerNormBackward(x, y, g, r, r, y, g, g);
            cb.capability(FusedNorm.class).orElseThrow().layerNormBackwardAdd(x, y, g, null, r, r, x, g, null);
        }
        var tok = cb.capability(TokenOps.class).orElseThrow();
        Tensor cls = cb.empty(DType.F32, 1, 1, 6), patches = cb.empty(DType.F32, 2, 4, 6), seq = cb.empty(DType.F32, 2, 5, 6);
        tok.concatTokens(new Tensor[]{cls, patches}, seq);
        tok.concatTokensBackward(seq, new int[]{1, 4}, new Tensor[]{cls, null});
        Tensor head = cb.empty(DType.F32, 2, 6);
        tok.selectToken(seq, 0, head);
        tok.selectTokenBackward(head, 0, seq);
        var mt = cb.capability(MultiTensor.class).orElseThrow();
        Tensor[] xs = {v12, cb.empty(DType.F32, 40_000)}, ys = {w12, cb.empty(DType.F32, 40_000)};
        Tensor one = cb.empty(DType.F32, 1), two = cb.empty(DType.F32, 1), three = cb.empty(DType.F32, 1);
        mt.axpby(0.9f, ys, 0.1f, xs);
        mt.sumSquares(xs, one);
        var sc = cb.capability(DeviceScalars.class).orElseThrow();
        sc.clipFactor(one, 1f, two, three);
        mt.scaleBy(xs, three);
        Tensor logits = cb.empty(DType.F32, 3, 10);
        sc.crossEntropySoft(logits, logits, logits, 1f, one);
        Tensor c = cb.empty(DType.F32, 2, 4, 6); // a GEMM with k == 0: C = beta C on its matrices only
        cb.gemm(false, false, 3, 4, 0, 1f, c, 1, 0, c, 6, 0, 0.5f, c, 6, 24, 2);
    }

    private static void exerciseOps(CudaBackend cb) {
        Tensor x = cb.empty(DType.F32, 6, 10), y = cb.empty(DType.F32, 6, 10), z = cb.empty(DType.F32, 6, 10);
        Tensor bias = cb.empty(DType.F32, 10), rows = cb.empty(DType.F32, 6);
        cb.zeros(DType.F32, 3);
        cb.copy(x, y); cb.add(x, y, z); cb.axpy(2f, x, y); cb.mul(x, y, z); cb.scale(x, 3f, z);
        cb.addBias(x, bias); cb.gelu(x, y); cb.geluBackward(x, y, z); cb.biasGelu(x, bias, y, z);
        cb.biasGelu(x, bias, null, z);
        cb.softmax(x, 0.5f, y); cb.softmaxBackward(y, z, 0.5f, x);
        Tensor wide = cb.empty(DType.F32, 2, 2000), wide2 = cb.empty(DType.F32, 2, 2000);
        cb.softmax(wide, 1f, wide2); cb.softmaxBackward(wide2, wide, 1f, wide);
        cb.layerNorm(x, bias, bias, 1e-6f, y, rows, rows);
        cb.addLayerNorm(x, y, z, bias, bias, 1e-6f, y, rows, rows);
        cb.layerNormBackward(x, y, bias, rows, rows, z, bias, bias);
        cb.layerNormBackward(x, y, bias, rows, rows, z, null, bias);
        cb.sumRows(x, bias, true);
        cb.crossEntropySoft(x, y, z, 1f);
        cb.crossEntropySoft(x, y, null, 1f);
        Tensor img = cb.empty(DType.F32, 2, 3, 8, 8), patches = cb.empty(DType.F32, 2, 4, 48);
        cb.patchify(img, 4, patches); cb.unpatchify(patches, 4, img);
        Tensor seq = cb.empty(DType.F32, 2, 5, 12), heads = cb.empty(DType.F32, 2, 3, 5, 4);
        cb.splitHeads(seq, 3, heads); cb.mergeHeads(heads, seq);
        Tensor p1 = cb.empty(DType.F32, 6, 4), p2 = cb.empty(DType.F32, 6, 6);
        cb.concatLast(new Tensor[]{p1, p2}, x); cb.splitLast(x, new Tensor[]{p1, p2});
        cb.dropoutMask(0.1f, 42, x); cb.scaleSamples(x, rows, y);
        cb.adamw(x, y, z, x, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.05f, 3);
        cb.randomUniform(x, 7, -1, 1);
        try (Bf16Buffer h = cb.toBf16(x)) { cb.fromBf16(h, y); }
        Tensor mask = cb.empty(DType.F32, 10);
        cb.maskedLayerNorm(x, bias, bias, mask, 1e-6f, y, rows, rows);
        cb.maskedLayerNormBackward(x, y, bias, mask, rows, rows, y, bias, bias);   // gx aliases gy
        cb.maskedLayerNormBackward(x, y, bias, mask, rows, rows, z, null, null);
        exerciseUnits(cb);
    }

    /** dotAlong's rows, columns and empty paths, scaleAlong, accumulateScore. */
    private static void exerciseUnits(CudaBackend cb) {
        Tensor w = cb.empty(DType.F32, 4, 3, 5), perUnit = cb.empty(DType.F32, 3), cols = cb.empty(DType.F32, 40, 3);
        cb.dotAlong(w, w, 4, 5, 0.5f, perUnit);
        cb.dotAlong(cols, cols, 40, 1, 0.5f, perUnit);
        Tensor none = cb.empty(DType.F32, 0);
        cb.dotAlong(none, none, 0, 5, 0.5f, perUnit);
        cb.scaleAlong(w, 4, 5, perUnit);
        cb.scaleAlong(cols, 40, 1, perUnit);
        cb.accumulateScore(w, Backend.Score.SQUARE, cb.empty(DType.F32, 4, 3, 5));
    }

    /**
     * gx may alias gy: for rows of more than 1024 channels the parameter sums, which read gy, must be queued before
     * backward_x writes gx; shorter rows do both in one launch, each gy read into registers before its gx is written.
     */
    @Test
    void layerNormBackwardReadsGyBeforeWritingGx() {
        FakeGpu gpu = new FakeGpu(new CheckingBlas());
        CudaBackend cb = CudaBackend.over(gpu);
        for (int n : new int[]{10, 1100}) {
            Tensor x = cb.empty(DType.F32, 6, n), g = cb.empty(DType.F32, 6, n), v = cb.empty(DType.F32, n);
            Tensor rows = cb.empty(DType.F32, 6);
            for (Tensor mask : new Tensor[]{null, v}) {
                gpu.launches.clear();
                if (mask == null) cb.layerNormBackward(x, g, v, rows, rows, g, v, v);
                else cb.maskedLayerNormBackward(x, g, v, mask, rows, rows, g, v, v);
                List<String> names = gpu.launches.stream().map(Launch::name).toList();
                if (n <= RowOps.WARP_ROW_MAX) assertEquals(List.of("nvit_layernorm_backward_warp4v1"), names);
                else assertEquals(List.of("nvit_layernorm_backward_params", "nvit_layernorm_backward_x"), names);
            }
        }
    }

    /** dotAlong's partial sums must not depend on the GPU's size, so that its rounding is the same everywhere. */
    @Test
    void dotAlongGeometryIgnoresTheGpuSize() {
        List<String> seen = new ArrayList<>();
        for (int sms : new int[]{1, 132}) {
            FakeGpu gpu = new FakeGpu(new CheckingBlas(), sms);
            CudaBackend cb = CudaBackend.over(gpu);
            for (int[] s : new int[][]{{1, 1536, 384}, {3072, 384, 1}, {1, 6, 24576}, {384, 6, 64}}) {
                Tensor a = cb.empty(DType.F32, s), out = cb.empty(DType.F32, s[1]);
                cb.dotAlong(a, a, s[0], s[2], 1f, out);
            }
            StringBuilder sb = new StringBuilder();
            for (Launch l : gpu.launches)
                if (l.name().startsWith("nvit_dot_along"))
                    sb.append(l.name()).append(' ').append(l.gx()).append('x').append(l.gy()).append(' ')
                            .append(l.bx()).append('x').append(l.by()).append('\n');
            seen.add(sb.toString());
        }
        assertEquals(seen.get(0), seen.get(1));
    }
}
