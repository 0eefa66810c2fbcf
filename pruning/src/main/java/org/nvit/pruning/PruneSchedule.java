package org.nvit.pruning;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nvit.autograd.Var;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.models.VitConfig;
import org.nvit.distributed.Communicator;
import org.nvit.distributed.SingleProcess;
import org.nvit.train.ReplicaCheck;
import org.nvit.train.TrainStep;

/**
 * NViT's pruning schedule (nvit-paper.md 4) as a hook on the shared training step. After every optimizer update it
 * re-applies the masks (AdamW's moments would otherwise revive pruned weights) and accumulates the batch's saliency,
 * both on the model's device; every {@code interval} batches {@link #afterBatch} ranks the groups globally on the
 * host (the one read of a pruning step: the per-unit scores), prunes the lowest, and narrows the model's LayerNorms
 * to the alive embedding channels. The run ends when the table latency reaches the target, when no group can be
 * pruned, or after {@code maxSteps} pruning steps.
 */
public final class PruneSchedule implements TrainStep.Hook {
    private final VisionTransformer model;
    private final LatencyTable table;
    private final PruneOptions opt;
    private final PruningMasks masks;
    private final Importance importance;
    private final GlobalRanking ranking;
    private final double original, target;
    private final List<StepRecord> steps = new ArrayList<>();
    private Communicator comm = SingleProcess.INSTANCE;
    private long batches;
    private double lossSum;
    private int lossCount;
    private String stop;

    public PruneSchedule(VisionTransformer model, LatencyTable table, PruneOptions options) {
        table.checkCovers(model.config());
        this.model = model;
        this.table = table;
        this.opt = options;
        this.masks = new PruningMasks(new Structure(model));
        this.importance = Importance.byName(options.importance());
        this.ranking = new GlobalRanking(table, options.groupSizes(), options.perStep(), options.latencyReg());
        if (options.eta() != null) ranking.withEta(options.eta()); // the paper's absolute constant, not calibrated
        this.original = table.model(model.config());
        this.target = options.targetRatio() * original;
        steps.add(new StepRecord(0, 0, original, masks.currentConfig(), Double.NaN, 0));
    }

    /**
     * Runs this schedule as one rank of a data-parallel job: saliency averaged over the ranks before each ranking,
     * and after each pruning step a checksum of the masks and weights all-reduced, so that a rank that decided
     * differently stops the job there ({@link ReplicaCheck}).
     */
    public PruneSchedule withCommunicator(Communicator c) {
        comm = c;
        importance.reduceWith(c);
        return this;
    }

    public PruningMasks masks() { return masks; }

    public List<StepRecord> steps() { return List.copyOf(steps); }

    public double originalLatency() { return original; }

    public double eta() { return ranking.eta(); }

    public long batches() { return batches; }

    /** Why the schedule stopped, or null while it runs. */
    public String stopReason() { return stop; }

    /**
     * The table's latency of the smallest model pruning can reach (every layer at its last group) as a fraction of the
     * original: a target at or below it is out of reach, and pruning would strip the model to max-steps. High when per-op
     * overheads dominate at the table's batch. Dims below the grid are extrapolated, as the pruning loop does.
     */
    public double floorRatio() { return table.model(ranking.floorConfig(model.config())) / original; }

    /** Masks, then saliency: the gradient is the pre-update one, the weights the post-update masked ones (the code's order). */
    @Override public void afterUpdate(VisionTransformer m) {
        Map<String, Tensor> weights = m.stateDict();
        masks.apply(weights);
        Map<String, Tensor> grads = new HashMap<>();
        for (Map.Entry<String, Var> e : m.parameters().entrySet())
            if (e.getValue().grad() != null) grads.put(e.getKey(), e.getValue().grad());
        importance.accumulate(masks, weights, grads);
    }

    /** Counts a trained batch; at the end of an interval takes a pruning step and returns its record (else null). */
    public StepRecord afterBatch(double loss) {
        if (stop != null) throw new IllegalStateException("the pruning schedule has stopped: " + stop);
        batches++;
        lossSum += loss;
        lossCount++;
        if (batches % opt.interval() != 0) return null;
        return pruneStep();
    }

    /**
     * A pruning step now, on the saliency accumulated since the last one: ranks the groups, prunes the lowest, records
     * the new dims. {@link #afterBatch} calls it at the end of every interval (benchmarks call it directly).
     */
    public StepRecord pruneStep() {
        List<GlobalRanking.Group> groups = ranking.select(masks, importance.scores(masks));
        GlobalRanking.prune(masks, groups);
        applyMasks();
        if (comm.size() > 1)
            ReplicaCheck.verify(comm, "masks and weights after pruning step " + steps.size(), ReplicaCheck.hash(model.stateDict(), masks.flags()));
        VitConfig dims = masks.currentConfig();
        double lat = table.model(dims);
        StepRecord r = new StepRecord(steps.size(), batches, lat, dims, lossSum / lossCount, groups.size());
        lossSum = 0;
        lossCount = 0;
        steps.add(r);
        if (lat <= target) stop = "latency target reached";
        else if (groups.isEmpty()) stop = "no prunable group left";
        else if (steps.size() - 1 >= opt.maxSteps()) stop = "max steps reached";
        return r;
    }

    /** Zeroes the pruned slices and narrows the norms to the alive embedding channels (after any change of the masks). */
    private void applyMasks() {
        masks.apply(model.stateDict());
        boolean embWhole = masks.alive(PruningLayer.EMB) == masks.structure().units(PruningLayer.EMB);
        Tensor like = model.parameters().get("pos_embed").value();
        model.setEmbedMask(embWhole ? null : masks.keepVector(like, PruningLayer.EMB));
    }

    /** The dense pruned model: config and state dict (on the host). */
    public Shrink.Result shrink() { return Shrink.apply(masks, model.stateDict()); }

    // ---------------------------------------------------------------- checkpoints

    /** Everything besides the weights and the optimizer that a resumed run needs to take the same decisions. */
    public record State(float[] masks, Importance.State importance, double eta, List<StepRecord> steps, long batches,
                        double lossSum, int lossCount, String stop) {}

    public State state() {
        return new State(masks.flags(), importance.state(masks.structure()), ranking.eta(), List.copyOf(steps), batches,
                lossSum, lossCount, stop);
    }

    /** Restores a {@link #state()} onto this schedule of the same model (its weights loaded separately). */
    public void load(State s) {
        if (s.steps().isEmpty() || s.batches() < 0 || s.lossCount() < 0)
            throw new IllegalArgumentException("the saved pruning state is damaged (" + s.steps().size() + " step records, "
                    + s.batches() + " batches)");
        masks.load(s.masks());
        importance.load(masks.structure(), s.importance());
        if (!Double.isNaN(s.eta())) ranking.withEta(s.eta());
        steps.clear();
        steps.addAll(s.steps());
        batches = s.batches();
        lossSum = s.lossSum();
        lossCount = s.lossCount();
        stop = s.stop();
        applyMasks();
    }

    /**
     * AdamW at a constant lr (betas 0.9/0.999, eps 1e-8). No weight decay for 1-D tensors, biases, pos_embed and
     * cls_token; dist_token is decayed, as in timm 0.3.2 (nvit-paper.md 7).
     */
    public static org.nvit.autograd.optim.AdamW optimizer(VisionTransformer model, PruneOptions o) {
        return new org.nvit.autograd.optim.AdamW(model.parameters().values(), o.lr(), 0.9, 0.999, 1e-8, o.weightDecay(),
                p -> p.shape().length <= 1 || p.name().endsWith(".bias") || p.name().equals("pos_embed")
                        || p.name().equals("cls_token"));
    }

    /** The step NViT's pruning trains with: AdamW at constant lr, the KL objective against the frozen teacher. */
    public TrainStep trainStep(VisionTransformer teacher) {
        return new TrainStep(model, optimizer(model, opt), new PruneLoss(opt.klCoeff(), opt.klTau()),
                opt.klCoeff() > 0 ? teacher : null, 0, null).withHook(this);
    }
}
