package org.nvit.kernels.check;

import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.kernels.CudaBackend;
import org.nvit.kernels.Precision;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every CUDA kernel and GEMM path compared with the CPU backend on fresh random inputs (odd sizes, ragged attention
 * shapes, non-tile sizes). GPU outputs are poisoned with NaN first, so an unwritten element fails. Shared by the JUnit
 * tests and the {@code GpuSelfTest} main that runs on a machine without Maven.
 */
public final class GpuChecks {
    /** One comparison: error (relative, or mismatch count for exact checks) against its bound. */
    public record Result(String name, double error, double bound) {
        public boolean passed() { return !Double.isNaN(error) && error <= bound; }

        @Override public String toString() {
            return String.format("%-44s %s  error %.3g (bound %.1g)", name, passed() ? "ok  " : "FAIL", error, bound);
        }
    }

    /** Helpers for one check: seeded random CPU tensors, uploads, NaN-poisoned GPU outputs. */
    public static final class Ctx {
        /** The CUDA backend under test (null when the device checks run on another backend: {@link FusedChecks}). */
        public final CudaBackend gpu;
        /** The backend under test (the GPU, or any backend for the capability checks). */
        public final Backend dev;
        public final Backend cpu = Backends.cpu();
        public final Rng rng;
        final List<Result> results = new ArrayList<>();
        final String prefix;

        Ctx(CudaBackend gpu, long seed, String prefix) { this(gpu, gpu, seed, prefix); }

        Ctx(Backend dev, CudaBackend gpu, long seed, String prefix) {
            this.gpu = gpu;
            this.dev = dev;
            this.rng = new Rng(seed);
            this.prefix = prefix;
        }

        public Tensor rand(int... shape) { return Tensor.rand(DType.F32, rng, -2, 2, shape); }

        public Tensor up(Tensor cpuTensor) { return dev.fromCpu(cpuTensor); }

        public Tensor down(Tensor gpuTensor) { return dev.toCpu(gpuTensor); }

        /** A device tensor full of NaN: an output the op must overwrite completely. */
        public Tensor poisoned(int... shape) {
            Tensor t = dev.empty(DType.F32, shape);
            dev.fill(t, Float.NaN);
            return t;
        }

        /** Records max relative error of a GPU result against a CPU reference. */
        public void close(String what, Tensor gpuResult, Tensor cpuRef, double bound) {
            results.add(new Result(prefix + what, Compare.relError(down(gpuResult), cpuRef), bound));
        }

        /** Records max|got - ref| / scale (for results that cancel, scaled by their inputs' magnitude). */
        public void closeTo(String what, Tensor gpuResult, Tensor cpuRef, double scale, double bound) {
            results.add(new Result(prefix + what, Compare.absError(down(gpuResult), cpuRef, scale), bound));
        }

        public void scalar(String what, double got, double ref, double bound) {
            results.add(new Result(prefix + what, Compare.relError(got, ref), bound));
        }

        /** Records the number of elements whose bits differ (bound 0). */
        public void exact(String what, Tensor gpuResult, Tensor cpuRef) {
            results.add(new Result(prefix + what, Compare.bitMismatches(down(gpuResult), cpuRef), 0));
        }

        /** Like {@link #exactOrNaN}, on the elements of rows [.., n] whose channel mask[j] is 0. */
        public void exactWhere(String what, Tensor gpuResult, Tensor cpuRef, Tensor mask) {
            Tensor got = down(gpuResult);
            long n = mask.numel(), bad = 0;
            for (long i = 0; i < cpuRef.numel(); i++)
                if (mask.getFlat(i % n) == 0 && !Compare.sameFloat(got.getFlat(i), cpuRef.getFlat(i))) bad++;
            results.add(new Result(prefix + what, bad, 0));
        }

        /** Like {@link #exact}, but any NaN matches any NaN (GPUs return a canonical NaN, not the operand's). */
        public void exactOrNaN(String what, Tensor gpuResult, Tensor cpuRef) {
            Tensor got = down(gpuResult);
            long bad = 0;
            for (long i = 0; i < cpuRef.numel(); i++) if (!Compare.sameFloat(got.getFlat(i), cpuRef.getFlat(i))) bad++;
            results.add(new Result(prefix + what, bad, 0));
        }
    }

    private static final Map<String, Function<Ctx, Void>> CHECKS = new LinkedHashMap<>();

    static {
        for (Precision p : Precision.values())
            CHECKS.put("gemm-" + p.name().toLowerCase(), c -> { GemmChecks.run(c, p); return null; });
        CHECKS.put("elementwise", c -> { ElementwiseChecks.run(c); return null; });
        CHECKS.put("softmax", c -> { RowChecks.softmax(c); return null; });
        CHECKS.put("layernorm", c -> { RowChecks.layerNorm(c); return null; });
        CHECKS.put("layernorm-masked", c -> { RowChecks.maskedLayerNorm(c); return null; });
        CHECKS.put("units", c -> { UnitChecks.run(c); return null; });
        CHECKS.put("reductions-loss", c -> { RowChecks.reductionsAndLoss(c); return null; });
        CHECKS.put("layout", c -> { LayoutChecks.run(c); return null; });
        CHECKS.put("dropout-adamw-bf16", c -> { ElementwiseChecks.randomAndOptimizer(c); return null; });
        for (String f : FusedChecks.NAMES) CHECKS.put(f, c -> { FusedChecks.run(f, c); return null; });
    }

    private GpuChecks() {}

    public static List<String> names() { return List.copyOf(CHECKS.keySet()); }

    /** Runs one named group; each comparison in it becomes a Result. The GEMM precision is restored afterwards. */
    public static List<Result> run(String name, CudaBackend gpu, long seed) {
        Function<Ctx, Void> check = CHECKS.get(name);
        if (check == null) throw new IllegalArgumentException("unknown check '" + name + "': one of " + names());
        Ctx c = new Ctx(gpu, seed, name + ": ");
        Precision before = gpu.precision();
        try {
            check.apply(c);
            gpu.synchronize();
        } finally {
            gpu.setPrecision(before);
        }
        return c.results;
    }

    /**
     * The capability checks ({@link FusedChecks}) on any backend against the CPU's composites: on the GPU they are
     * part of {@link #run}; on other backends they check the checks themselves.
     */
    public static List<Result> runFused(Backend dev, long seed) {
        List<Result> all = new ArrayList<>();
        for (String f : FusedChecks.NAMES) {
            Ctx c = new Ctx(dev, dev instanceof CudaBackend cb ? cb : null, seed, f + ": ");
            FusedChecks.run(f, c);
            dev.synchronize();
            all.addAll(c.results);
        }
        return all;
    }

    public static List<Result> runAll(CudaBackend gpu, long seed) {
        List<Result> all = new ArrayList<>();
        for (String n : names()) all.addAll(run(n, gpu, seed));
        return all;
    }
}
