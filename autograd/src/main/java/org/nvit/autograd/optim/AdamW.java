package org.nvit.autograd.optim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import org.nvit.autograd.Var;
import org.nvit.engine.Backends;
import org.nvit.engine.Tensor;
import org.nvit.engine.fused.MultiTensor;

/**
 * AdamW (Loshchilov and Hutter): decoupled weight decay and bias-corrected moments, PyTorch's formula, one
 * multi-tensor update of all parameters ({@code MultiTensor.adamw}: one launch on the GPU). Weight decay skips the
 * parameters the no-decay rule selects; the default rule is timm's / DeiT's: 1-D tensors, names ending in ".bias", and pos_embed, cls_token, dist_token.
 * State buffers: "{name}.exp_avg" and "{name}.exp_avg_sq", created on a parameter's first update.
 */
public final class AdamW extends Optimizer {
    private final double beta1, beta2, eps, weightDecay;
    private final Predicate<Var> noDecay;
    private final Map<String, Tensor> m = new HashMap<>(), v = new HashMap<>();

    /** Betas (0.9, 0.999), eps 1e-8, the default no-decay rule. */
    public AdamW(Collection<Var> params, double lr, double weightDecay) {
        this(params, lr, 0.9, 0.999, 1e-8, weightDecay, AdamW::defaultNoDecay);
    }

    public AdamW(Collection<Var> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                 Predicate<Var> noDecay) {
        super(params, lr);
        if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1))
            throw new IllegalArgumentException("AdamW: betas (" + beta1 + ", " + beta2 + ") must be in [0, 1)");
        if (!(eps > 0) || !(weightDecay >= 0))
            throw new IllegalArgumentException("AdamW: eps " + eps + " must be > 0 and weight decay " + weightDecay + " >= 0");
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.eps = eps;
        this.weightDecay = weightDecay;
        this.noDecay = noDecay;
    }

    /** timm's rule: no decay for 1-D tensors (biases, norms), ".bias" names and the DeiT token/position parameters. */
    public static boolean defaultNoDecay(Var p) {
        String n = p.name() == null ? "" : p.name();
        return p.shape().length <= 1 || n.endsWith(".bias") || isNamed(n, "pos_embed") || isNamed(n, "cls_token")
                || isNamed(n, "dist_token");
    }

    private static boolean isNamed(String n, String key) { return n.equals(key) || n.endsWith("." + key); }

    /** Whether weight decay applies to this parameter. */
    public boolean decays(Var p) { return weightDecay > 0 && !noDecay.test(p); }

    /** One multi-tensor update of every parameter that has a gradient (one launch on a device that fuses it). */
    @Override public void step() {
        step++;
        List<Var> live = new ArrayList<>();
        for (Var p : params) if (p.grad() != null) live.add(p);
        if (live.isEmpty()) return;
        int n = live.size();
        Tensor[] ps = new Tensor[n], gs = new Tensor[n], ms = new Tensor[n], vs = new Tensor[n];
        float[] wd = new float[n];
        for (int i = 0; i < n; i++) {
            Var p = live.get(i);
            ps[i] = p.value();
            gs[i] = p.grad();
            ms[i] = m.computeIfAbsent(p.name(), k -> zerosLike(p.value()));
            vs[i] = v.computeIfAbsent(p.name(), k -> zerosLike(p.value()));
            checkShape(p, ms[i]);
            wd[i] = decays(p) ? (float) weightDecay : 0f;
        }
        MultiTensor.of(Backends.of(ps[0])).adamw(ps, gs, ms, vs, (float) lr, (float) beta1, (float) beta2, (float) eps,
                wd, step);
    }

    @Override public Map<String, Tensor> state() {
        Map<String, Tensor> s = new LinkedHashMap<>();
        s.put("step", stepTensor(step));
        for (Var p : params) {
            if (m.containsKey(p.name())) {
                s.put(p.name() + ".exp_avg", m.get(p.name()));
                s.put(p.name() + ".exp_avg_sq", v.get(p.name()));
            }
        }
        return s;
    }

    @Override public void loadState(Map<String, Tensor> state) {
        Set<String> known = new HashSet<>();
        known.add("step");
        for (Var p : params) {
            known.add(p.name() + ".exp_avg");
            known.add(p.name() + ".exp_avg_sq");
        }
        checkKeys(state, known);
        int s = readStep(state);
        Map<String, Tensor> nm = new HashMap<>(), nv = new HashMap<>();
        for (Var p : params) {
            Tensor a = state.get(p.name() + ".exp_avg"), b = state.get(p.name() + ".exp_avg_sq");
            if ((a == null) != (b == null))
                throw new IllegalArgumentException("optimizer state has only one of the two moments of " + p.name());
            if (a == null) continue;
            nm.put(p.name(), copyLike(p.name() + ".exp_avg", a, p.value()));
            nv.put(p.name(), copyLike(p.name() + ".exp_avg_sq", b, p.value()));
        }
        step = s;
        m.clear();
        m.putAll(nm);
        v.clear();
        v.putAll(nv);
    }
}
