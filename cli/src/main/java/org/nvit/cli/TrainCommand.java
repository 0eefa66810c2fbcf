package org.nvit.cli;

import java.util.concurrent.Callable;
import org.nvit.models.train.Recipe;
import org.nvit.models.train.TrainOptions;
import org.nvit.models.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code nvit train}: trains a ViT/DeiT/NViT from scratch (DeiT recipe); with no arguments, the default job. */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Train a model from scratch (DeiT recipe). With no arguments: the default small ViT on Fashion-MNIST.")
public final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Preset name (default: ${DEFAULT-VALUE}).", defaultValue = "vit_fmnist_patch7")
    String model;
    @Option(names = "--config", description = "Model config JSON file (instead of --model).") String config;
    @Option(names = "--init", description = "Start from this checkpoint's weights and config (fine-tuning, e.g. a pruned model).") String init;
    @Option(names = "--init-heads", description = "Head counts for an --init file without config (N or a,b,c...).") String initHeads;
    @Option(names = "--data", description = "fashion-mnist | cifar10:DIR | imagefolder:DIR | synthetic (default: ${DEFAULT-VALUE}).",
            defaultValue = "fashion-mnist") String data;
    @Option(names = "--epochs", description = "Epochs (default: per data set, 16 for Fashion-MNIST; with --resume: the checkpoint's).") Integer epochs;
    @Option(names = {"--batch-size", "-b"}, defaultValue = "128") int batchSize;
    @Option(names = "--lr", description = "Peak learning rate (default: per data set; DeiT's 5e-4 x batch / 512 for image folders, 2e-3 for Fashion-MNIST).") Double lr;
    @Option(names = "--min-lr", defaultValue = "1e-5") double minLr;
    @Option(names = "--warmup-lr", defaultValue = "1e-6") double warmupLr;
    @Option(names = "--warmup-epochs", description = "Default: min(5, epochs / 10).") Double warmupEpochs;
    @Option(names = "--weight-decay", defaultValue = "0.05") double weightDecay;
    @Option(names = "--drop-path", description = "Stochastic depth (default: per data set; 0.1, 0 for Fashion-MNIST).") Double dropPath;
    @Option(names = "--smoothing", description = "Label smoothing (default: per data set).") Double smoothing;
    @Option(names = "--mixup", description = "Mixup alpha, 0 = off (default: per data set).") Double mixup;
    @Option(names = "--cutmix", description = "CutMix alpha, 0 = off (default: per data set).") Double cutmix;
    @Option(names = "--random-crop", negatable = true, description = "Random crop augmentation (default: per data set).") Boolean randomCrop;
    @Option(names = "--hflip", negatable = true, description = "Horizontal flip (default: per data set).") Boolean hflip;
    @Option(names = "--rand-augment", negatable = true, description = "RandAugment m9-mstd0.5 (default: per data set).") Boolean randAugment;
    @Option(names = "--reprob", description = "Random erasing probability (default: per data set).") Double reprob;
    @Option(names = "--clip-grad", defaultValue = "0", description = "Gradient clipping by global norm, 0 = off.") double clipGrad;
    @Option(names = "--model-ema-decay", defaultValue = "0", description = "EMA of weights, 0 = off.") double emaDecay;
    @Option(names = "--teacher", description = "Teacher checkpoint for distillation.") String teacher;
    @Option(names = "--teacher-heads", description = "Head counts of a teacher file without config (N or a,b,c...).") String teacherHeads;
    @Option(names = "--distillation-type", defaultValue = "none", description = "none | soft | hard") String distillationType;
    @Option(names = "--distillation-alpha", defaultValue = "0.5") double distillationAlpha;
    @Option(names = "--distillation-tau", defaultValue = "1.0") double distillationTau;
    @Option(names = "--output", defaultValue = "runs/train", description = "Output folder (default: ${DEFAULT-VALUE}).") String output;
    @Option(names = "--resume", description = "Resume from DIR/last.ckpt.") String resume;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Mixin DeviceOptions devices;
    @Option(names = "--workers", defaultValue = "1", description = "Data loading threads.") int workers;
    @Option(names = "--checkpoint-every", defaultValue = "0", description = "Also checkpoint every N steps.") int checkpointEvery;
    @Option(names = "--max-steps", defaultValue = "0", description = "Stop after N optimizer steps (0 = all epochs).") long maxSteps;
    @Option(names = "--aug", description = "Augmentation overrides key=value,... (rrc, scale, pad, hflip, randaug, erasing, mixup, cutmix, smoothing, ...).") String aug;

    @Override public Integer call() throws Exception {
        if (resume != null) { // the saved device and precision unless the flags say otherwise
            Trainer.resume(java.nio.file.Path.of(resume), epochs == null ? 0 : epochs, maxSteps, saved -> {
                if (devices.device != null) saved.device = devices.device;
                if (devices.precision != null) saved.precision = devices.precision;
                return Devices.select(saved.device, saved.precision, devices::note);
            }).run();
            return 0;
        }
        TrainOptions o = new TrainOptions();
        o.model = config == null ? model : null;
        o.configFile = config;
        o.init = init;
        o.initHeads = initHeads;
        Recipe recipe = Recipe.defaultsFor(data);
        o.data = data; o.epochs = epochs == null ? recipe.epochs() : epochs; o.batchSize = batchSize; o.lr = lr != null ? lr : recipe.lr(); o.minLr = minLr; o.warmupLr = warmupLr;
        o.warmupEpochs = warmupEpochs; o.weightDecay = weightDecay; o.dropPath = dropPath != null ? dropPath : recipe.dropPath(); o.smoothing = smoothing;
        o.mixup = mixup; o.cutmix = cutmix; o.randomCrop = randomCrop; o.hflip = hflip; o.randAugment = randAugment;
        o.reprob = reprob; o.clipGrad = clipGrad; o.emaDecay = emaDecay; o.teacher = teacher; o.teacherHeads = teacherHeads;
        o.distillationType = distillationType; o.distillationAlpha = distillationAlpha; o.distillationTau = distillationTau;
        o.output = output; o.seed = seed; o.device = devices.deviceOr("cpu"); o.precision = devices.precision; o.workers = workers; o.checkpointEvery = checkpointEvery;
        o.maxSteps = maxSteps; o.aug = aug;
        new Trainer(o.validate(), devices.backend()).run();
        return 0;
    }
}
