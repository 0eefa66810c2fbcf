package org.nvit.models.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.nvit.autograd.Var;
import org.nvit.autograd.optim.AdamW;
import org.nvit.autograd.optim.CosineSchedule;
import org.nvit.autograd.optim.GradClip;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.engine.cpu.CpuPool;
import org.nvit.models.ModelStats;
import org.nvit.models.Models;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.models.data.AugmentConfig;
import org.nvit.models.data.Batch;
import org.nvit.models.data.DataLoader;
import org.nvit.models.data.DataSource;
import org.nvit.models.data.DataSources;
import org.nvit.models.io.WeightFiles;

/**
 * The training loop: DeiT's recipe (AdamW, warm-up + cosine per step, stochastic depth, label smoothing, optional
 * Mixup/CutMix, EMA, gradient clipping, distillation), evaluation every epoch, and checkpoints that survive a crash:
 * last.ckpt (every epoch, every --checkpoint-every steps, and on SIGINT/SIGTERM), model.safetensors and
 * best.safetensors, metrics.jsonl and curves.png, all written to a temporary file and renamed.
 */
public final class Trainer {
    private final TrainOptions o;
    private final Path out;
    private final VitConfig cfg;
    private final Backend backend;
    private final VisionTransformer model;
    private final AdamW opt;
    private final WeightEma ema;
    private final VisionTransformer teacher;
    private final DistillationLoss criterion;
    private final DataSource data;
    private final AugmentConfig aug;
    private final MetricsLog metrics;
    private final PrintStream log = System.err;
    private TrainCheckpoint.Position pos;
    private volatile boolean stopRequested;
    private final CountDownLatch stopped = new CountDownLatch(1);

    /** A fresh run on the backend registered for {@code options.device}. */
    public Trainer(TrainOptions options) throws IOException {
        this(options, null, registered(options.device));
    }

    /** A fresh run whose model, teacher and batches live on {@code backend}'s device. */
    public Trainer(TrainOptions options, Backend backend) throws IOException {
        this(options, null, backend);
    }

    private Trainer(TrainOptions options, TrainCheckpoint.Loaded resume, Backend backend) throws IOException {
        this.o = options.validate();
        this.backend = backend;
        this.out = Path.of(o.output);
        WeightFiles.Loaded init = resume == null && o.init != null ? Models.read(Path.of(o.init), Models.parseHeads(o.initHeads)) : null;
        VitConfig c = resume != null ? resume.config() : init != null ? init.config() : Models.config(o.model, o.configFile);
        this.data = DataSources.open(o.data, c.inChans(), c.imageSize(), c.numClasses());
        if (data.channels() != c.inChans())
            throw new IllegalArgumentException("--data " + o.data + " has " + data.channels() + " channel(s) but the model takes "
                    + c.inChans() + "; pick a model for this data (e.g. --model vit_fmnist_patch7 for Fashion-MNIST)");
        if (data.numClasses() != c.numClasses()) {
            log.printf("note: the model has %d classes, the data %d: using a %d-class head%n", c.numClasses(),
                    data.numClasses(), data.numClasses());
            c = c.withNumClasses(data.numClasses());
        }
        this.cfg = c;
        this.aug = augmentation(AugmentConfig.defaultsFor(data, cfg.imageSize()), o);
        this.model = new VisionTransformer(cfg, o.seed);
        if (init != null) {
            if (cfg.numClasses() != init.config().numClasses())
                throw new IllegalArgumentException("--init " + o.init + " has " + init.config().numClasses()
                        + " classes but --data " + o.data + " has " + cfg.numClasses());
            model.loadStateDict(init.stateDict());
        }
        model.to(backend); // before the optimizer and EMA, whose state follows the parameters' device
        this.opt = new AdamW(model.parameters().values(), o.peakLr(), o.weightDecay);
        this.ema = o.emaDecay > 0 ? new WeightEma(model.parameters(), o.emaDecay) : null;
        this.teacher = o.teacher == null || "none".equals(o.distillationType) ? null
                : Models.load(Path.of(o.teacher), Models.parseHeads(o.teacherHeads)).to(backend);
        if (teacher != null && teacher.config().numClasses() != cfg.numClasses())
            throw new IllegalArgumentException("the teacher has " + teacher.config().numClasses() + " classes but the student "
                    + cfg.numClasses());
        this.criterion = new DistillationLoss(o.distillationType, o.distillationAlpha, o.distillationTau);
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
    }

    /**
     * Continues the run saved in dir/last.ckpt with its saved options; epochs > 0 extends or shortens the run and
     * maxSteps (0 = none) bounds this invocation, as --max-steps does for a fresh one.
     */
    public static Trainer resume(Path dir, int epochs, long maxSteps) throws IOException {
        return resume(dir, epochs, maxSteps, saved -> registered(saved.device));
    }

    /** The same on the backend that {@code device} picks from the saved options (device, precision). */
    public static Trainer resume(Path dir, int epochs, long maxSteps, java.util.function.Function<TrainOptions, Backend> device)
            throws IOException {
        TrainCheckpoint.Loaded l = TrainCheckpoint.load(dir.resolve("last.ckpt"));
        TrainOptions opts = l.options();
        opts.output = dir.toString();
        if (epochs > 0) opts.epochs = epochs;
        opts.maxSteps = maxSteps;
        Trainer t = new Trainer(opts, l, device.apply(opts));
        System.err.printf("resumed from %s at epoch %d, batch %d (step %d)%n", dir.resolve("last.ckpt"),
                l.position().epoch() + 1, l.position().batch(), l.position().step());
        return t;
    }

    public VisionTransformer model() { return model; }

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

    /** Runs the remaining epochs; returns the last epoch's evaluation. */
    public Evaluator.Result run() throws IOException {
        Files.createDirectories(out);
        Thread hook = new Thread(this::onSignal, "nvit-checkpoint-on-exit");
        Runtime.getRuntime().addShutdownHook(hook);
        try (DataLoader train = DataLoader.train(data.train(), aug, o.batchSize, o.seed, o.workers);
             DataLoader val = DataLoader.eval(data.val(), aug, o.evalBatchSize, o.workers)) {
            return loop(train, val);
        } finally {
            stopped.countDown();
            try { Runtime.getRuntime().removeShutdownHook(hook); } catch (IllegalStateException shuttingDown) { /* exiting */ }
        }
    }

    private Evaluator.Result loop(DataLoader train, DataLoader val) throws IOException {
        int perEpoch = train.batchesPerEpoch();
        if (perEpoch == 0)
            throw new IllegalArgumentException("the training split has " + data.train().size() + " images, fewer than one batch of "
                    + o.batchSize + "; lower --batch-size");
        long total = (long) perEpoch * o.epochs;
        CosineSchedule lr = new CosineSchedule(o.peakLr(), o.minLr, (int) Math.round(o.warmup() * perEpoch), (int) total, o.warmupLr);
        log.printf(Locale.ROOT, "model: %s, %,d params, %.1f MMAC/image; data: %s (%d train, %d val); %d epochs x %d steps, "
                        + "batch %d, peak lr %.2e; %s on %d threads; output %s%n",
                o.init != null ? o.init : o.model != null ? o.model : o.configFile, ModelStats.params(cfg), ModelStats.macs(cfg) / 1e6, o.data,
                data.train().size(), data.val().size(), o.epochs, perEpoch, o.batchSize, o.peakLr(), backend.name(),
                CpuPool.threads(), out);
        Evaluator.Result last = null;
        for (int epoch = pos.epoch(); epoch < o.epochs; epoch++) {
            long t0 = System.nanoTime();
            EpochProgress bar = new EpochProgress(epoch, o.epochs, perEpoch, pos.batch());
            double lossSum = 0;
            long images = 0;
            int steps = 0;
            try (var it = train.iterator(epoch, pos.batch())) {
                while (it.hasNext()) {
                    Batch b = it.next();
                    double rate = lr.lr(pos.step());
                    double loss = step(b, rate);
                    lossSum += loss;
                    images += b.size();
                    steps++;
                    pos = new TrainCheckpoint.Position(epoch, b.index() + 1, pos.step() + 1, pos.bestTop1(), o.seed);
                    bar.step(loss, rate, images / ((System.nanoTime() - t0) / 1e9));
                    boolean periodic = o.checkpointEvery > 0 && pos.step() % o.checkpointEvery == 0;
                    boolean limit = o.maxSteps > 0 && pos.step() >= o.maxSteps;
                    if (periodic || stopRequested || limit) saveLast();
                    if (stopRequested) {
                        bar.close();
                        log.printf("stopped: checkpoint saved at epoch %d, batch %d (step %d); continue with --resume %s%n",
                                epoch + 1, pos.batch(), pos.step(), out);
                        return last;
                    }
                    if (limit) {
                        bar.close();
                        log.printf("stopped at --max-steps %d (epoch %d, batch %d)%n", o.maxSteps, epoch + 1, pos.batch());
                        return last;
                    }
                }
            }
            bar.close();
            double seconds = (System.nanoTime() - t0) / 1e9;
            last = Evaluator.evaluate(model, val);
            double trainLoss = steps == 0 ? Double.NaN : lossSum / steps;
            EpochMetrics m = new EpochMetrics(epoch, trainLoss, last.loss(), last.top1(), last.top5(), lr.lr(pos.step() - 1),
                    images / seconds, seconds);
            metrics.append(m);
            boolean best = last.top1() > pos.bestTop1();
            pos = new TrainCheckpoint.Position(epoch + 1, 0, pos.step(), Math.max(pos.bestTop1(), last.top1()), o.seed);
            WeightFiles.export(out.resolve("model.safetensors"), cfg, model.stateDict());
            if (best) WeightFiles.export(out.resolve("best.safetensors"), cfg, model.stateDict());
            if (ema != null) WeightFiles.export(out.resolve("model_ema.safetensors"), cfg, ema.weights());
            saveLast();
            try {
                Curves.write(out.resolve("curves.png"), metrics.entries());
            } catch (LinkageError noDesktop) { // a runtime without java.desktop (the GPU bundle): train on, chartless
                log.println("note: curves.png not drawn (this Java runtime has no java.desktop module)");
            }
            log.printf(Locale.ROOT, "epoch %d/%d  train_loss %.4f  val_loss %.4f  top1 %.2f%%  top5 %.2f%%  lr %.2e  %.0f img/s  %.1f s%s%n",
                    epoch + 1, o.epochs, trainLoss, last.loss(), 100 * last.top1(), 100 * last.top5(), m.lr(),
                    m.imagesPerS(), seconds, best ? "  (best)" : "");
        }
        log.printf(Locale.ROOT, "done: best top-1 %.2f%%; outputs in %s%n", 100 * pos.bestTop1(), out);
        return last;
    }

    /** One optimizer step on a batch; returns the loss. Its buffers are recycled by the next step. */
    private double step(Batch b, double rate) {
        try (MemoryScope scope = MemoryScope.open()) {
            return scopedStep(b, rate);
        }
    }

    private double scopedStep(Batch b, double rate) {
        Rng rng = new Rng(Rng.mix(o.seed * 0x9E3779B97F4A7C15L + pos.step()));
        // only the batch goes to the device; the loss comes back as one number
        Tensor images = model.onDevice(b.images()), targets = model.onDevice(b.targets());
        Tensor teacherLogits = teacher == null ? null : teacher.predict(images);
        VisionTransformer.Output outp = model.forward(Var.constant(images), true, o.dropPath, rng);
        Var loss = criterion.loss(outp, targets, teacherLogits);
        double value = loss.value().getFlat(0);
        if (!Double.isFinite(value))
            throw new TrainingDivergedException(String.format(Locale.ROOT,
                    "loss is %s at step %d (epoch %d, batch %d); the last good checkpoint is kept in %s; "
                            + "try a lower --lr or --clip-grad 1.0", value, pos.step() + 1, b.epoch() + 1, b.index(),
                    out.resolve("last.ckpt")));
        loss.backward();
        if (o.clipGrad > 0) GradClip.clipGlobalNorm(model.parameters().values(), o.clipGrad);
        opt.setLr(rate);
        opt.step();
        opt.zeroGrad();
        if (ema != null) ema.update(model.parameters());
        return value;
    }

    private void saveLast() throws IOException {
        TrainCheckpoint.save(out.resolve("last.ckpt"), cfg, o, pos, model.stateDict(), opt.state(),
                ema == null ? null : ema.weights());
    }

    /** SIGINT/SIGTERM: ask the loop to checkpoint at the next step boundary and wait for it (bounded). */
    private void onSignal() {
        stopRequested = true;
        try {
            stopped.await(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The data set's default augmentation with the user's explicit switches applied. */
    static AugmentConfig augmentation(AugmentConfig base, TrainOptions o) {
        StringBuilder s = new StringBuilder();
        if (o.smoothing != null) s.append(",smoothing=").append(o.smoothing);
        if (o.mixup != null) s.append(",mixup=").append(o.mixup);
        if (o.cutmix != null) s.append(",cutmix=").append(o.cutmix);
        if (o.hflip != null) s.append(",hflip=").append(o.hflip ? 0.5 : 0);
        if (o.randAugment != null) s.append(",randaug=").append(o.randAugment ? 1 : 0);
        // the data set's crop, whichever it is (RandomResizedCrop or pad-and-crop): off turns off both; on keeps the
        // default crop, or adds one where the data set has none: pad-2 crop for small images, RandomResizedCrop else
        if (o.randomCrop != null && !o.randomCrop) s.append(",rrc=0,pad=0");
        if (o.randomCrop != null && o.randomCrop && !base.randomResizedCrop() && base.padCrop() == 0)
            s.append(base.imageSize() <= 64 ? ",pad=2" : ",rrc=1");
        if (o.reprob != null) s.append(",erasing=").append(o.reprob);
        if (o.aug != null && !o.aug.isBlank()) s.append(',').append(o.aug);
        return s.isEmpty() ? base : base.withOverrides(s.substring(1));
    }

    /** The output folder's files. */
    public Map<String, Path> outputs() {
        return Map.of("model", out.resolve("model.safetensors"), "best", out.resolve("best.safetensors"),
                "last", out.resolve("last.ckpt"), "metrics", out.resolve("metrics.jsonl"), "curves", out.resolve("curves.png"));
    }
}
