package org.nvit.engine.fused;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * Scalars computed and kept on the device as [1] tensors (a loss, a gradient norm, a clip factor), so that a training
 * step reads back one number at most. The composite computes them on the host: on a device without this
 * capability, each costs a device-to-host copy.
 */
public interface DeviceScalars {
    /** {@link Backend#crossEntropySoft}, its mean loss written to loss [1] instead of returned. */
    void crossEntropySoft(Tensor logits, Tensor targets, Tensor grad, float gradScale, Tensor loss);

    /**
     * From a sum of squares sumSq [1]: norm[0] = sqrt(sumSq[0]) and factor[0] = maxNorm / (norm + 1e-6) when the norm
     * exceeds maxNorm, else 1 (torch.nn.utils.clip_grad_norm_'s rule).
     */
    void clipFactor(Tensor sumSq, float maxNorm, Tensor norm, Tensor factor);

    static DeviceScalars of(Backend be) { return be.capability(DeviceScalars.class).orElseGet(() -> composite(be)); }

    static DeviceScalars composite(Backend be) {
        return new DeviceScalars() {
            @Override public void crossEntropySoft(Tensor logits, Tensor targets, Tensor grad, float gradScale, Tensor loss) {
                loss.setFlat(0, be.crossEntropySoft(logits, targets, grad, gradScale)); // F64 keeps its double
            }

            @Override public void clipFactor(Tensor sumSq, float maxNorm, Tensor norm, Tensor factor) {
                double n = Math.sqrt(be.toCpu(sumSq).getFlat(0));
                norm.setFlat(0, n);
                factor.setFlat(0, n > maxNorm ? (float) (maxNorm / (n + 1e-6)) : 1f);
            }
        };
    }
}
