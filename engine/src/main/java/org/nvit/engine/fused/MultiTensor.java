package org.nvit.engine.fused;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * One op over many tensors at once (all of a model's parameters, gradients or moments): the optimizer update, the
 * weight EMA and the parts of gradient clipping, in one pass each instead of one or more ops per tensor. Scalars that
 * the device computes (a clip factor) stay on the device as [1] tensors.
 */
public interface MultiTensor {
    /**
     * One AdamW step ({@link Backend#adamw}'s formula) for every i: params[i] with grads[i], moments ms[i] and vs[i],
     * weight decay weightDecay[i].
     */
    void adamw(Tensor[] params, Tensor[] grads, Tensor[] ms, Tensor[] vs, float lr, float beta1, float beta2, float eps,
               float[] weightDecay, int step);

    /** ys[i] = a * ys[i] + b * xs[i] for every i (the weight EMA: a = decay, b = 1 - decay). */
    void axpby(float a, Tensor[] ys, float b, Tensor[] xs);

    /** xs[i] *= factor[0] for every i, factor a [1] tensor on the device (clipping without reading the factor). */
    void scaleBy(Tensor[] xs, Tensor factor);

    /** out[0] = the sum of the squares of every element of every xs[i] (out [1]). */
    void sumSquares(Tensor[] xs, Tensor out);

    static MultiTensor of(Backend be) { return be.capability(MultiTensor.class).orElseGet(() -> composite(be)); }

    /** One primitive call or two per tensor. */
    static MultiTensor composite(Backend be) {
        return new MultiTensor() {
            @Override public void adamw(Tensor[] ps, Tensor[] gs, Tensor[] ms, Tensor[] vs, float lr, float beta1,
                                        float beta2, float eps, float[] wd, int step) {
                for (int i = 0; i < ps.length; i++) be.adamw(ps[i], gs[i], ms[i], vs[i], lr, beta1, beta2, eps, wd[i], step);
            }

            @Override public void axpby(float a, Tensor[] ys, float b, Tensor[] xs) {
                for (int i = 0; i < ys.length; i++) {
                    be.scale(ys[i], a, ys[i]);
                    be.axpy(b, xs[i], ys[i]);
                }
            }

            @Override public void scaleBy(Tensor[] xs, Tensor factor) {
                for (Tensor x : xs) if (x.numel() > 0) be.scaleSamples(x.reshape(1, -1), factor, x.reshape(1, -1));
            }

            @Override public void sumSquares(Tensor[] xs, Tensor out) {
                be.fill(out, 0f);
                for (Tensor x : xs) {
                    if (x.numel() == 0) continue;
                    Tensor sq = be.empty(x.dtype(), x.shape());
                    be.mul(x, x, sq);
                    be.sumRows(sq.reshape(-1, 1), out, true);
                }
            }
        };
    }
}
