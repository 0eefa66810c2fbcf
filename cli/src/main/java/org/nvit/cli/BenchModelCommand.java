package org.nvit.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.autograd.optim.AdamW;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.OpProfiler;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.WarmUp;
import org.nvit.models.ModelStats;
import org.nvit.models.Models;
import org.nvit.models.Presets;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.models.io.WeightFiles;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nvit bench model}: images/s of a model's inference or training step (median after warm-up). */
@Command(name = "model", mixinStandardHelpOptions = true,
        description = "Model throughput: images/s of inference or of a training step (forward + backward + AdamW).")
public final class BenchModelCommand implements Callable<Integer> {

    static final class Arch {
        @Option(names = "--model", description = "preset name, e.g. deit_tiny_patch16_224") String model;
        @Option(names = "--config", description = "model config JSON file") Path config;
        @Option(names = "--checkpoint", description = "weight file (its config and weights: ours, DeiT/timm .pth or safetensors)") Path checkpoint;
    }

    @ArgGroup(exclusive = true, multiplicity = "1") Arch arch;
    @Option(names = "--heads", description = "head counts for a --checkpoint without config (N or a,b,c...)") String heads;
    @Option(names = "--batch", defaultValue = "32", description = "images per step (default ${DEFAULT-VALUE})") int batch;
    @Option(names = "--mode", defaultValue = "infer", description = "infer or train (default ${DEFAULT-VALUE})") String mode;
    @Option(names = "--warmup", description = "untimed steps first (default: until the steps stop getting faster, at least"
            + " 10 s and at most 120 s: a cold JVM runs Vector API code many times slower until the JIT has compiled it)") Integer warmup;
    @Option(names = "--repeats", defaultValue = "5", description = "timed steps (default ${DEFAULT-VALUE})") int repeats;
    @Option(names = "--json", description = "print one JSON object as the last line") boolean json;
    @Option(names = "--seed", defaultValue = "0", description = "init and data seed") long seed;
    @Option(names = "--profile", description = "also print the time per backend op over the timed steps") boolean profile;
    @Mixin DeviceOptions devices;

    @Override public Integer call() throws Exception {
        if (batch < 1 || repeats < 1 || (warmup != null && warmup < 0))
            throw new IllegalArgumentException("--batch and --repeats must be >= 1 and --warmup >= 0");
        boolean train = switch (mode) {
            case "infer" -> false;
            case "train" -> true;
            default -> throw new IllegalArgumentException("--mode must be infer or train, not '" + mode + "'");
        };
        WeightFiles.Loaded weights = arch.checkpoint != null ? Models.read(arch.checkpoint, Models.parseHeads(heads)) : null;
        VitConfig cfg = weights != null ? weights.config()
                : arch.model != null ? Presets.byName(arch.model) : VitConfig.fromJson(Files.readString(arch.config));
        String name = arch.model != null ? arch.model : (weights != null ? arch.checkpoint : arch.config).getFileName().toString();
        Backend device = devices.backend();
        OpProfiler profiler = null;
        if (profile) {
            profiler = new OpProfiler(device);
            Backends.register(profiler.backend());
        }
        VisionTransformer model = new VisionTransformer(cfg, seed);
        if (weights != null) model.loadStateDict(weights.stateDict());
        model.to(device);
        Rng rng = new Rng(seed + 1);
        // the batch is made on the device once, outside the timed steps: they time the model, not the copy in
        Tensor images = model.onDevice(Tensor.randn(DType.F32, rng, 1.0, batch, cfg.inChans(), cfg.imageSize(), cfg.imageSize()));
        Tensor targets = model.onDevice(smoothedOneHot(rng, batch, cfg.numClasses(), 0.1));
        Runnable work = train ? new TrainStep(model, images, targets, rng) : () -> model.predict(images);
        Runnable step = () -> { // as the trainer and evaluator do: each step's buffers are recycled by the next
            try (MemoryScope scope = MemoryScope.open()) {
                work.run();
                Backends.of(images).synchronize();
            }
        };

        warmUp(step, warmup);
        if (profiler != null) profiler.reset();
        double[] secs = new double[repeats], cpu = new double[repeats];
        for (int i = 0; i < repeats; i++) {
            long t0 = System.nanoTime(), c0 = processCpuNanos();
            step.run();
            Backends.of(images).synchronize();
            secs[i] = (System.nanoTime() - t0) / 1e9;
            cpu[i] = (processCpuNanos() - c0) / 1e9;
        }
        double median = WarmUp.median(secs), medianCpu = WarmUp.median(cpu);
        double ips = batch / median;
        double gflops = ips * ModelStats.flops(cfg) * (train ? 3 : 1) / 1e9;
        String backend = Backends.of(images).name();
        // On a shared machine wall time depends on the load; CPU seconds per step show the work itself.
        double cpuSecsPerImage = medianCpu / batch;
        System.out.printf(Locale.ROOT, "%s (%s) %s batch %d on %s: %.2f images/s (median %.1f ms of %d, %.1f GFLOP/s;"
                        + " %.1f ms CPU per image)%n",
                name, ModelStats.summary(cfg), mode, batch, backend, ips, median * 1e3, repeats, gflops, cpuSecsPerImage * 1e3);
        if (profiler != null) {
            Backends.register(profiler.target());
            System.out.println("time per backend op over the " + repeats + " timed steps (synchronised, includes the profiler's overhead):");
            profiler.report().forEach(System.out::println);
        }
        if (json)
            System.out.printf(Locale.ROOT, "{\"model\":\"%s\",\"mode\":\"%s\",\"batch\":%d,\"backend\":\"%s\",\"images_per_s\":%.3f,"
                    + "\"median_ms\":%.3f,\"gflops\":%.2f,\"cpu_ms_per_image\":%.3f,\"repeats\":%d}%n", name.replace("\"", ""),
                    mode, batch, backend.replace("\"", ""), ips, median * 1e3, gflops, cpuSecsPerImage * 1e3, repeats);
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

    /** One training step: forward with drop-path 0.1, cross-entropy (both heads when distilled), backward, AdamW. */
    private static final class TrainStep implements Runnable {
        private final VisionTransformer model;
        private final Tensor images;
        private final Tensor targets;
        private final Rng rng;
        private final AdamW opt;

        TrainStep(VisionTransformer model, Tensor images, Tensor targets, Rng rng) {
            this.model = model;
            this.images = images;
            this.targets = targets;
            this.rng = rng;
            this.opt = new AdamW(model.parameters().values(), 5e-4, 0.05);
        }

        @Override public void run() {
            VisionTransformer.Output out = model.forward(Var.constant(images), true, 0.1, rng);
            Var loss = F.softCrossEntropy(out.cls(), targets);
            if (out.dist() != null) loss = F.weightedSum(loss, 0.5, F.softCrossEntropy(out.dist(), targets), 0.5);
            loss.backward();
            opt.step();
            opt.zeroGrad();
        }
    }
}
