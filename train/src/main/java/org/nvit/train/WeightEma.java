package org.nvit.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nvit.autograd.Var;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;
import org.nvit.engine.MemoryScope;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.MultiTensor;

/** Exponential moving average of the weights (timm's ModelEma): ema = decay * ema + (1 - decay) * w after each step. */
public final class WeightEma {
    private final double decay;
    private final Map<String, Tensor> shadow = new LinkedHashMap<>();

    public WeightEma(Map<String, Var> params, double decay) {
        this.decay = decay;
        try (var outside = MemoryScope.suspend()) { // the shadow outlives any step; it lives on the weights' device
            params.forEach((k, v) -> {
                Tensor w = v.value();
                Tensor s = Backends.of(w).empty(w.dtype(), w.shape());
                Backends.of(w).copy(w, s);
                shadow.put(k, s);
            });
        }
    }

    /** ema = decay * ema + (1 - decay) * w for every weight, in one multi-tensor pass. */
    public void update(Map<String, Var> params) {
        if (shadow.isEmpty()) return;
        Tensor[] ys = new Tensor[shadow.size()], xs = new Tensor[shadow.size()];
        int i = 0;
        for (var e : params.entrySet()) {
            ys[i] = shadow.get(e.getKey());
            xs[i++] = e.getValue().value();
        }
        MultiTensor.of(Backends.of(ys[0])).axpby((float) decay, ys, (float) (1 - decay), xs);
    }

    /** The averaged weights by name (live buffers). */
    public Map<String, Tensor> weights() { return shadow; }

    public void load(Map<String, Tensor> saved) {
        for (var e : shadow.entrySet()) {
            Tensor t = saved.get(e.getKey());
            if (t == null || !t.sameShape(e.getValue()))
                throw new IllegalArgumentException("checkpoint EMA weights do not match the model at '" + e.getKey() + "'");
            Tensor s = e.getValue(), host = (t.device() == Device.CPU ? t : Backends.of(t).toCpu(t)).to(s.dtype());
            Backends.of(s).copy(s.device() == Device.CPU ? host : Backends.of(s).fromCpu(host), s);
        }
    }
}
