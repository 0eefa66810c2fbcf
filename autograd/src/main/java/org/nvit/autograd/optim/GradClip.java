package org.nvit.autograd.optim;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.nvit.autograd.Var;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;

/** Gradient clipping by the global L2 norm over all parameters (torch.nn.utils.clip_grad_norm_). */
public final class GradClip {
    private GradClip() {}

    /** The L2 norm of all gradients together (parameters without a gradient count as zero). */
    public static double globalNorm(Collection<Var> params) {
        // sum of squares per (device, dtype) on the device, one host read each
        Map<Backend, Map<DType, Tensor>> acc = new HashMap<>();
        for (Var p : params) {
            Tensor g = p.grad();
            if (g == null || g.numel() == 0) continue;
            Backend be = Backends.of(g);
            Tensor sum = acc.computeIfAbsent(be, k -> new HashMap<>()).computeIfAbsent(g.dtype(), d -> be.zeros(d, 1));
            Tensor sq = be.zeros(g.dtype(), g.shape());
            be.mul(g, g, sq);
            be.sumRows(sq.reshape(-1, 1), sum, true);
        }
        double total = 0;
        for (var e : acc.entrySet())
            for (Tensor t : e.getValue().values()) total += e.getKey().toCpu(t).getFlat(0);
        return Math.sqrt(total);
    }

    /**
     * Scales all gradients by maxNorm / (norm + 1e-6) when their global norm exceeds maxNorm. Returns the norm before
     * clipping (log it: spikes show instability).
     */
    public static double clipGlobalNorm(Collection<Var> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipGlobalNorm: max norm " + maxNorm + " must be > 0");
        double norm = globalNorm(params);
        if (norm > maxNorm) {
            float c = (float) (maxNorm / (norm + 1e-6));
            for (Var p : params) {
                Tensor g = p.grad();
                if (g != null) Backends.of(g).scale(g, c, g);
            }
        }
        return norm;
    }
}
