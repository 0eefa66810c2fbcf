package org.nvit.autograd;

import org.nvit.engine.Tensor;

/**
 * A value in the autograd graph: a tensor, its gradient (allocated on first accumulation) and, for results of
 * differentiable ops, the rule that sends the gradient back to its inputs.
 *
 * <p>CONTRACT (implemented in the autograd issue): leaves created with {@link #param} require gradients; op results
 * require gradients when any input does and no {@link NoGrad} scope is open. {@link #backward()} on a scalar seeds
 * d(self)/d(self) = 1 and runs every recorded rule in reverse topological order, accumulating (+=) into leaves' grads
 * and releasing intermediate buffers once they are no longer needed.
 */
public class Var {
    protected Tensor value;
    protected Tensor grad;
    protected final boolean requiresGrad;
    protected String name;

    protected Var(Tensor value, boolean requiresGrad, String name) {
        this.value = value;
        this.requiresGrad = requiresGrad;
        this.name = name;
    }

    /** A constant (no gradient). */
    public static Var constant(Tensor value) { return new Var(value, false, null); }

    /** A named trainable leaf. */
    public static Var param(String name, Tensor value) { return new Var(value, true, name); }

    public Tensor value() { return value; }

    /** The accumulated gradient, or null if none reached this value yet. */
    public Tensor grad() { return grad; }

    public boolean requiresGrad() { return requiresGrad; }

    public String name() { return name; }

    public int[] shape() { return value.shape(); }

    /** Replaces the value of a leaf (loading weights, shrinking); shape may change only for leaves. */
    public void setValue(Tensor t) { this.value = t; }

    /** Drops the gradient (the optimizer calls this after each step). */
    public void zeroGrad() { this.grad = null; }

    /** Backpropagates from this scalar. */
    public void backward() { throw new UnsupportedOperationException("implemented by the autograd issue"); }

    @Override public String toString() { return (name == null ? "Var" : name) + value; }
}
