package org.nvit.pruning;

import java.util.HashMap;
import java.util.Map;
import org.nvit.autograd.Var;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.Tensor;

/**
 * AdamW over named parameters at a constant learning rate (the pruning phase never schedules it), through the
 * backend's fused update. Weight decay is skipped as timm 0.3.2 does for DeiT: 1-D tensors, biases, pos_embed and
 * cls_token (dist_token is decayed).
 */
final class AdamW {
    private final double lr, wd;
    private final Map<String, Tensor[]> state = new HashMap<>();
    private int step;

    AdamW(double lr, double weightDecay) {
        this.lr = lr;
        this.wd = weightDecay;
    }

    static boolean decays(String name, Tensor t) {
        return t.rank() > 1 && !name.endsWith(".bias") && !name.equals("pos_embed") && !name.equals("cls_token");
    }

    void step(Map<String, Var> params) {
        step++;
        for (Map.Entry<String, Var> e : params.entrySet()) {
            Var p = e.getValue();
            Tensor g = p.grad();
            if (g == null) continue;
            Tensor w = p.value();
            Backend be = Backends.of(w);
            Tensor[] mv = state.computeIfAbsent(e.getKey(), k -> new Tensor[] {be.zeros(w.dtype(), w.shape()), be.zeros(w.dtype(), w.shape())});
            be.adamw(w, g, mv[0], mv[1], (float) lr, 0.9f, 0.999f, 1e-8f, decays(e.getKey(), w) ? (float) wd : 0f, step);
        }
    }
}
