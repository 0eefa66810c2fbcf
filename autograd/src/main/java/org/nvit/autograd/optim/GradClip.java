package org.nvit.autograd.optim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nvit.autograd.Var;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.DeviceScalars;
import org.nvit.engine.fused.MultiTensor;

/** Gradient clipping by the global L2 norm over all parameters (torch.nn.utils.clip_grad_norm_). */
public final class GradClip {
    private GradClip() {}

    /** The L2 norm of all gradients together (parameters without a gradient count as zero). */
    public static double globalNorm(Collection<Var> params) {
        // sum of squares per (device, dtype) on the device, one host read each
        Map<Backend, Map<DType, List<Tensor>>> groups = groups(params);
        double total = 0;
        for (var e : groups.entrySet())
            for (List<Tensor> gs : e.getValue().values()) {
                Backend be = e.getKey();
                Tensor sum = be.empty(gs.get(0).dtype(), 1);
                MultiTensor.of(be).sumSquares(gs.toArray(Tensor[]::new), sum);
                total += be.toCpu(sum).getFlat(0);
            }
        return Math.sqrt(total);
    }

    private static Map<Backend, Map<DType, List<Tensor>>> groups(Collection<Var> params) {
        Map<Backend, Map<DType, List<Tensor>>> acc = new HashMap<>();
        for (Var p : params) {
            Tensor g = p.grad();
            if (g == null || g.numel() == 0) continue;
            acc.computeIfAbsent(Backends.of(g), k -> new HashMap<>()).computeIfAbsent(g.dtype(), d -> new ArrayList<>()).add(g);
        }
        return acc;
    }

    /**
     * Scales all gradients by maxNorm / (norm + 1e-6) when their global norm exceeds maxNorm. Returns the norm before
     * clipping (log it: spikes show instability). Reads the norm on the host: see {@link #clipOnDevice} for a
     * training step that must not wait for the device.
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

    /**
     * The same clipping with the norm and the factor computed and applied on the device (three multi-tensor passes,
     * no host read), for gradients on one device in one dtype (else as {@link #clipGlobalNorm}). Returns the norm as
     * a [1] tensor on that device (null when no parameter has a gradient).
     */
    public static Tensor clipOnDevice(Collection<Var> params, double maxNorm) {
        if (!(maxNorm > 0)) throw new IllegalArgumentException("clipOnDevice: max norm " + maxNorm + " must be > 0");
        Map<Backend, Map<DType, List<Tensor>>> groups = groups(params);
        if (groups.isEmpty()) return null;
        if (groups.size() > 1 || groups.values().iterator().next().size() > 1) {
            double n = clipGlobalNorm(params, maxNorm);
            Tensor any = groups.values().iterator().next().values().iterator().next().get(0);
            Backend be = Backends.of(any);
            Tensor t = be.empty(any.dtype(), 1);
            be.fill(t, (float) n);
            return t;
        }
        Backend be = groups.keySet().iterator().next();
        Tensor[] gs = groups.get(be).values().iterator().next().toArray(Tensor[]::new);
        Tensor sum = be.empty(gs[0].dtype(), 1), norm = be.empty(gs[0].dtype(), 1), factor = be.empty(gs[0].dtype(), 1);
        MultiTensor mt = MultiTensor.of(be);
        mt.sumSquares(gs, sum);
        DeviceScalars.of(be).clipFactor(sum, (float) maxNorm, norm, factor);
        mt.scaleBy(gs, factor);
        return norm;
    }
}
