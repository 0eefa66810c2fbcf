package org.nvit.cli;

import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nvit.engine.Backend;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.cpu.CpuBackend;
import org.nvit.engine.cpu.CpuPool;
import org.nvit.engine.ref.ReferenceBackend;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nvit bench gemm}: times C = op(A) op(B) (fp32, alpha 1, beta 0) on a backend after warm-up and reports the
 * median rate, 2*m*n*k*batch / time, and the rate per CPU-second of the process. With --json the last line is one JSON
 * object for scripts.
 */
@Command(name = "gemm", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Time a (batched) fp32 GEMM; prints GFLOP/s.")
public final class BenchGemmCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;
    @Option(names = "--m", defaultValue = "1024", description = "Rows of C.") int m;
    @Option(names = "--n", defaultValue = "1024", description = "Columns of C.") int n;
    @Option(names = "--k", defaultValue = "1024", description = "Depth.") int k;
    @Option(names = "--trans-a", description = "A is stored k x m.") boolean transA;
    @Option(names = "--trans-b", description = "B is stored n x k.") boolean transB;
    @Option(names = "--batch", defaultValue = "1", description = "Independent products.") int batch;
    @Option(names = "--warmup", defaultValue = "5", description = "Untimed runs first.") int warmup;
    @Option(names = "--repeats", defaultValue = "20", description = "Timed runs.") int repeats;
    @Option(names = "--backend", defaultValue = "cpu", description = "cpu or reference.") String backend;
    @Option(names = "--json", description = "Print only one JSON object on standard output (the human line goes to standard error).") boolean json;

    @Override public Integer call() {
        if (m < 1 || n < 1 || k < 1 || batch < 1)
            throw new IllegalArgumentException("--m, --n, --k and --batch must be positive");
        if (warmup < 0 || repeats < 1) throw new IllegalArgumentException("--warmup must be >= 0 and --repeats >= 1");
        long[] sizes = {(long) m * k * batch, (long) k * n * batch, (long) m * n * batch};
        for (long s : sizes)
            if (s > Integer.MAX_VALUE - 8)
                throw new IllegalArgumentException("operands of " + s + " elements are too large; use smaller sizes");
        Backend be = switch (backend) {
            case "cpu" -> CpuBackend.instance();
            case "reference", "ref" -> ReferenceBackend.INSTANCE;
            default -> throw new IllegalArgumentException("unknown backend '" + backend + "'; use cpu or reference");
        };
        Rng rng = new Rng(42);
        Tensor a = Tensor.rand(DType.F32, rng, -1, 1, (int) sizes[0]);
        Tensor b = Tensor.rand(DType.F32, rng, -1, 1, (int) sizes[1]);
        Tensor c = Tensor.zeros((int) sizes[2]);
        int lda = transA ? m : k, ldb = transB ? k : n;
        Runnable run = () -> be.gemm(transA, transB, m, n, k, 1f, a, lda, (long) m * k, b, ldb, (long) k * n,
                0f, c, n, (long) m * n, batch);
        for (int i = 0; i < warmup; i++) run.run();
        double[] ms = new double[repeats];
        long c0 = processCpuNanos();   // coarse (scheduler ticks): measured over all timed runs, reported as a mean
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime();
            run.run();
            be.synchronize();
            ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        double cpuMean = (processCpuNanos() - c0) / 1e6 / repeats;
        double median = median(ms);
        Arrays.sort(ms);
        double flop = 2.0 * m * n * k * batch;
        double gflops = flop / (median * 1e6), best = flop / (ms[0] * 1e6);
        int threads = be instanceof CpuBackend ? CpuPool.threads() : 1;
        // CPU time shows the kernel's own efficiency when other processes compete for the cores (wall time does not)
        double perCpu = cpuMean > 0 ? flop / (cpuMean * 1e6) : Double.NaN;
        java.io.PrintWriter human = json ? spec.commandLine().getErr() : spec.commandLine().getOut();   // --json: standard output holds the JSON alone
        human.printf(Locale.ROOT, "gemm %s%s m=%d n=%d k=%d batch=%d on %s (%d threads): median %.3f ms = %.1f GFLOP/s"
                        + " (best %.1f); %.1f GFLOP per CPU-second%n", transA ? "T" : "N", transB ? "T" : "N", m, n, k,
                batch, be.name(), threads, median, gflops, best, perCpu);
        if (json)
            spec.commandLine().getOut().printf(Locale.ROOT, "{\"m\":%d,\"n\":%d,\"k\":%d,\"batch\":%d,\"trans_a\":%b,\"trans_b\":%b,"
                            + "\"backend\":\"%s\",\"threads\":%d,\"median_ms\":%.4f,\"gflops\":%.2f,\"best_gflops\":%.2f,"
                            + "\"cpu_ms\":%.4f,\"gflops_per_cpu\":%.2f}%n",
                    m, n, k, batch, transA, transB, be.name(), threads, median, gflops, best, cpuMean,
                    Double.isNaN(perCpu) ? 0 : perCpu);
        human.flush();
        spec.commandLine().getOut().flush();
        return 0;
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** CPU time of the whole process (all threads), or 0 where the JVM does not report it. */
    private static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)
            return Math.max(0, os.getProcessCpuTime());
        return 0;
    }
}
