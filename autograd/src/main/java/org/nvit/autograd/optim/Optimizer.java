package org.nvit.autograd.optim;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.nvit.autograd.GradArena;
import org.nvit.autograd.Var;
import org.nvit.engine.fused.MultiTensor;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;

/**
 * Base of the optimizers: a fixed list of named parameters, a learning rate the schedule sets each step, and a state
 * (per-parameter buffers keyed "{param}.{buffer}", plus "step") that checkpoints save and restore.
 */
public abstract class Optimizer {
    protected final List<Var> params;
    protected double lr;
    protected int step;
    /** The parameters' gradients in one buffer, on devices that run multi-tensor ops natively (else null). */
    private final GradArena arena;

    protected Optimizer(Collection<Var> params, double lr) {
        this.params = List.copyOf(params);
        this.lr = lr;
        Set<String> names = new HashSet<>();
        for (Var p : this.params) {
            if (p.name() == null || !p.requiresGrad())
                throw new IllegalArgumentException("optimizer: " + p + " is not a named parameter (use Var.param)");
            if (!names.add(p.name())) throw new IllegalArgumentException("optimizer: parameter name " + p.name() + " is used twice");
        }
        if (!(lr >= 0)) throw new IllegalArgumentException("optimizer: learning rate " + lr + " must be >= 0");
        boolean fused = !this.params.isEmpty()
                && Backends.of(this.params.get(0).value()).capability(MultiTensor.class).isPresent();
        this.arena = fused ? GradArena.attach(this.params) : null;
    }

    /** Applies one update to every parameter that has a gradient; parameters without one are left alone. */
    public abstract void step();

    /** Drops every parameter's gradient (one fill of the gradient arena where there is one). */
    public void zeroGrad() {
        if (arena != null) arena.zero();
        else for (Var p : params) p.zeroGrad();
    }

    /** All parameters' gradients as one flat tensor, where they live in one (see {@link GradArena}). */
    public java.util.Optional<Tensor> flatGradients() {
        return arena == null ? java.util.Optional.empty() : java.util.Optional.of(arena.flat());
    }

    public double lr() { return lr; }

    public void setLr(double lr) { this.lr = lr; }

    /** Completed steps (AdamW's bias correction uses it). */
    public int steps() { return step; }

    public List<Var> params() { return params; }

    /**
     * The optimizer state: "step" (a [1] F64 CPU tensor) and each parameter's buffers under "{name}.{buffer}". The
     * buffers are the live device tensors: copy them (Backend.toCpu) to save.
     */
    public abstract Map<String, Tensor> state();

    /** Restores a {@link #state()}: copies every buffer in; unknown keys or mismatched shapes are errors. */
    public abstract void loadState(Map<String, Tensor> state);

    // ---------------------------------------------------------------- helpers for subclasses

    /** Optimizer state outlives the step that first allocates it, so it never comes from a MemoryScope's pool. */
    protected static Tensor zerosLike(Tensor t) {
        try (var outside = MemoryScope.suspend()) {
            return Backends.of(t).zeros(t.dtype(), t.shape());
        }
    }

    protected static Tensor stepTensor(int step) { return Tensor.of(new double[] {step}, 1); }

    protected int readStep(Map<String, Tensor> state) {
        Tensor s = state.get("step");
        if (s == null || s.numel() != 1) throw new IllegalArgumentException("optimizer state has no [1] \"step\" entry");
        double v = cpu(s).getFlat(0);
        if (v < 0 || v != Math.rint(v) || v > Integer.MAX_VALUE)
            throw new IllegalArgumentException("optimizer state step " + v + " is not a non-negative integer");
        return (int) v;
    }

    /** A copy of src in the dtype and device of like (for loading saved buffers). */
    protected static Tensor copyLike(String key, Tensor src, Tensor like) {
        if (!src.sameShape(like))
            throw new IllegalArgumentException("optimizer state " + key + " has shape " + java.util.Arrays.toString(src.shape())
                    + " but the parameter has " + java.util.Arrays.toString(like.shape()));
        Tensor host = cpu(src).to(like.dtype());
        Tensor out = zerosLike(like);
        Backends.of(like).copy(like.device() == Device.CPU ? host : Backends.of(like).fromCpu(host), out);
        return out;
    }

    protected static void checkKeys(Map<String, Tensor> state, Set<String> known) {
        for (String k : state.keySet())
            if (!known.contains(k)) throw new IllegalArgumentException("optimizer state has unknown entry " + k);
    }

    protected static Tensor cpu(Tensor t) { return t.device() == Device.CPU ? t : Backends.of(t).toCpu(t); }

    protected static void checkShape(Var p, Tensor buffer) {
        if (!p.value().sameShape(buffer))
            throw new IllegalStateException("parameter " + p.name() + " changed shape to "
                    + java.util.Arrays.toString(p.shape()) + " after the optimizer saw it; create a new optimizer "
                    + "after shrinking the model");
    }

}
