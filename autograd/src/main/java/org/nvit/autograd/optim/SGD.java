package org.nvit.autograd.optim;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nvit.autograd.Var;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.Tensor;

/**
 * SGD with momentum and (coupled, L2) weight decay, PyTorch's formula: d = g + wd * p; buf = momentum * buf + d (buf
 * = d on the first step); p -= lr * buf. State buffer: "{name}.momentum_buffer".
 */
public final class SGD extends Optimizer {
    private final double momentum, weightDecay;
    private final Map<String, Tensor> buf = new HashMap<>();

    public SGD(Collection<Var> params, double lr, double momentum, double weightDecay) {
        super(params, lr);
        if (!(momentum >= 0 && momentum < 1) || !(weightDecay >= 0))
            throw new IllegalArgumentException("SGD: momentum " + momentum + " must be in [0, 1) and weight decay "
                    + weightDecay + " >= 0");
        this.momentum = momentum;
        this.weightDecay = weightDecay;
    }

    @Override public void step() {
        step++;
        for (Var p : params) {
            Tensor g = p.grad();
            if (g == null) continue;
            Backend be = Backends.of(p.value());
            Tensor d = g;
            if (weightDecay > 0) {
                d = zerosLike(g);
                be.copy(g, d);
                be.axpy((float) weightDecay, p.value(), d);
            }
            if (momentum > 0) {
                Tensor b = buf.get(p.name());
                if (b == null) {
                    b = zerosLike(p.value());
                    be.copy(d, b);
                    buf.put(p.name(), b);
                } else {
                    checkShape(p, b);
                    be.scale(b, (float) momentum, b);
                    be.axpy(1f, d, b);
                }
                d = b;
            }
            be.axpy((float) -lr, d, p.value());
        }
    }

    @Override public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("step", stepTensor(step));
        for (Var p : params) if (buf.containsKey(p.name())) s.put(p.name() + ".momentum_buffer", buf.get(p.name()));
        return s;
    }

    @Override public void loadState(Map<String, Tensor> state) {
        Set<String> known = new HashSet<>();
        known.add("step");
        for (Var p : params) known.add(p.name() + ".momentum_buffer");
        checkKeys(state, known);
        int s = readStep(state);
        Map<String, Tensor> nb = new HashMap<>();
        for (Var p : params) {
            Tensor b = state.get(p.name() + ".momentum_buffer");
            if (b != null) nb.put(p.name(), copyLike(p.name() + ".momentum_buffer", b, p.value()));
        }
        step = s;
        buf.clear();
        buf.putAll(nb);
    }
}
