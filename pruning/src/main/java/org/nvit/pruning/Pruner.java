package org.nvit.pruning;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.nvit.autograd.F;
import org.nvit.autograd.NoGrad;
import org.nvit.autograd.Var;
import org.nvit.autograd.optim.AdamW;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;

/**
 * NViT's pruning loop (nvit-paper.md 4): the weights keep training (AdamW, constant lr) on
 * {@code CE(student, target) + klCoeff * KL(teacher || student, tau)}, the teacher being a frozen dense copy of the
 * starting model; logits are (cls + dist) / 2 for distilled models, as NViT does. After every optimizer step the
 * masks are re-applied (AdamW's moments would otherwise revive pruned weights) and the batch's saliency is
 * accumulated; every {@code interval} batches the lowest-ranked groups are pruned. The loop ends when the table
 * latency reaches the target, when no group can be pruned, after {@code maxSteps} steps, or when the data end.
 *
 * <p>The student runs without drop-path (NViT switches it to eval mode at the first pruning step); its forward is a
 * {@link MaskedForward} so that the final {@link Shrink} preserves its function exactly.
 */
public final class Pruner {
    /** One training batch: images [B, C, H, W]; soft targets [B, classes] or null to use the hard labels. */
    public record Batch(Tensor images, int[] labels, Tensor targets) {}

    /** The state after a pruning step (step 0 = the start). */
    public record StepRecord(int step, long batches, double latency, VitConfig dims, double loss, int groupsPruned) {}

    public record Result(PruningMasks masks, List<StepRecord> steps, double originalLatency, double eta,
                         Shrink.Result shrunk, String stopReason) {}

    private final VisionTransformer student;
    private final VisionTransformer teacher;
    private final LatencyTable table;
    private final PruneOptions opt;
    private final PruningMasks masks;
    private final MaskedForward forward;

    public Pruner(VisionTransformer student, LatencyTable table, PruneOptions options) {
        this.student = student;
        this.table = table;
        this.opt = options;
        table.checkCovers(student.config());
        this.teacher = new VisionTransformer(student.config(), 0, student.dtype());
        teacher.loadStateDict(student.stateDict());
        this.masks = new PruningMasks(new Structure(student.config(), student.parameters().keySet()));
        this.forward = new MaskedForward(student);
    }

    public PruningMasks masks() { return masks; }

    public MaskedForward maskedForward() { return forward; }

    /** Runs until a stop condition; data.get() returning null ends it early. */
    /**
     * The table's latency of the smallest model pruning can reach (every layer at its last group) as a fraction of the
     * original: a target at or below it is out of reach, and pruning would strip the model to max-steps. High when per-op
     * overheads dominate at the table's batch. Dims below the grid are extrapolated, as the pruning loop does.
     */
    public double floorRatio() {
        GlobalRanking ranking = new GlobalRanking(table, opt.groupSizes(), opt.perStep(), opt.latencyReg());
        return table.model(ranking.floorConfig(student.config())) / table.model(student.config());
    }

    public Result run(java.util.function.Supplier<Batch> data, Consumer<StepRecord> progress) {
        AdamW adamw = optimizer(student, opt);
        Importance importance = Importance.byName(opt.importance());
        GlobalRanking ranking = new GlobalRanking(table, opt.groupSizes(), opt.perStep(), opt.latencyReg());
        Map<String, Var> params = student.parameters();
        double original = table.model(student.config());
        double target = opt.targetRatio() * original;

        List<StepRecord> steps = new ArrayList<>();
        StepRecord start = new StepRecord(0, 0, original, masks.currentConfig(), Double.NaN, 0);
        steps.add(start);
        if (progress != null) progress.accept(start);
        long batches = 0;
        double lossSum = 0;
        int lossCount = 0;
        String stop = null;
        while (stop == null) {
            Batch b = data.get();
            if (b == null) { stop = "data exhausted"; break; }
            lossSum += trainStep(b, adamw, importance, params);
            lossCount++;
            batches++;
            if (batches % opt.interval() != 0) continue;
            List<GlobalRanking.Group> groups = ranking.select(masks, importance.scores(masks));
            GlobalRanking.prune(masks, groups);
            masks.apply(student.stateDict());
            forward.update(masks);
            VitConfig dims = masks.currentConfig();
            double lat = table.model(dims);
            StepRecord r = new StepRecord(steps.size(), batches, lat, dims, lossSum / lossCount, groups.size());
            lossSum = 0;
            lossCount = 0;
            steps.add(r);
            if (progress != null) progress.accept(r);
            if (lat <= target) stop = "latency target reached";
            else if (groups.isEmpty()) stop = "no prunable group left";
            else if (steps.size() - 1 >= opt.maxSteps()) stop = "max steps reached";
        }
        Shrink.Result shrunk = Shrink.apply(masks, cpuStateDict());
        return new Result(masks, steps, original, ranking.eta(), shrunk, stop);
    }

    /**
     * AdamW at a constant lr (betas 0.9/0.999, eps 1e-8). No weight decay for 1-D tensors, biases, pos_embed and
     * cls_token; dist_token is decayed, as in timm 0.3.2 (nvit-paper.md 7).
     */
    static AdamW optimizer(VisionTransformer model, PruneOptions o) {
        return new AdamW(model.parameters().values(), o.lr(), 0.9, 0.999, 1e-8, o.weightDecay(), p -> p.shape().length <= 1
                || p.name().endsWith(".bias") || p.name().equals("pos_embed") || p.name().equals("cls_token"));
    }

    /** One forward/backward/AdamW step with masks and saliency bookkeeping; returns the loss. */
    double trainStep(Batch b, AdamW adamw, Importance importance, Map<String, Var> params) {
        try (MemoryScope scope = MemoryScope.open()) { // the step's buffers are recycled by the next
            return scopedStep(b, adamw, importance, params);
        }
    }

    private double scopedStep(Batch b, AdamW adamw, Importance importance, Map<String, Var> params) {
        Tensor images = b.images();
        Tensor teacherLogits;
        try (NoGrad g = NoGrad.open()) {
            teacherLogits = teacher.forward(Var.constant(images), false, 0, null).eval().value();
        }
        Var logits = forward.forward(Var.constant(images), false, 0, null).eval();
        Var task = b.targets() != null ? F.softCrossEntropy(logits, b.targets()) : F.crossEntropy(logits, b.labels(), 0);
        Var loss = opt.klCoeff() > 0 ? F.weightedSum(task, 1, F.klDiv(logits, teacherLogits, opt.klTau()), opt.klCoeff()) : task;
        double value = cpu(loss.value()).getFlat(0);
        loss.backward();
        adamw.step();
        masks.apply(student.stateDict());
        Map<String, Tensor> grads = new HashMap<>();
        for (Map.Entry<String, Var> e : params.entrySet())
            if (e.getValue().grad() != null) grads.put(e.getKey(), cpu(e.getValue().grad()));
        importance.accumulate(masks, cpuStateDict(), grads);
        for (Var p : params.values()) p.zeroGrad();
        return value;
    }

    private Map<String, Tensor> cpuStateDict() {
        Map<String, Tensor> sd = new java.util.LinkedHashMap<>();
        student.stateDict().forEach((k, v) -> sd.put(k, cpu(v)));
        return sd;
    }

    private static Tensor cpu(Tensor t) { return t.device() == Device.CPU ? t : Backends.of(t).toCpu(t); }
}
