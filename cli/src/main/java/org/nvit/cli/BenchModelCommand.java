package org.nvit.cli;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nvit.autograd.optim.AdamW;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.DeviceCounters;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.OpProfiler;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.WarmUp;
import org.nvit.models.ModelStats;
import org.nvit.weights.Models;
import org.nvit.models.Presets;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.data.Batch;
import org.nvit.weights.WeightFiles;
import org.nvit.train.DistillationLoss;
import org.nvit.train.TrainStep;
import org.nvit.pruning.LatencyTable;
import org.nvit.pruning.LatencyTableBuilder;
import org.nvit.pruning.PruneOptions;
import org.nvit.pruning.PruneSchedule;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nvit bench model}: images/s of a model's inference or training step (median after warm-up). */
@Command(name = "model", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Model throughput: images/s of inference, of a training step (forward + backward + AdamW) or of a"
                + " pruning step (the training step with the teacher's KL, masks and saliency, the ranking amortised).")
public final class BenchModelCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    static final class Arch {
        @Option(names = "--model", description = "preset name, e.g. deit_tiny_patch16_224") String model;
        @Option(names = "--config", description = "model config JSON file") Path config;
        @Option(names = "--checkpoint", description = "weight file (its config and weights: ours, DeiT/timm .pth or safetensors)") Path checkpoint;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") Arch arch;
    @Option(names = "--heads", description = "head counts for a --checkpoint without config (N or a,b,c...)") String heads;
    @Option(names = {"--batch-size", "-b", "--batch"}, defaultValue = "32", description = "images per step") int batch;
    @Option(names = "--mode", defaultValue = "infer", description = "infer, train or prune (prune also"
            + " times the train step of the same model and prints the ratio)") String mode;
    @Option(names = "--interval", defaultValue = "100", description = "prune: batches between pruning steps, over which the"
            + " ranking is amortised") int interval;
    @Option(names = "--kl-coeff", defaultValue = "10", description = "prune: weight of the teacher's KL term, 0 = no teacher"
            + " forward") double klCoeff;
    @Option(names = "--lut", description = "prune: a latency table for the ranking (default: one proportional to the"
            + " multiply-adds)") Path lut;
    @Option(names = "--warmup", description = "untimed steps first (default: until the steps stop getting faster, at least"
            + " 10 s and at most 120 s: a cold JVM runs Vector API code many times slower until the JIT has compiled it)") Integer warmup;
    @Option(names = "--repeats", defaultValue = "5", description = "timed steps") int repeats;
    @Option(names = "--json", description = "print only one JSON object on standard output (the human lines go to standard error)") boolean json;
    @Option(names = "--seed", defaultValue = "0", description = "init and data seed") long seed;
    @Option(names = "--profile", description = "also print the device's work per step (kernel launches, GEMM calls, host"
            + " syncs, copies each way, allocations) and the time per backend op") boolean profile;
    @Option(names = "--engine", defaultValue = "nvit", description = "nvit, or onnxruntime: the same model and weights"
            + " exported to ONNX and run by ONNX Runtime on the CPU with as many intra-op threads as --threads (infer only; a"
            + " reference column: the library comes from NVIT_ONNXRUNTIME_LIB or npm's onnxruntime-node, installed into a"
            + " cache on first use)") String engine;
    @Option(names = "--onnx", description = "with --engine onnxruntime: time this ONNX file (e.g. PyTorch's export of the"
            + " same model; input 'images' [batch, C, H, W], one float output) instead of our export") Path onnx;
    @Mixin DeviceOptions devices;

    @Override public Integer call() throws Exception {
        if (!engine.equals("nvit") && !engine.equals("onnxruntime"))
            throw new IllegalArgumentException("--engine must be nvit or onnxruntime, not '" + engine + "'");
        if (onnx != null && !engine.equals("onnxruntime"))
            throw new IllegalArgumentException("--onnx is timed by ONNX Runtime: add --engine onnxruntime");
        if (onnx != null && !java.nio.file.Files.isRegularFile(onnx))
            throw new IllegalArgumentException("--onnx " + onnx + " is not a file");
        if (engine.equals("onnxruntime") && !mode.equals("infer"))
            throw new IllegalArgumentException("--engine onnxruntime times inference only: use --mode infer");
        try (OrtStep ort = engine.equals("onnxruntime") ? new OrtStep() : null) {
            return measure(ort);
        }
    }

    /** ONNX Runtime's session of the model once exported, and its environment, closed after the measurement. */
    private static final class OrtStep implements AutoCloseable {
        final org.nvit.export.OnnxRuntime runtime;
        org.nvit.export.OnnxRuntime.Session session;

        OrtStep() throws Exception {
            try {
                runtime = new org.nvit.export.OnnxRuntime(org.nvit.export.OnnxRuntimeInstall.library());
            } catch (org.nvit.export.OnnxRuntimeInstall.Unavailable e) {
                throw new IllegalArgumentException("ONNX Runtime is not available: " + e.getMessage());
            } catch (Exception e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }

        /**
         * Opens the given ONNX file, or exports the model to a temporary one, opens it (ONNX Runtime reads it whole) and
         * deletes it; the step runs the session on the batch.
         */
        Runnable step(VitConfig cfg, VisionTransformer model, Tensor images, Path given) throws Exception {
            Path file = given != null ? given : java.nio.file.Files.createTempFile("nvit-bench-", ".onnx");
            try {
                if (given == null) org.nvit.export.OnnxExport.write(file, cfg, model.stateDict());
                session = runtime.open(file, org.nvit.engine.cpu.CpuPool.threads());
            } catch (Exception e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            } finally {
                if (given == null) java.nio.file.Files.deleteIfExists(file);   // ONNX Runtime has read it whole
            }
            float[] in = images.toFloatArray();
            long[] shape = toLongs(images.shape());
            var s = session;
            return () -> {
                try {
                    s.run(org.nvit.export.OnnxExport.INPUT, in, shape, org.nvit.export.OnnxExport.OUTPUT);
                } catch (RuntimeException | Error e) {
                    throw e;
                } catch (Throwable t) {
                    throw new IllegalStateException(t);
                }
            };
        }

        private static long[] toLongs(int[] a) {
            long[] l = new long[a.length];
            for (int i = 0; i < a.length; i++) l[i] = a[i];
            return l;
        }

        @Override public void close() throws Exception {
            try {
                if (session != null) session.close();
                runtime.close();
            } catch (Exception e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    private Integer measure(OrtStep ort) throws Exception {
        java.io.PrintWriter human = json ? spec.commandLine().getErr() : spec.commandLine().getOut();   // --json: standard output holds the JSON alone
        if (batch < 1 || repeats < 1 || (warmup != null && warmup < 0))
            throw new IllegalArgumentException("--batch-size and --repeats must be >= 1 and --warmup >= 0");
        if (!java.util.Set.of("infer", "train", "prune").contains(mode))
            throw new IllegalArgumentException("--mode must be infer, train or prune, not '" + mode + "'");
        if (interval < 1) throw new IllegalArgumentException("--interval must be >= 1");
        boolean train = !mode.equals("infer");
        WeightFiles.Loaded weights = arch.checkpoint != null ? Models.read(arch.checkpoint, Models.parseHeads(heads)) : null;
        VitConfig cfg = weights != null ? weights.config()
                : arch.model != null ? Presets.byName(arch.model) : org.nvit.weights.Models.readConfig(arch.config);
        Backend device = devices.backend();
        OpProfiler profiler = profile ? new OpProfiler(device) : null;
        DeviceCounters counters = device.capability(DeviceCounters.class).orElse(null);
        VisionTransformer model = new VisionTransformer(cfg, seed);
        if (weights != null) model.loadStateDict(weights.stateDict());
        model.to(device);
        Rng rng = new Rng(seed + 1);
        // the batch is made on the device once, outside the timed steps: they time the model, not the copy in
        Tensor images = model.onDevice(Tensor.randn(DType.F32, rng, 1.0, batch, cfg.inChans(), cfg.imageSize(), cfg.imageSize()));
        Tensor targets = model.onDevice(smoothedOneHot(rng, batch, cfg.numClasses(), 0.1));
        Batch data = new Batch(images, new int[batch], targets, new int[batch], 0, 0);
        String backend = Backends.of(images).name();   // or ONNX Runtime's, below
        String name = arch.model != null ? arch.model : (weights != null ? arch.checkpoint : arch.config).getFileName().toString();
        double trainMedian = Double.NaN, distilMedian = Double.NaN;
        VisionTransformer teacher = null;
        if (mode.equals("prune")) { // the train step of the same model first, in the same sitting: the reference
            TrainStep plain = new TrainStep(model, new AdamW(model.parameters().values(), 5e-4, 0.05),
                    new DistillationLoss("none", 0, 1), null, 0, null);
            Runnable trainStep = scoped(() -> plain.run(data, 5e-4, 0.1, rng), images);
            warmUp(trainStep, warmup);
            trainMedian = timed(trainStep, repeats)[0];
            if (klCoeff > 0) { // and with the forward of a teacher, as nvit train --teacher (and pruning's KL) pays it
                teacher = new VisionTransformer(cfg, seed).to(device);
                teacher.loadStateDict(model.stateDict());
                TrainStep distil = new TrainStep(model, new AdamW(model.parameters().values(), 5e-4, 0.05),
                        new DistillationLoss("soft", 0.5, 1), teacher, 0, null);
                Runnable distilStep = scoped(() -> distil.run(data, 5e-4, 0.1, rng), images);
                warmUp(distilStep, 3);
                distilMedian = timed(distilStep, repeats)[0];
            }
        }
        PruneSchedule schedule = mode.equals("prune") ? pruneSchedule(model, cfg) : null;
        Runnable work = switch (mode) {
            case "train" -> {
                TrainStep t = new TrainStep(model, new AdamW(model.parameters().values(), 5e-4, 0.05),
                        new DistillationLoss("none", 0, 1), null, 0, null);
                yield () -> t.run(data, 5e-4, 0.1, rng);
            }
            case "prune" -> {
                TrainStep t = schedule.trainStep(teacher);
                // a mid-run state: some units of every layer pruned, the norms masked, the saliency accumulating
                t.run(data, 1e-4, 0, null);
                schedule.pruneStep();
                t.run(data, 1e-4, 0, null);
                schedule.pruneStep();
                yield () -> t.run(data, 1e-4, 0, null);
            }
            default -> () -> model.predict(images);
        };
        if (ort != null) {
            if (!Backends.of(images).name().startsWith("cpu"))
                throw new IllegalArgumentException("--engine onnxruntime runs on the CPU: leave out --device");
            work = ort.step(cfg, model, images, onnx);
            backend = "onnxruntime " + ort.runtime.version + " (" + org.nvit.engine.cpu.CpuPool.threads() + " threads, "
                    + (onnx != null ? onnx.getFileName() : "our export") + ")";
        }
        Runnable step = scoped(work, images);

        warmUp(step, warmup);
        DeviceCounters.Counts c0 = counters == null ? null : counters.counts();
        double[] t = timed(step, repeats);
        DeviceCounters.Counts perStep = counters == null ? null : counters.counts().minus(c0);
        double median = t[0], medianCpu = t[1];
        if (schedule != null) { // the ranking of a pruning step, amortised over its interval
            double[] rank = timed(() -> {
                step.run();
                schedule.pruneStep();
            }, 3);
            double ranking = Math.max(0, rank[0] - median);
            human.printf(Locale.ROOT, "pruning step: %.1f ms per batch; ranking %.1f ms every %d batches; train step %.1f ms%s%n",
                    median * 1e3, ranking * 1e3, interval, trainMedian * 1e3, klCoeff > 0
                            ? String.format(Locale.ROOT, ", %.1f ms with the teacher's forward", distilMedian * 1e3) : "");
            median += ranking / interval;
        }
        double ips = batch / median;
        double gflops = ips * ModelStats.flops(cfg) * (train ? 3 : 1) / 1e9;
        // On a shared machine wall time depends on the load; CPU seconds per step show the work itself.
        double cpuSecsPerImage = medianCpu / batch;
        human.printf(Locale.ROOT, "%s (%s) %s batch %d on %s: %.2f images/s (median %.1f ms of %d, %.1f GFLOP/s;"
                        + " %.1f ms CPU per image)%n",
                name, ModelStats.summary(cfg), mode, batch, backend, ips, median * 1e3, repeats, gflops, cpuSecsPerImage * 1e3);
        if (schedule != null)
            human.printf(Locale.ROOT, "prune / train images/s in this run: %.3f (train %.2f images/s)%s%n",
                    trainMedian / median, batch / trainMedian, klCoeff > 0 ? String.format(Locale.ROOT,
                            "; against training with the same teacher: %.3f (%.2f images/s)", distilMedian / median,
                            batch / distilMedian) : "");
        if (profiler != null) {
            if (perStep != null)
                System.out.println("device work per step (the timed steps, each ending with the benchmark's synchronize): "
                        + perStep.format(repeats));
            // the op times come from as many steps again through the profiler, which synchronises after every op
            Backends.register(profiler.backend());
            timed(step, repeats);
            Backends.register(profiler.target());
            human.println("time per backend op over " + repeats + " more steps (synchronised, includes the profiler's overhead):");
            profiler.report().forEach(human::println);
        }
        if (json)
            spec.commandLine().getOut().printf(Locale.ROOT, "{\"model\":\"%s\",\"mode\":\"%s\",\"batch\":%d,\"backend\":\"%s\",\"images_per_s\":%.3f,"
                    + "\"median_ms\":%.3f,\"gflops\":%.2f,\"cpu_ms_per_image\":%.3f,\"repeats\":%d%s}%n", name.replace("\"", ""),
                    mode, batch, backend.replace("\"", ""), ips, median * 1e3, gflops, cpuSecsPerImage * 1e3, repeats,
                    schedule == null ? "" : String.format(Locale.ROOT, ",\"train_images_per_s\":%.3f,\"distill_images_per_s\":%s",
                            batch / trainMedian, Double.isNaN(distilMedian) ? "null" : String.format(Locale.ROOT, "%.3f", batch / distilMedian)));
        human.flush();
        spec.commandLine().getOut().flush();
        return 0;
    }

    /** Runs n steps, or (n null) until the JIT has settled (at least 10 s, at most 120 s). */
    static void warmUp(Runnable step, Integer n) {
        if (n == null) WarmUp.untilSettled(step, 10, 120);
        else for (int i = 0; i < n; i++) step.run();
    }

    /** CPU time of the whole process (all threads), or 0 where the JVM cannot tell. */
    private static long processCpuNanos() {
        try {
            return java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                    instanceof com.sun.management.OperatingSystemMXBean os ? Math.max(0, os.getProcessCpuTime()) : 0;
        } catch (LinkageError noJdkManagement) { // a jlinked runtime without jdk.management
            return 0;
        }
    }

    /** Random labels as label-smoothed one-hot rows [batch, classes] (timm's smoothing: on 1 - s + s/C, off s/C). */
    static Tensor smoothedOneHot(Rng rng, int batch, int classes, double smoothing) {
        float off = (float) (smoothing / classes), on = (float) (1 - smoothing) + off;
        float[] t = new float[batch * classes];
        java.util.Arrays.fill(t, off);
        for (int i = 0; i < batch; i++) t[i * classes + rng.nextInt(classes)] = on;
        return Tensor.of(t, batch, classes);
    }

    /** As the trainer and evaluator run a step: its buffers recycled by the next, the device synchronised at the end. */
    private static Runnable scoped(Runnable work, Tensor onDevice) {
        return () -> {
            try (MemoryScope scope = MemoryScope.open()) {
                work.run();
                Backends.of(onDevice).synchronize();
            }
        };
    }

    /** Median wall and CPU seconds of n runs. */
    private static double[] timed(Runnable step, int n) {
        double[] secs = new double[n], cpu = new double[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime(), c0 = processCpuNanos();
            step.run();
            secs[i] = (System.nanoTime() - t0) / 1e9;
            cpu[i] = (processCpuNanos() - c0) / 1e9;
        }
        return new double[] {WarmUp.median(secs), WarmUp.median(cpu)};
    }

    /**
     * The pruning schedule of nvit prune's defaults over a latency table proportional to each block's multiply-adds
     * (the ranking costs the same whatever the values) or the --lut given.
     */
    private PruneSchedule pruneSchedule(VisionTransformer model, VitConfig cfg) throws java.io.IOException {
        LatencyTable table = lut != null ? LatencyTable.load(lut) : macTable(cfg);
        return new PruneSchedule(model, table, PruneOptions.defaults(0.01).withInterval(interval).withMaxSteps(1_000_000)
                .withKl(klCoeff));
    }

    static LatencyTable macTable(VitConfig cfg) { return LatencyTableBuilder.multiplyAdds(cfg); }
}
