package org.nvit.autograd;

import java.util.function.Function;
import org.nvit.engine.DType;
import org.nvit.engine.Rng;
import org.nvit.engine.Tensor;

/**
 * Checks analytic gradients against central finite differences in float64. The function may return any shape: it is
 * reduced to the scalar L = sum(f(x) * R) with a fixed random R, so every output element is exercised. The error of
 * each input is max|analytic - numeric| / max(max|numeric|, max|analytic|, 1e-3), so it is relative to the gradient's
 * scale and does not blow up on elements whose gradient is (near) zero.
 *
 * <p>The function is re-run for every perturbation with gradients recorded, so ops that behave differently under
 * {@link NoGrad} (dropout) are checked in their training form; it must be deterministic (seed its own Rng).
 */
public final class GradCheck {
    private GradCheck() {}

    /** The worst relative and absolute error over all inputs, and where it happened. */
    public record Report(double maxRelError, double maxAbsError, String worst) {
        public boolean passes(double tolerance) { return maxRelError <= tolerance; }

        @Override public String toString() {
            return String.format("max relative error %.3g (abs %.3g) at %s", maxRelError, maxAbsError, worst);
        }
    }

    public static Report check(Function<Var[], Var> f, Tensor... inputs) { return check(f, 1e-6, inputs); }

    public static Report check(Function<Var[], Var> f, double eps, Tensor... inputs) {
        Var[] xs = new Var[inputs.length];
        for (int i = 0; i < inputs.length; i++) xs[i] = Var.param("input" + i, inputs[i].to(DType.F64));
        Var out0 = f.apply(xs);
        Tensor r = out0.numel() == 1 ? null : Tensor.randn(DType.F64, new Rng(0x5EED), 1.0, out0.shape());
        Var loss = project(out0, r);
        loss.backward();
        double worstRel = 0, worstAbs = 0;
        String worst = "nowhere";
        for (int i = 0; i < xs.length; i++) {
            Tensor x = xs[i].value();
            Tensor g = xs[i].grad();
            double maxAbs = 0, scale = 1e-3;
            long at = -1;
            for (long j = 0; j < x.numel(); j++) {
                double orig = x.getFlat(j);
                x.setFlat(j, orig + eps);
                double plus = eval(f, xs, r);
                x.setFlat(j, orig - eps);
                double minus = eval(f, xs, r);
                x.setFlat(j, orig);
                double numeric = (plus - minus) / (2 * eps);
                double analytic = g == null ? 0 : g.getFlat(j);
                double err = Math.abs(numeric - analytic);
                scale = Math.max(scale, Math.max(Math.abs(numeric), Math.abs(analytic)));
                if (err > maxAbs) { maxAbs = err; at = j; }
            }
            double rel = maxAbs / scale;
            if (rel >= worstRel) {
                worstRel = rel;
                worstAbs = maxAbs;
                worst = "input " + i + " " + x + " element " + at;
            }
        }
        return new Report(worstRel, worstAbs, worst);
    }

    private static double eval(Function<Var[], Var> f, Var[] xs, Tensor r) {
        Var[] fresh = new Var[xs.length];
        for (int i = 0; i < xs.length; i++) fresh[i] = Var.param(xs[i].name(), xs[i].value());
        return project(f.apply(fresh), r).value().getFlat(0);
    }

    private static Var project(Var out, Tensor r) {
        if (r == null) return out;
        return F.scale(F.mean(F.mul(out, Var.constant(r))), out.numel());
    }
}
