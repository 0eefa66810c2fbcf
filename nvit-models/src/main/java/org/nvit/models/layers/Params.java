package org.nvit.models.layers;

import java.util.LinkedHashMap;
import org.nvit.autograd.Var;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/**
 * Creates a model's named trainable leaves in construction order (timm's state-dict order) with timm's initialisers,
 * and keeps them in one ordered map.
 */
public final class Params {
    private final LinkedHashMap<String, Var> vars = new LinkedHashMap<>();
    private final DType dtype;
    private final Rng rng;

    public Params(DType dtype, Rng rng) {
        this.dtype = dtype;
        this.rng = rng;
    }

    public DType dtype() { return dtype; }

    public LinkedHashMap<String, Var> all() { return vars; }

    private Var add(String name, Tensor t) {
        if (vars.containsKey(name)) throw new IllegalStateException("duplicate parameter name " + name);
        Var v = Var.param(name, t);
        vars.put(name, v);
        return v;
    }

    public Var zeros(String name, int... shape) { return add(name, Tensor.zeros(dtype, shape)); }

    public Var ones(String name, int... shape) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (long i = 0; i < t.numel(); i++) t.setFlat(i, 1.0);
        return add(name, t);
    }

    /** timm's trunc_normal_(std): normal with the given std, redrawn outside the absolute bounds [-2, 2]. */
    public Var truncNormal(String name, double std, int... shape) {
        Tensor t = Tensor.zeros(dtype, shape);
        for (long i = 0; i < t.numel(); i++) {
            double x;
            do { x = std * rng.nextGaussian(); } while (x < -2 || x > 2);
            t.setFlat(i, x);
        }
        return add(name, t);
    }

    /** Uniform in [-bound, bound): PyTorch's default Conv2d init (kaiming_uniform with a = sqrt 5). */
    public Var uniform(String name, double bound, int... shape) {
        return add(name, Tensor.rand(dtype, rng, -bound, bound, shape));
    }
}
