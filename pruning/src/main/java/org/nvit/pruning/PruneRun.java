package org.nvit.pruning;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.zip.CRC32;
import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;
import org.nvit.models.ModelStats;
import org.nvit.weights.Models;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.data.AugmentConfig;
import org.nvit.data.Batch;
import org.nvit.data.DataLoader;
import org.nvit.data.DataSource;
import org.nvit.data.DataSources;
import org.nvit.weights.AtomicFiles;
import org.nvit.weights.OutputGuard;
import org.nvit.weights.WeightFiles;
import org.nvit.train.EpochStream;
import org.nvit.train.Evaluator;
import org.nvit.train.StopSignal;
import org.nvit.train.TrainStep;
import org.nvit.distributed.Communicator;
import org.nvit.distributed.SingleProcess;
import org.nvit.train.DataParallel;
import org.nvit.train.ReplicaCheck;

/**
 * A whole NViT pruning run, as {@code nvit prune} does it: load the model and its latency table, keep a frozen copy as
 * the teacher, train with the {@link PruneSchedule} hooked into the shared {@link TrainStep} until the latency target,
 * shrink to the dense model and write it with its report. Everything runs on the given backend's device; the
 * resumable state goes to {@code prune.ckpt} every {@code --checkpoint-every} batches and on SIGINT/SIGTERM, and
 * {@link #resume} continues it so that it takes the decisions an uninterrupted run would have taken.
 *
 * <p>Data parallel (a {@link Communicator} of several ranks): every rank trains on its shard of each global batch
 * with gradients averaged in the one step, ranks the saliency averaged over the ranks, and checks after every
 * pruning step and at the end that all of them hold the same masks and weights; rank 0 alone writes and prints.
 *
 * <p>Output folder: model.safetensors (the dense pruned model), config.json, dims.csv, dims.png, latency.png,
 * report.md, prune.ckpt.
 */
public final class PruneRun {
    /** What a finished run produced. */
    public record Outcome(Path output, VitConfig before, VitConfig after, PruneReport.Summary summary) {}

    private final PruneRunOptions o;
    private final Backend backend;
    private final PrintWriter out;
    private final LatencyTable table;
    private final VitConfig cfg;
    private final VisionTransformer student, teacher;
    private final long teacherCrc;
    private final DataSource data;
    private final AugmentConfig aug;
    private final Path dir;
    private final Communicator comm;
    private final DataParallel parallel;
    private PruneSchedule schedule;
    private TrainStep step;
    private int epoch, batch;
    private double top1Before = Double.NaN;

    private PruneRun(PruneRunOptions options, Backend backend, PrintWriter out, Communicator comm) throws IOException {
        this.o = options.validate();
        this.backend = backend;
        this.comm = comm;
        this.out = comm.isRoot() ? out : new PrintWriter(java.io.Writer.nullWriter());
        if (o.ranks != comm.size())
            throw new IllegalArgumentException(Path.of(o.output).resolve("prune.ckpt") + " was written by a run on " + o.ranks
                    + " rank(s); resume it on as many (mpirun -np " + o.ranks + " ./nvit prune --resume ...), not " + comm.size());
        this.parallel = comm.size() > 1 ? new DataParallel(comm) : null;
        this.table = LatencyTable.load(Path.of(o.lut));
        WeightFiles.Loaded loaded = Models.read(Path.of(o.checkpoint), Models.parseHeads(o.heads));
        this.cfg = loaded.config();
        table.checkCovers(cfg);
        this.teacherCrc = crc(loaded.stateDict());
        this.student = new VisionTransformer(cfg, 0);
        student.loadStateDict(loaded.stateDict());
        student.to(backend);
        if (o.klCoeff > 0) {
            this.teacher = new VisionTransformer(cfg, 0);
            teacher.loadStateDict(loaded.stateDict());
            teacher.to(backend);
        } else {
            this.teacher = null;
        }
        this.data = DataSources.open(o.data, cfg.inChans(), cfg.imageSize(), cfg.numClasses());
        data.checkModel(cfg.inChans(), cfg.numClasses());
        this.aug = AugmentConfig.defaultsFor(data, cfg.imageSize());
        this.dir = Path.of(o.output);
        OutputGuard.checkFolder("--output", dir, OUTPUTS, OutputGuard.input("--checkpoint", Path.of(o.checkpoint)),
                OutputGuard.input("--lut", Path.of(o.lut)));
    }

    /** The files a run writes into its folder. */
    static final java.util.List<String> OUTPUTS = java.util.List.of("model.safetensors", "config.json", "dims.csv", "dims.png",
            "latency.png", "report.md", "prune.ckpt");

    /** A fresh run of these options on the backend's device; progress lines go to out. */
    public static Outcome run(PruneRunOptions options, Backend backend, PrintWriter out) throws IOException {
        return run(options, backend, out, SingleProcess.INSTANCE);
    }

    /** The same as one rank of {@code comm}'s job; {@code options.batchSize} is each rank's batch. */
    public static Outcome run(PruneRunOptions options, Backend backend, PrintWriter out, Communicator comm) throws IOException {
        options.ranks = comm.size();
        PruneRun r = new PruneRun(options, backend, out, comm);
        if (!options.overwrite)
            for (String f : java.util.List.of("prune.ckpt", "report.md", "model.safetensors"))
                if (Files.exists(r.dir.resolve(f)))
                    throw new IllegalArgumentException("--output " + r.dir + " already holds a pruning run (" + f + "); continue it with"
                            + " --resume " + r.dir + ", replace it with --overwrite, or choose another --output");
        if (comm.isRoot()) {
            Files.createDirectories(r.dir);
            AtomicFiles.removeStaleTemporaries(r.dir);
        }
        r.start();
        return r.loop();
    }

    /**
     * Continues the run saved in dir/prune.ckpt (a finished run only writes its outputs again). {@code device} picks
     * the backend from the saved options (their device and precision).
     */
    public static Outcome resume(Path dir, Function<PruneRunOptions, Backend> device, PrintWriter out) throws IOException {
        return resume(dir, device, out, SingleProcess.INSTANCE);
    }

    /** The same as one rank of {@code comm}'s job (as many ranks as the run that wrote it); every rank reads the same file. */
    public static Outcome resume(Path dir, Function<PruneRunOptions, Backend> device, PrintWriter out, Communicator comm)
            throws IOException {
        PruneCheckpoint.Loaded ck = PruneCheckpoint.load(dir.resolve("prune.ckpt"));
        PruneRunOptions opts = ck.options();
        opts.output = dir.toString();
        PruneRun r = new PruneRun(opts, device.apply(opts), out, comm);
        if (comm.isRoot()) AtomicFiles.removeStaleTemporaries(dir);
        if (!r.cfg.equals(ck.config()))
            throw new IllegalArgumentException(dir.resolve("prune.ckpt") + " was saved for another model than " + opts.checkpoint);
        if (r.teacherCrc != ck.meta().teacherCrc())
            throw new IllegalArgumentException(opts.checkpoint + " changed since the pruning run started (its checksum differs);"
                    + " the run needs the original model as its teacher");
        r.restore(ck);
        return r.loop();
    }

    private void start() {
        out.printf(Locale.ROOT, "model %s; table latency %.4g s per batch of %d; target %.0f%%; %s%n", ModelStats.summary(cfg),
                table.model(cfg), table.data().batch(), 100 * o.target, backend.name());
        if (comm.size() > 1)
            out.printf("data parallel: batch %d per rank x %d ranks = %d effective; %s%n", o.batchSize, comm.size(),
                    o.batchSize * comm.size(), comm.name());
        out.flush();
        top1Before = accuracy(student);
        out.printf(Locale.ROOT, "top-1 before pruning: %.2f%%%n", 100 * top1Before);
        out.flush();
        schedule = new PruneSchedule(student, table, o.schedule());
        double floor = schedule.floorRatio();
        if (o.target < floor + 0.1 * (1 - floor)) {
            // Within 10% of the floor every layer would end at (or near) its last group: a destroyed model, not a
            // faster one. Prune to the reachable part instead, and say so.
            double reachable = Math.min(1, floor + 0.1 * (1 - floor));
            out.printf(Locale.ROOT, "warning: the table predicts %.0f%% of the original latency even with every layer pruned to"
                    + " its last group (per-op overheads dominate at its batch of %d), so --target-latency %.2f is out of reach;"
                    + " pruning to %.2f instead. Measure the table at a larger --batch (or with more --repeats, if it is"
                    + " noisy) to go lower%n", 100 * floor, table.data().batch(), o.target, reachable);
            o.target = reachable;
            schedule = new PruneSchedule(student, table, o.schedule());
        }
        schedule.withCommunicator(comm);
        step = schedule.trainStep(teacher).withGradientSync(parallel);
        progress(schedule.steps().getFirst());
    }

    private void restore(PruneCheckpoint.Loaded ck) {
        student.loadStateDict(ck.model());
        schedule = new PruneSchedule(student, table, o.schedule());
        schedule.load(ck.schedule());
        schedule.withCommunicator(comm);
        step = schedule.trainStep(teacher).withGradientSync(parallel);
        step.optimizer().loadState(ck.optimizer());
        epoch = ck.meta().epoch();
        batch = ck.meta().batch();
        top1Before = ck.meta().top1Before();
        StepRecord last = schedule.steps().getLast();
        out.printf(Locale.ROOT, "resumed from %s after %d batches (pruning step %d, latency %.1f%%)%n", dir.resolve("prune.ckpt"),
                schedule.batches(), last.step(), 100 * last.latency() / schedule.originalLatency());
        out.flush();
    }

    private Outcome loop() throws IOException {
        if (schedule.stopReason() == null) {
            try (StopSignal signal = new StopSignal();
                 DataLoader train = comm.size() == 1 ? DataLoader.train(data.train(), aug, o.batchSize, o.seed, o.workers)
                         : DataLoader.shard(data.train(), aug, o.batchSize, o.seed, o.workers, comm.rank(), comm.size());
                 EpochStream stream = new EpochStream(train, epoch, batch)) {
                while (schedule.stopReason() == null) {
                    Batch b = stream.next();
                    double loss;
                    if (parallel != null) parallel.voteStop(signal.requested());
                    try {
                        loss = step.run(b, o.lr, 0, null);
                    } catch (TrainStep.NonFiniteLoss e) {
                        throw new IllegalStateException("loss is " + e.loss + " after " + schedule.batches() + " pruning batches; "
                                + (Files.exists(dir.resolve("prune.ckpt")) ? "the last checkpoint is " + dir.resolve("prune.ckpt")
                                : "no checkpoint was written yet") + "; try a lower --lr");
                    }
                    epoch = stream.epoch();
                    batch = stream.batch();
                    StepRecord r = schedule.afterBatch(loss);
                    if (r != null) progress(r);
                    // every rank stops at the same batch: data parallel, on the vote carried by this step's all-reduce
                    boolean stop = parallel != null ? parallel.stopAgreed() : signal.requested();
                    boolean periodic = o.checkpointEvery > 0 && schedule.batches() % o.checkpointEvery == 0;
                    if (periodic || stop || schedule.stopReason() != null) save();
                    if (stop && schedule.stopReason() == null) {
                        out.printf("stopped: checkpoint saved after %d batches; continue with nvit prune --resume %s%n",
                                schedule.batches(), dir);
                        out.flush();
                        return null;
                    }
                }
            }
        }
        return finish();
    }

    private void save() throws IOException {
        if (!comm.isRoot()) return; // every rank holds the same state (checked at each pruning step)
        PruneCheckpoint.save(dir.resolve("prune.ckpt"), cfg, o, schedule.state(), epoch, batch, top1Before, teacherCrc,
                student.stateDict(), step.optimizer().state());
    }

    private void progress(StepRecord r) {
        out.printf(Locale.ROOT, "step %4d  batch %7d  latency %.4g s (%.1f%%)  loss %.4f  EMB %d  heads %s%n", r.step(), r.batches(),
                r.latency(), 100 * r.latency() / schedule.originalLatency(), r.loss(), r.dims().embedDim(),
                r.dims().blocks().stream().map(b -> String.valueOf(b.heads())).toList());
        out.flush();
    }

    private Outcome finish() throws IOException {
        Shrink.Result res = schedule.shrink();
        VitConfig small = res.config();
        if (comm.size() > 1) {
            long h = ReplicaCheck.hash(res.stateDict());
            ReplicaCheck.verify(comm, "pruned models", h);
            // one write per line: mpirun interleaves the ranks' output at write boundaries
            System.err.print(String.format(Locale.ROOT, "rank %d of %d: pruned model EMB %d, blocks %s, checksum %016x%n",
                    comm.rank(), comm.size(), small.embedDim(), small.blocks().stream().map(b -> b.heads() + "x(" + b.qkDim()
                            + "," + b.vDim() + ") mlp " + b.mlpDim()).toList(), h));
            if (!comm.isRoot()) return new Outcome(dir, cfg, small, null); // rank 0 writes the outputs
        }
        VisionTransformer pruned = new VisionTransformer(small, 0);
        pruned.loadStateDict(res.stateDict());
        pruned.to(backend);
        WeightFiles.export(dir.resolve("model.safetensors"), small, res.stateDict(), org.nvit.train.ModelFileMetadata.of(aug, data.train().classNames()));
        AtomicFiles.writeString(dir.resolve("config.json"), small.toJson());
        PruneReport.writeDimsCsv(dir.resolve("dims.csv"), schedule.steps());
        PruneReport.writeDimsPng(dir.resolve("dims.png"), cfg, small);
        PruneReport.writeLatencyPng(dir.resolve("latency.png"), schedule.steps(), o.target);
        double top1After = accuracy(pruned);
        double mBefore = Double.NaN, mAfter = Double.NaN;
        if (!o.noMeasure) {
            var b = new LatencyTableBuilder(backend, table.data().batch(), 2, 5);
            b.warmUp(cfg, 2);
            mBefore = b.measureModel(cfg);
            mAfter = b.measureModel(small);
        }
        StepRecord last = schedule.steps().getLast();
        var summary = new PruneReport.Summary(o.checkpoint, o.lut, cfg, small, table.model(cfg), table.model(small),
                mBefore, mAfter, top1Before, Double.NaN, top1After, schedule.steps().size() - 1, last.batches(), schedule.eta(),
                schedule.stopReason(), String.format(Locale.ROOT, "target %.3f, interval %d, per-step %d, latency-reg %.3g, "
                        + "kl-coeff %.3g, kl-tau %.3g, importance %s, lr %.3g, batch %d, data %s, %s", o.target, o.interval,
                        o.perStep, o.latencyReg, o.klCoeff, o.klTau, o.importance, o.lr, o.batchSize, o.data, backend.name())
                + (comm.size() == 1 ? "" : ", " + comm.size() + " ranks (effective batch " + o.batchSize * comm.size() + ")"));
        AtomicFiles.writeString(dir.resolve("report.md"), PruneReport.markdown(summary));
        out.printf(Locale.ROOT, "stopped: %s after %d steps; %s -> %s; top-1 %.2f%% -> %.2f%% (before fine-tuning)%n",
                schedule.stopReason(), schedule.steps().size() - 1, ModelStats.summary(cfg), ModelStats.summary(small),
                100 * top1Before, 100 * top1After);
        if (!o.noMeasure)
            out.printf(Locale.ROOT, "latency at batch %d on %s: table %.4g -> %.4g s (%.2fx), measured %.4g -> %.4g s (%.2fx)%n",
                    table.data().batch(), backend.name(), table.model(cfg), table.model(small), table.model(small) / table.model(cfg),
                    mBefore, mAfter, mAfter / mBefore);
        out.printf("wrote %s/{model.safetensors, config.json, dims.csv, dims.png, latency.png, report.md, prune.ckpt}%n", dir);
        out.flush();
        return new Outcome(dir, cfg, small, summary);
    }

    /** Top-1 on the validation split; NaN (and a warning) when the model's logits are not finite. */
    private double accuracy(VisionTransformer m) {
        Evaluator.Result r;
        try (DataLoader val = DataLoader.eval(data.val(), aug, o.batchSize, o.workers)) {
            r = Evaluator.evaluate(m::predict, val, o.evalBatches);
        }
        if (r.finite()) return r.top1();
        out.printf("warning: the model's logits are not finite on %d of %d validation images: no accuracy%n", r.nonFinite(), r.images());
        out.flush();
        return Double.NaN;
    }

    /** A checksum of the starting weights: a resumed run must find the same teacher in the same file. */
    private static long crc(Map<String, Tensor> sd) {
        CRC32 c = new CRC32();
        java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(1 << 16);
        for (var e : sd.entrySet()) {
            c.update(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8));
            float[] a = e.getValue().toFloatArray();
            for (int i = 0; i < a.length; ) {
                buf.clear();
                while (buf.remaining() >= 4 && i < a.length) buf.putInt(Float.floatToRawIntBits(a[i++]));
                buf.flip();
                c.update(buf);
            }
        }
        return c.getValue();
    }
}
