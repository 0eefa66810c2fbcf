package org.nvit.train;

import java.util.ArrayList;
import java.util.List;
import org.nvit.autograd.Var;
import org.nvit.autograd.optim.GradClip;
import org.nvit.autograd.optim.Optimizer;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;
import org.nvit.models.VisionTransformer;
import org.nvit.data.Batch;

/**
 * The one optimizer step of every run that changes weights ({@code nvit train}, {@code nvit prune}, fine-tuning):
 * forward (and the teacher's, when there is one), loss, backward, gradient clipping, the optimizer update, the hooks,
 * the weight EMA. Everything stays on the model's device; the loss is the one number read back per batch. Each step's
 * buffers are recycled by the next ({@link MemoryScope}).
 *
 * <p>Pruning plugs into the step as a {@link Hook}: after the update, while the batch's gradients still exist, it
 * re-applies its masks and accumulates saliency.
 */
public final class TrainStep {
    /** The loss of a batch from the model's output, the batch's soft targets and the teacher's logits (null without one). */
    @FunctionalInterface
    public interface Objective {
        Var loss(VisionTransformer.Output out, Tensor targets, Tensor teacherLogits);
    }

    /** Runs after each optimizer update, before the batch's gradients are dropped. */
    @FunctionalInterface
    public interface Hook {
        void afterUpdate(VisionTransformer model);
    }

    /**
     * Makes a batch's gradients those of the whole data-parallel job (every rank's batch), between backward and
     * clipping, so that every rank clips and updates alike ({@link DataParallel}).
     */
    @FunctionalInterface
    public interface GradientSync {
        /** Averages the gradients of params over the ranks in place; returns the batch loss averaged over the ranks. */
        double synchronize(java.util.Map<String, Var> params, double loss);
    }

    /** The loss of a batch is NaN or infinite; nothing was updated. */
    public static final class NonFiniteLoss extends IllegalStateException {
        public final double loss;

        NonFiniteLoss(double loss) {
            super("loss is " + loss);
            this.loss = loss;
        }
    }

    private final VisionTransformer model;
    private final Optimizer optimizer;
    private final Objective objective;
    private final VisionTransformer teacher;
    private final double clipGrad;
    private final WeightEma ema;
    private final List<Hook> hooks = new ArrayList<>();
    private GradientSync sync;

    /**
     * @param teacher  a frozen model whose logits the objective receives (null: none)
     * @param clipGrad global-norm gradient clipping (0: off)
     * @param ema      the weight average to update after each step (null: none)
     */
    public TrainStep(VisionTransformer model, Optimizer optimizer, Objective objective, VisionTransformer teacher,
                     double clipGrad, WeightEma ema) {
        if (!(clipGrad >= 0)) throw new IllegalArgumentException("--clip-grad must be >= 0 (got " + clipGrad + ")");
        this.model = model;
        this.optimizer = optimizer;
        this.objective = objective;
        this.teacher = teacher;
        this.clipGrad = clipGrad;
        this.ema = ema;
    }

    public TrainStep withHook(Hook h) {
        hooks.add(h);
        return this;
    }

    /** Averages gradients over the ranks of a data-parallel job before clipping (null: one process). */
    public TrainStep withGradientSync(GradientSync s) {
        sync = s;
        return this;
    }

    public VisionTransformer model() { return model; }

    public Optimizer optimizer() { return optimizer; }

    public WeightEma ema() { return ema; }

    /**
     * One step on a batch at learning rate lr with stochastic depth dropPath (drawn from rng); returns the loss.
     * A non-finite loss throws {@link NonFiniteLoss} before anything is updated.
     */
    public double run(Batch batch, double lr, double dropPath, Rng rng) {
        try (MemoryScope scope = MemoryScope.open()) {
            // only the batch goes to the device; the loss comes back as one number
            Tensor images = model.onDevice(batch.images()), targets = model.onDevice(batch.targets());
            Tensor teacherLogits = teacher == null ? null : teacher.predict(images);
            VisionTransformer.Output out = model.forward(Var.constant(images), true, dropPath, rng);
            Var loss = objective.loss(out, targets, teacherLogits);
            double value = loss.value().getFlat(0);
            // in a data-parallel job the ranks judge the job's loss after the sync, so that all of them stop together
            if (sync == null && !Double.isFinite(value)) throw new NonFiniteLoss(value);
            loss.backward();
            if (sync != null) {
                value = sync.synchronize(model.parameters(), value);
                if (!Double.isFinite(value)) {
                    optimizer.zeroGrad();
                    throw new NonFiniteLoss(value);
                }
            }
            if (clipGrad > 0) GradClip.clipOnDevice(model.parameters().values(), clipGrad); // no host read
            optimizer.setLr(lr);
            optimizer.step();
            for (Hook h : hooks) h.afterUpdate(model);
            optimizer.zeroGrad();
            if (ema != null) ema.update(model.parameters());
            return value;
        }
    }
}
