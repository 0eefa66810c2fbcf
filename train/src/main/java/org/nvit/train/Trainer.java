package org.nvit.train;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import org.nvit.autograd.optim.AdamW;
import org.nvit.distributed.Communicator;
import org.nvit.distributed.SingleProcess;
import org.nvit.autograd.optim.CosineSchedule;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.Rng;
import org.nvit.engine.cpu.CpuPool;
import org.nvit.models.FineTune;
import org.nvit.models.ModelStats;
import org.nvit.weights.Models;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.data.AugmentConfig;
import org.nvit.data.Batch;
import org.nvit.data.DataLoader;
import org.nvit.data.DataSource;
import org.nvit.data.DataSources;
import org.nvit.weights.OutputGuard;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine.Option;

/**
 * The training loop: DeiT's recipe (AdamW, warm-up + cosine per step, stochastic depth, label smoothing, optional
 * Mixup/CutMix, EMA, gradient clipping, distillation) through the shared {@link TrainStep}, evaluation every epoch,
 * and checkpoints that survive a crash: last.ckpt (every epoch, every --checkpoint-every steps, and on SIGINT/SIGTERM),
 * model.safetensors and best.safetensors, metrics.jsonl and curves.png, all written to a temporary file and renamed.
 * A checkpoint is written only from finite weights.
 *
 * <p>Data parallel ({@link Communicator} of more than one rank): each rank trains on its shard of every global
 * batch ({@link DataLoader#shard}), {@link DataParallel} averages the gradients in the one step, rank 0 alone writes
 * files and logs, and a resumed run needs the same number of ranks (the data order depends on it).
 */
public final class Trainer {
    /** Options a resumed run may change (the rest must match the checkpoint). */
    static final Set<String> RESUME_OVERRIDES = Set.of("--epochs", "--lr", "--min-lr", "--warmup-lr", "--clip-grad",
            "--max-steps", "--checkpoint-every", "--workers", "--eval-batch-size");

    private final TrainOptions o;
    private final Path out;
    private final VitConfig cfg;
    private final Backend backend;
    private final VisionTransformer model;
    private final AdamW opt;
    private final TrainStep step;
    private final DataSource data;
    private final AugmentConfig aug;
    private final MetricsLog metrics;
    private final PrintStream log;
    /** stderr, and train.log in the run folder once the folder is known to be this run's. */
    private final RunLog teeLog = new RunLog(System.err);
    private final String source;
    private final Communicator comm;
    private final DataParallel parallel;
    private boolean profile;
    private TrainCheckpoint.Position pos;

    /** A fresh run on the backend registered for {@code options.device}. */
    public Trainer(TrainOptions options) throws IOException {
        this(options, null, registered(options.device), SingleProcess.INSTANCE);
    }

    /** A fresh run whose model, teacher and batches live on {@code backend}'s device. */
    public Trainer(TrainOptions options, Backend backend) throws IOException {
        this(options, null, backend, SingleProcess.INSTANCE);
    }

    /** A fresh run as one rank of {@code comm}'s job: {@code options.batchSize} is the batch of each rank. */
    public Trainer(TrainOptions options, Backend backend, Communicator comm) throws IOException {
        this(withRanks(options, comm), null, backend, comm);
    }

    private static TrainOptions withRanks(TrainOptions o, Communicator comm) {
        TrainOptions c = o.copy();
        c.ranks = comm.size();
        return c;
    }

    private Trainer(TrainOptions options, TrainCheckpoint.Loaded resume, Backend backend, Communicator comm) throws IOException {
        this.o = options.validate().resolved();
        this.backend = backend;
        this.comm = comm;
        this.log = comm.isRoot() ? new PrintStream(teeLog, true, java.nio.charset.StandardCharsets.UTF_8)
                : new PrintStream(java.io.OutputStream.nullOutputStream());
        if (o.ranks != comm.size())
            throw new IllegalArgumentException(Path.of(o.output).resolve("last.ckpt") + " was written by a run on " + o.ranks
                    + " rank(s) (" + o.batchSize + " images each); resume it on as many (mpirun -np " + o.ranks
                    + ", or nvit train --nproc " + o.ranks + "), not " + comm.size());
        this.out = Path.of(o.output);
        OutputGuard.checkFolder("--output", out, OUTPUTS, input("--init", o.init), input("--finetune", o.finetune),
                input("--teacher", o.teacher), input("--config", o.configFile));
        List<String> notes = new ArrayList<>();
        VitConfig c;
        Map<String, org.nvit.engine.Tensor> start = null;
        Set<String> fresh = Set.of();
        if (resume != null) {
            c = resume.config();
            source = o.finetune != null ? o.finetune : o.init != null ? o.init : o.model != null ? o.model : o.configFile;
        } else if (o.init != null) {
            WeightFiles.Loaded init = Models.read(Path.of(o.init), Models.parseHeads(o.initHeads));
            c = init.config();
            if (o.imgSize != null && o.imgSize != c.imageSize())
                throw new IllegalArgumentException("--init loads " + o.init + " exactly (image size " + c.imageSize()
                        + "); use --finetune to train it at --img-size " + o.imgSize);
            start = init.stateDict();
            source = o.init;
        } else if (o.finetune != null) {
            WeightFiles.Loaded ft = Models.read(Path.of(o.finetune), Models.parseHeads(o.initHeads));
            c = ft.config();
            start = ft.stateDict();
            source = o.finetune;
        } else {
            c = Models.config(o.model, o.configFile);
            if (o.imgSize != null) c = c.withImageSize(o.imgSize);
            source = o.model != null ? o.model : o.configFile;
        }
        int imageSize = o.finetune != null && o.imgSize != null ? o.imgSize : c.imageSize();
        this.data = DataSources.open(o.data, c.inChans(), imageSize, c.numClasses());
        if (data.channels() != c.inChans())
            throw new IllegalArgumentException("--data " + o.data + " has " + data.channels() + " channel(s) but the model takes "
                    + c.inChans() + "; pick a model for this data (e.g. --model vit_fmnist_patch7 for Fashion-MNIST)");
        if (o.numClasses != null && o.numClasses != data.numClasses())
            throw new IllegalArgumentException("--num-classes " + o.numClasses + " but --data " + o.data + " has " + data.numClasses()
                    + " classes; drop --num-classes or give the data set's count");
        if (resume == null && o.finetune != null) {
            FineTune.Adapted a = FineTune.adapt(c, start, data.numClasses(), imageSize);
            c = a.config();
            start = a.weights();
            fresh = a.fresh();
            notes.addAll(a.notes());
        } else if (data.numClasses() != c.numClasses()) {
            if (o.init != null || resume != null)
                throw new IllegalArgumentException((resume != null ? "the checkpoint's model" : "--init " + o.init) + " has "
                        + c.numClasses() + " classes but --data " + o.data + " has " + data.numClasses()
                        + (resume != null ? "" : "; use --finetune to train it with a new head"));
            notes.add("the model has " + c.numClasses() + " classes, the data " + data.numClasses() + ": using a "
                    + data.numClasses() + "-class head");
            c = c.withNumClasses(data.numClasses());
        }
        this.cfg = c;
        this.aug = augmentation(AugmentConfig.defaultsFor(data, cfg.imageSize()), o);
        this.model = new VisionTransformer(cfg, o.seed);
        if (start != null) model.loadStateDict(start, fresh);
        model.to(backend); // before the optimizer and EMA, whose state follows the parameters' device
        this.opt = new AdamW(model.parameters().values(), o.peakLr(), o.weightDecay);
        WeightEma ema = o.emaDecay > 0 ? new WeightEma(model.parameters(), o.emaDecay) : null;
        VisionTransformer teacher = o.teacher == null || "none".equals(o.distillationType) ? null
                : Models.load(Path.of(o.teacher), Models.parseHeads(o.teacherHeads)).to(backend);
        if (teacher != null && teacher.config().numClasses() != cfg.numClasses())
            throw new IllegalArgumentException("the teacher has " + teacher.config().numClasses() + " classes but the student "
                    + cfg.numClasses());
        this.step = new TrainStep(model, opt, new DistillationLoss(o.distillationType, o.distillationAlpha, o.distillationTau),
                teacher, o.clipGrad, ema);
        this.parallel = comm.size() > 1 ? new DataParallel(comm) : null;
        if (parallel != null) step.withGradientSync(parallel);
        this.metrics = new MetricsLog(out.resolve("metrics.jsonl"));
        if (resume != null) {
            model.loadStateDict(resume.model());
            opt.loadState(resume.optimizer());
            if (ema != null && resume.ema() != null) ema.load(resume.ema());
            pos = resume.position();
            metrics.load(pos.epoch());
        } else {
            pos = new TrainCheckpoint.Position(0, 0, 0, -1, o.seed);
        }
        for (String n : notes) log.println("note: " + n);
        this.resumed = resume != null;
    }

    private final boolean resumed;

    /**
     * Continues the run saved in dir/last.ckpt with its saved options; epochs > 0 extends or shortens the run and
     * maxSteps (0 = none) bounds this invocation, as --max-steps does for a fresh one.
     */
    public static Trainer resume(Path dir, int epochs, long maxSteps) throws IOException {
        return resume(dir, epochs, maxSteps, saved -> registered(saved.device));
    }

    /** The same on the backend that {@code device} picks from the saved options (device, precision). */
    public static Trainer resume(Path dir, int epochs, long maxSteps, Function<TrainOptions, Backend> device) throws IOException {
        return resume(dir, epochs, maxSteps, device, SingleProcess.INSTANCE);
    }

    /** The same as one rank of {@code comm}'s job (as many ranks as the run that wrote the checkpoint). */
    public static Trainer resume(Path dir, int epochs, long maxSteps, Function<TrainOptions, Backend> device, Communicator comm)
            throws IOException {
        TrainOptions given = new TrainOptions();
        List<String> flags = new ArrayList<>(List.of("--max-steps"));
        given.maxSteps = maxSteps;
        if (epochs > 0) {
            given.epochs = epochs;
            flags.add("--epochs");
        }
        return resume(dir, given, Set.copyOf(flags), device, comm);
    }

    /**
     * Continues the run saved in dir/last.ckpt. Of {@code given}, the options named in {@code explicit} (the flags the
     * user typed) are applied when a resumed run may change them ({@link #RESUME_OVERRIDES}: epochs, lr, clipping, ...)
     * and must otherwise equal the checkpoint's; each applied change is said on stderr. --max-steps bounds this
     * invocation only (0: none), whatever the saved run had.
     */
    public static Trainer resume(Path dir, TrainOptions given, Set<String> explicit, Function<TrainOptions, Backend> device)
            throws IOException {
        return resume(dir, given, explicit, device, SingleProcess.INSTANCE);
    }

    /** The same as one rank of {@code comm}'s job; every rank reads the same last.ckpt. */
    public static Trainer resume(Path dir, TrainOptions given, Set<String> explicit, Function<TrainOptions, Backend> device,
                                 Communicator comm) throws IOException {
        if (Files.isRegularFile(dir)) dir = dir.toAbsolutePath().getParent(); // --resume RUN/last.ckpt is the run RUN
        TrainCheckpoint.Loaded l = TrainCheckpoint.load(dir.resolve("last.ckpt"));
        TrainOptions opts = l.options();
        opts.output = dir.toString();
        opts.evalOnly = given.evalOnly;
        opts.maxSteps = given.maxSteps; // a limit of the invocation that saved the checkpoint, not of the run
        List<String> applied = new ArrayList<>();
        for (String flag : explicit) {
            Field f = optionField(flag);
            // the folder is the resumed run's; --eval and --overwrite say what this invocation does, not the recipe
            if (f == null || f.getName().equals("output") || f.getName().equals("evalOnly") || f.getName().equals("overwrite")) continue;
            try {
                Object was = f.get(opts), now = f.get(given);
                if (Objects.equals(was, now)) continue;
                if (!RESUME_OVERRIDES.contains(flag))
                    throw new IllegalArgumentException(flag + " " + now + " conflicts with the checkpoint's " + was + " in " + dir
                            + "; a resumed run may change only " + String.join(", ", new java.util.TreeSet<>(RESUME_OVERRIDES)));
                f.set(opts, now);
                if (!flag.equals("--max-steps")) applied.add(flag + " " + now + " (was " + was + ")");
            } catch (IllegalAccessException e) {
                throw new IllegalStateException(e);
            }
        }
        Trainer t = new Trainer(opts, l, device.apply(opts), comm);
        t.log.printf("resumed from %s at epoch %d, batch %d (step %d)%s%n", dir.resolve("last.ckpt"),
                l.position().epoch() + 1, l.position().batch(), l.position().step(),
                applied.isEmpty() ? "" : "; applied " + String.join(", ", applied));
        return t;
    }

    /** The TrainOptions field bound to a flag name, or null. */
    private static Field optionField(String flag) {
        for (Field f : TrainOptions.class.getFields()) {
            Option opt = f.getAnnotation(Option.class);
            if (opt != null && Arrays.asList(opt.names()).contains(flag)) return f;
        }
        return null;
    }

    public VisionTransformer model() { return model; }

    /** Also report the time per step, images/s and, data parallel, the gradient all-reduce time per step. */
    public Trainer profile(boolean on) {
        profile = on;
        return this;
    }

    /** The backend of a device name without the CLI's GPU probing: "auto" takes CUDA only if it is registered. */
    static Backend registered(String device) {
        if ("auto".equalsIgnoreCase(device)) {
            try {
                return Backends.of(Device.CUDA);
            } catch (IllegalStateException none) {
                return Backends.cpu();
            }
        }
        Device d = Device.parse(device == null ? "cpu" : device);
        try {
            return Backends.of(d);
        } catch (IllegalStateException e) {
            throw new IllegalArgumentException("device " + device + " has no backend loaded (the nvit CLI loads the CUDA"
                    + " backend for --device cuda); use --device cpu");
        }
    }

    public VitConfig config() { return cfg; }

    /** The augmentation this run trains with. */
    public AugmentConfig augmentation() { return aug; }

    /** Runs the remaining epochs; returns the last epoch's evaluation. */
    public Evaluator.Result run() throws IOException {
        if (o.evalOnly) return evaluateOnly();
        if (comm.isRoot()) {
            if (!resumed && !o.overwrite) refuseAnExistingRun();
            Files.createDirectories(out);
            org.nvit.weights.AtomicFiles.removeStaleTemporaries(out); // left by a run that was killed while writing
            teeLog.attach(out.resolve("train.log"));
            if (!resumed) RunRecord.write(out.resolve("args.json"), o, aug, cfg);
        }
        try (StopSignal signal = new StopSignal();
             DataLoader train = comm.size() == 1 ? DataLoader.train(data.train(), aug, o.batchSize, o.seed, o.workers)
                     : DataLoader.shard(data.train(), aug, o.batchSize, o.seed, o.workers, comm.rank(), comm.size());
             DataLoader val = DataLoader.eval(valPart(), aug, o.evalBatchSize, o.workers)) {
            return loop(train, val, signal);
        }
    }

    /**
     * A fresh run must not write into a folder that holds another run: metrics.jsonl would be truncated and
     * best.safetensors replaced. --resume continues that run, --overwrite replaces it.
     */
    private void refuseAnExistingRun() {
        List<String> found = new ArrayList<>();
        for (String f : List.of("last.ckpt", "metrics.jsonl", "model.safetensors", "best.safetensors"))
            if (Files.exists(out.resolve(f))) found.add(f);
        if (!found.isEmpty())
            throw new IllegalArgumentException("--output " + out + " already holds a run (" + String.join(", ", found)
                    + "); continue it with --resume " + out + ", replace it with --overwrite, or choose another --output");
    }

    /** --eval: the validation split's top-1, top-5 and loss of the model this run would train, without training. */
    private Evaluator.Result evaluateOnly() {
        Evaluator.Result r;
        try (DataLoader val = DataLoader.eval(valPart(), aug, o.evalBatchSize, o.workers)) {
            r = Evaluator.evaluate(model, val);
            if (data.val().size() >= comm.size()) r = Evaluator.overRanks(r, comm);
        }
        log.printf(Locale.ROOT, "eval of %s on %s: top-1 %.2f%%  top-5 %.2f%%  loss %.4f  (%d images)%n", source, o.data,
                100 * r.top1(), 100 * r.top5(), r.loss(), r.images());
        return r;
    }

    /** Data parallel: this rank's contiguous part of the validation split (the counts are added up over the ranks). */
    private org.nvit.data.Dataset valPart() {
        org.nvit.data.Dataset v = data.val();
        if (comm.size() == 1 || v.size() < comm.size()) return v;
        return v.slice((int) ((long) v.size() * comm.rank() / comm.size()), (int) ((long) v.size() * (comm.rank() + 1) / comm.size()));
    }

    private Evaluator.Result loop(DataLoader train, DataLoader val, StopSignal signal) throws IOException {
        int perEpoch = train.batchesPerEpoch();
        if (perEpoch == 0)
            throw new IllegalArgumentException("the training split has " + data.train().size() + " images, fewer than one batch of "
                    + o.batchSize + "; lower --batch-size");
        int epochs = o.epochs();
        checkPosition(perEpoch, epochs);
        long total = (long) perEpoch * epochs;
        CosineSchedule lr = new CosineSchedule(o.peakLr(), o.minLr(), (int) Math.round(o.warmup() * perEpoch), (int) total, o.warmupLr());
        log.printf(Locale.ROOT, "model: %s, %,d params, %.1f MMAC/image; data: %s (%d train, %d val); %d epochs x %d steps, "
                        + "batch %s, peak lr %.2e; %s on %d threads%s; output %s%n",
                source, ModelStats.params(cfg), ModelStats.macs(cfg) / 1e6, o.data, data.train().size(), data.val().size(),
                epochs, perEpoch, comm.size() == 1 ? String.valueOf(o.batchSize)
                        : o.batchSize + " per rank x " + comm.size() + " ranks = " + o.effectiveBatch() + " effective",
                o.peakLr(), backend.name(), CpuPool.threads(), comm.size() == 1 ? "" : " per rank, " + comm.name(), out);
        log.println("augmentation: " + aug);
        Evaluator.Result last = null;
        StepTimer timer = new StepTimer();
        for (int epoch = pos.epoch(); epoch < epochs; epoch++) {
            long t0 = System.nanoTime();
            EpochProgress bar = comm.isRoot() ? new EpochProgress(epoch, epochs, perEpoch, pos.batch()) : null;
            double lossSum = 0;
            long images = 0;
            int steps = 0;
            try (var it = train.iterator(epoch, pos.batch())) {
                while (it.hasNext()) {
                    Batch b = it.next();
                    double rate = lr.lr(pos.step());
                    if (parallel != null) parallel.voteStop(signal.requested());
                    double loss = step(b, rate);
                    lossSum += loss;
                    images += (long) b.size() * comm.size();
                    steps++;
                    timer.stepDone();
                    pos = new TrainCheckpoint.Position(epoch, b.index() + 1, pos.step() + 1, pos.bestTop1(), o.seed);
                    if (bar != null) bar.step(loss, rate, images / ((System.nanoTime() - t0) / 1e9));
                    // every rank must stop at the same step: data parallel, on the vote carried by this step's all-reduce
                    boolean stop = parallel != null ? parallel.stopAgreed() : signal.requested();
                    boolean periodic = o.checkpointEvery > 0 && pos.step() % o.checkpointEvery == 0;
                    boolean limit = o.maxSteps > 0 && pos.step() >= o.maxSteps;
                    if (periodic || stop || limit) saveLast();
                    if (stop) {
                        if (bar != null) bar.close();
                        timer.report();
                        log.printf("stopped: checkpoint saved at epoch %d, batch %d (step %d); continue with --resume %s%n",
                                epoch + 1, pos.batch(), pos.step(), out);
                        return last;
                    }
                    if (limit) {
                        if (bar != null) bar.close();
                        timer.report();
                        log.printf("stopped at --max-steps %d (epoch %d, batch %d)%n", o.maxSteps, epoch + 1, pos.batch());
                        return last;
                    }
                }
            }
            if (bar != null) bar.close();
            timer.report();
            double seconds = (System.nanoTime() - t0) / 1e9;
            last = Evaluator.evaluate(model, val);
            if (data.val().size() >= comm.size()) last = Evaluator.overRanks(last, comm);
            double trainLoss = steps == 0 ? Double.NaN : lossSum / steps;
            EpochMetrics m = new EpochMetrics(epoch + 1, trainLoss, last.loss(), 100 * last.top1(), 100 * last.top5(), lr.lr(pos.step() - 1),
                    images / seconds, seconds);
            if (comm.isRoot()) metrics.append(m);
            // a model with NaN/Inf logits or a non-finite validation loss is broken, whatever its top-1 says: never the best
            boolean finite = last.finite();
            boolean best = finite && last.top1() > pos.bestTop1();
            pos = new TrainCheckpoint.Position(epoch + 1, 0, pos.step(), best ? last.top1() : pos.bestTop1(), o.seed);
            if (comm.isRoot()) {
                WeightFiles.export(out.resolve("model.safetensors"), cfg, model.stateDict(), ModelFileMetadata.of(aug, data.train().classNames()));
                if (best) WeightFiles.export(out.resolve("best.safetensors"), cfg, model.stateDict(), ModelFileMetadata.of(aug, data.train().classNames()));
                if (step.ema() != null) WeightFiles.export(out.resolve("model_ema.safetensors"), cfg, step.ema().weights(), ModelFileMetadata.of(aug, data.train().classNames()));
            }
            saveLast();
            try {
                if (comm.isRoot()) Curves.write(out.resolve("curves.png"), metrics.entries());
            } catch (LinkageError noDesktop) { // a runtime without java.desktop (the GPU bundle): train on, chartless
                log.println("note: curves.png not drawn (this Java runtime has no java.desktop module)");
            }
            log.printf(Locale.ROOT, "epoch %d/%d  train_loss %.4f  val_loss %s  top1 %.2f%%  top5 %.2f%%  lr %.2e  %.0f img/s  %.1f s%s%n",
                    epoch + 1, epochs, trainLoss, finite ? String.format(Locale.ROOT, "%.4f", last.loss())
                            : "non-finite (" + last.nonFinite() + " of " + last.images() + " images had NaN/Inf logits)",
                    100 * last.top1(), 100 * last.top5(),
                    m.lr(), m.imagesPerS(), seconds, best ? "  (best)" : "");
        }
        log.printf(Locale.ROOT, "done: best top-1 %.2f%%; outputs in %s%n", 100 * Math.max(0, pos.bestTop1()), out);
        return last;
    }

    /** A resumed position must lie inside this run: a damaged or foreign checkpoint is refused, not trusted. */
    private void checkPosition(int perEpoch, int epochs) {
        TrainCheckpoint.Position p = pos;
        String where = out.resolve("last.ckpt") + ": ";
        if (p.epoch() < 0 || p.epoch() > epochs)
            throw new IllegalArgumentException(where + "saved epoch " + p.epoch() + " is outside this run's 0.." + epochs
                    + " (extend it with --epochs)");
        if (p.batch() < 0 || p.batch() > perEpoch)
            throw new IllegalArgumentException(where + "saved batch " + p.batch() + " is outside an epoch's 0.." + perEpoch);
        if (p.step() != (long) p.epoch() * perEpoch + p.batch())
            throw new IllegalArgumentException(where + "saved step " + p.step() + " does not match epoch " + p.epoch()
                    + " and batch " + p.batch() + " at " + perEpoch + " steps per epoch (was the data changed?)");
        if (p.seed() != o.seed)
            throw new IllegalArgumentException(where + "saved seed " + p.seed() + " differs from the run's " + o.seed);
    }

    /** One optimizer step on a batch; returns the loss. */
    private double step(Batch b, double rate) {
        long key = Rng.mix(o.seed * 0x9E3779B97F4A7C15L + pos.step());
        // data parallel: each rank's slice draws its own stochastic depth (the same draws on every rank would correlate them)
        Rng rng = new Rng(comm.size() == 1 ? key : Rng.mix(key + comm.rank()));
        try {
            return step.run(b, rate, o.dropPath(), rng);
        } catch (TrainStep.NonFiniteLoss e) {
            Path ckpt = out.resolve("last.ckpt");
            throw new TrainingDivergedException(String.format(Locale.ROOT,
                    "loss is %s at step %d (epoch %d, batch %d); %s; try a lower --lr or --clip-grad 1.0", e.loss,
                    pos.step() + 1, b.epoch() + 1, b.index(), Files.exists(ckpt)
                            ? "the last checkpoint is " + ckpt + " (continue from it with --resume " + out + " --lr <lower>)"
                            : "no checkpoint was written yet (checkpoints are written every epoch and every --checkpoint-every steps)"));
        }
    }

    /**
     * Writes last.ckpt (rank 0: every rank holds the same state), unless the weights are no longer finite (a
     * checkpoint must be one to go back to).
     */
    private void saveLast() throws IOException {
        // what rank 0 writes must be every rank's state: checked at every checkpoint, with one small all-reduce
        ReplicaCheck.verify(comm, "weights at step " + pos.step(), comm.size() == 1 ? 0 : ReplicaCheck.hash(model.stateDict()));
        if (!comm.isRoot()) return;
        String bad = WeightCheck.firstNonFinite(model.stateDict());
        if (bad != null) {
            log.printf("warning: not checkpointing at step %d: %s holds NaN or infinite values; %s keeps the last finite state%n",
                    pos.step(), bad, out.resolve("last.ckpt"));
            return;
        }
        TrainCheckpoint.save(out.resolve("last.ckpt"), cfg, o, pos, model.stateDict(), opt.state(),
                step.ema() == null ? null : step.ema().weights());
    }

    /**
     * --profile: wall time per step after {@link #WARM_UP} steps (the JIT's and the allocator's warm-up), the job's
     * images/s and, data parallel, the gradient synchronisation and its all-reduce calls per step (rank 0's, which
     * include waiting for the slowest rank).
     */
    private final class StepTimer {
        static final int WARM_UP = 5;
        private int seen;
        private long t0;

        void stepDone() {
            if (++seen == WARM_UP) {
                t0 = System.nanoTime();
                if (parallel != null) parallel.resetTimings();
            }
        }

        void report() {
            int timed = seen - WARM_UP;
            if (!profile || timed <= 0) return;
            double ms = (System.nanoTime() - t0) / 1e6 / timed;
            String sync = parallel == null ? "" : String.format(Locale.ROOT, "; gradient sync %.2f ms/step (%.1f%%), of which"
                    + " all-reduce %.2f ms (%s)", parallel.syncMsPerStep(), 100 * parallel.syncMsPerStep() / ms,
                    parallel.allReduceMsPerStep(), parallel.describe());
            log.printf(Locale.ROOT, "profile: %d steps after %d warm-up: %.1f ms/step, %.1f images/s (%d rank%s x %d)%s%n", timed,
                    WARM_UP, ms, o.effectiveBatch() * 1000 / ms, comm.size(), comm.size() == 1 ? "" : "s", o.batchSize, sync);
        }
    }

    /** The data set's default augmentation with the user's explicit switches applied, field by field. */
    static AugmentConfig augmentation(AugmentConfig base, TrainOptions o) {
        AugmentConfig a = base;
        if (o.smoothing != null) a = a.withSmoothing(o.smoothing);
        if (o.mixup != null) a = a.withMixup(o.mixup);
        if (o.cutmix != null) a = a.withCutmix(o.cutmix);
        if (o.hflip != null) a = a.withHflip(o.hflip ? 0.5 : 0);
        if (o.randAugment != null) a = a.withRandAugment(o.randAugment);
        // the data set's crop, whichever it is (RandomResizedCrop or pad-and-crop): off turns off both; on keeps the
        // default crop, or adds one where the data set has none: pad-2 crop for small images, RandomResizedCrop else
        if (o.randomCrop != null && !o.randomCrop) a = a.withRandomResizedCrop(false).withPadCrop(0);
        if (o.randomCrop != null && o.randomCrop && !base.randomResizedCrop() && base.padCrop() == 0)
            a = base.imageSize() <= 64 ? a.withPadCrop(2) : a.withRandomResizedCrop(true);
        if (o.reprob != null) a = a.withErasing(o.reprob);
        if (o.aug != null && !o.aug.isBlank()) a = a.withOverrides(o.aug);
        return a;
    }

    /** The files a run writes into its folder. */
    static final List<String> OUTPUTS = List.of("model.safetensors", "best.safetensors", "model_ema.safetensors", "last.ckpt",
            "metrics.jsonl", "curves.png");

    private static OutputGuard.Input input(String option, String path) { return OutputGuard.input(option, path == null ? null : Path.of(path)); }

    /** The output folder's files. */
    public Map<String, Path> outputs() {
        return Map.of("model", out.resolve("model.safetensors"), "best", out.resolve("best.safetensors"),
                "last", out.resolve("last.ckpt"), "metrics", out.resolve("metrics.jsonl"), "curves", out.resolve("curves.png"));
    }
}
