package org.nvit.autograd;

import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.Shape;
import org.nvit.engine.Tensor;

/**
 * A value in the autograd graph: a tensor, its gradient (allocated on first accumulation) and, for results of
 * differentiable ops, the rule that sends the gradient back to its inputs.
 *
 * <p>Leaves created with {@link #param} require gradients; op results require gradients when any input does and no
 * {@link NoGrad} scope is open. {@link #backward()} on a scalar seeds d(self)/d(self) = 1 and runs every recorded rule
 * in reverse topological order, accumulating (+=) into leaves' grads. Each rule runs once: afterwards the node drops
 * its rule (and with it the saved buffers), its input links and, unless {@link #retainGrad()} was called, its gradient.
 * So the graph is gone after backward; to combine several losses, sum them (e.g. {@link F#weightedSum}) first.
 */
public class Var {
    protected Tensor value;
    protected Tensor grad;
    protected final boolean requiresGrad;
    protected String name;

    /** Inputs of the op that produced this value (graph edges); null for leaves and after backward. */
    Var[] inputs;
    /** The backward rule of the op that produced this value; null for leaves and after backward. */
    Backward rule;
    private final boolean leaf;
    boolean retainGrad;
    /** Where this leaf's gradient lives when a {@link GradArena} holds it (null: allocated per step). */
    Tensor home;
    /** The home may hold an old gradient (dropped by {@link #zeroGrad()} outside the arena's own zeroing). */
    boolean homeDirty;

    protected Var(Tensor value, boolean requiresGrad, String name) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.name = name;
        this.leaf = true;
    }

    private Var(Tensor value, Backward rule, Var[] inputs) {
        this.value = value;
        this.requiresGrad = true;
        this.rule = rule;
        this.inputs = inputs;
        this.leaf = false;
    }

    /** A constant (no gradient). */
    public static Var constant(Tensor value) { return new Var(value, false, null); }

    /** A named trainable leaf. */
    public static Var param(String name, Tensor value) { return new Var(value, true, name); }

    /**
     * The result of an op: records {@code rule} and the edges to {@code inputs} (nulls ignored) when gradients are
     * being recorded and some input requires one; otherwise a constant.
     */
    static Var result(Tensor value, Backward rule, Var... inputs) {
        if (!recording(inputs)) return constant(value);
        int n = 0;
        for (Var v : inputs) if (v != null && v.requiresGrad) n++;
        Var[] edges = new Var[n];
        n = 0;
        for (Var v : inputs) if (v != null && v.requiresGrad) edges[n++] = v;
        return new Var(value, rule, edges);
    }

    /** True when an op on these inputs must record its backward rule. */
    static boolean recording(Var... inputs) {
        if (NoGrad.active()) return false;
        for (Var v : inputs) if (v != null && v.requiresGrad) return true;
        return false;
    }

    public Tensor value() { return value; }

    /** The accumulated gradient, or null if none reached this value yet. */
    public Tensor grad() { return grad; }

    public boolean requiresGrad() { return requiresGrad; }

    /** True for values made by {@link #param} or {@link #constant}, false for op results. */
    public boolean isLeaf() { return leaf; }

    public String name() { return name; }

    public int[] shape() { return value.shape(); }

    public long numel() { return value.numel(); }

    /** Replaces the value of a leaf (loading weights, shrinking); shape may change only for leaves. */
    public void setValue(Tensor t) {
        boolean sameShape = Shape.str(t.shape()).equals(Shape.str(value.shape()));
        if (!leaf && !sameShape)
            throw new IllegalArgumentException("cannot change the shape of an op result " + this + " to " + Shape.str(t.shape()));
        if (!sameShape || (home != null && t.device() != home.device())) home = null; // the arena no longer fits it
        this.value = t;
    }

    /** Drops the gradient (the optimizer calls this after each step). */
    public void zeroGrad() {
        this.grad = null;
        if (home != null) homeDirty = true;
    }

    /** Keeps this op result's gradient after backward (for inspecting activations' gradients). */
    public Var retainGrad() {
        this.retainGrad = true;
        return this;
    }

    /** A constant sharing this value: gradients do not flow through it. */
    public Var detach() { return constant(value); }

    /** Backpropagates from this scalar. */
    public void backward() { Tape.backward(this); }

    // ---------------------------------------------------------------- accumulation (used by backward rules)

    /** The gradient buffer, zero-allocated on first use, for rules that accumulate into it directly (GEMM beta = 1). */
    Tensor gradBuffer() {
        if (grad == null) {
            if (home == null) grad = Backends.of(value).zeros(value.dtype(), value.shape());
            else {
                if (homeDirty) Backends.of(home).fill(home, 0f);
                homeDirty = false;
                grad = home;
            }
        }
        return grad;
    }

    /** The GEMM beta for writing into {@link #gradOutput()}: 0 while no gradient exists (its buffer is then garbage), else 1. */
    float gradBeta() { return grad == null ? 0f : 1f; }

    /**
     * The gradient buffer for a rule that writes its whole contribution with one beta-aware kernel: allocated
     * uninitialised on first use, so read {@link #gradBeta()} before calling this and pass it as the kernel's beta.
     */
    Tensor gradOutput() {
        if (grad == null) {
            grad = home != null ? home : Backends.of(value).empty(value.dtype(), value.shape());
            homeDirty = false; // the caller overwrites all of it (beta 0)
        }
        return grad;
    }

    /** grad += g (same element count). */
    void accumulate(Tensor g) { accumulate(1f, g); }

    /** grad += alpha * g (same element count); the first gradient is adopted (pass-through) or copied in one pass. */
    void accumulate(float alpha, Tensor g) {
        if (!requiresGrad) return;
        checkNumel(g);
        if (grad == null && alpha == 1f && home == null && Tape.adopt(g)) grad = g.reshape(value.shape()); // no copy
        else if (grad == null) Backends.of(value).scale(g, alpha, gradOutput());
        else Backends.of(value).axpy(alpha, g, grad);
    }

    /** grad += g where the caller hands over g (a fresh buffer nobody else holds): adopted when grad is empty. */
    void accumulateOwned(Tensor g) {
        if (!requiresGrad) return;
        checkNumel(g);
        if (grad == null && home == null) grad = g.reshape(value.shape());
        else if (grad == null) Backends.of(value).copy(g, gradOutput());
        else Backends.of(value).axpy(1f, g, grad);
    }

    private void checkNumel(Tensor g) {
        if (g.numel() != value.numel())
            throw new IllegalStateException("gradient " + g + " does not match value " + value + " of " + this);
    }

    /** The backend of this value's device. */
    Backend backend() { return Backends.of(value); }

    @Override public String toString() { return (name == null ? "Var" : name) + value; }
}
