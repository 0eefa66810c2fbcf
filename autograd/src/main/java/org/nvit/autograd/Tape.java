package org.nvit.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/** Runs the recorded backward rules of a graph in reverse topological order, releasing each node once it has run. */
final class Tape {
    private Tape() {}

    /** The gradient of the node whose rule is running, while nobody has adopted it yet. */
    private static final ThreadLocal<Tensor> HANDOFF = new ThreadLocal<>();

    /** True (once) when g is the running rule's upstream gradient and may be adopted as a receiver's grad. */
    static boolean adopt(Tensor g) {
        if (g == null || HANDOFF.get() != g) return false;
        HANDOFF.remove();
        return true;
    }

    static void backward(Var root) {
        if (root.value().numel() != 1)
            throw new IllegalArgumentException("backward() needs a scalar (1 element), got " + root.value()
                    + "; reduce it first, e.g. with F.mean");
        if (!root.requiresGrad())
            throw new IllegalStateException("backward() on a value that does not require gradients: no parameter "
                    + "reaches it, or it was computed under NoGrad");
        Backend be = root.backend();
        Tensor seed = be.empty(root.value().dtype(), root.value().shape());
        be.fill(seed, 1f);
        root.accumulateOwned(seed);
        for (Var v : reverseTopological(root)) {
            Backward rule = v.rule;
            if (rule == null) continue;
            Tensor gy = v.grad;
            v.rule = null;   // drops the saved buffers the rule captured
            v.inputs = null; // and the edges, so the graph can be collected
            if (gy != null || rule.runsWithoutGrad()) {
                // gy is dropped after this rule (unless retained), so one receiver may adopt it instead of copying
                if (!v.retainGrad) HANDOFF.set(gy);
                try {
                    rule.apply(gy);
                } finally {
                    HANDOFF.remove();
                }
            }
            if (!v.isLeaf() && !v.retainGrad) v.grad = null;
        }
    }

    /** Op results reachable from root, every node before its inputs. Iterative (ViT graphs are deep). */
    private static List<Var> reverseTopological(Var root) {
        List<Var> post = new ArrayList<>();
        Map<Var, Boolean> seen = new IdentityHashMap<>();
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        seen.put(root, true);
        stack.push(new Object[] {root, 0});
        while (!stack.isEmpty()) {
            Object[] top = stack.peek();
            Var v = (Var) top[0];
            int i = (Integer) top[1];
            Var[] in = v.inputs;
            if (in != null && i < in.length) {
                top[1] = i + 1;
                Var u = in[i];
                if (u.rule != null && seen.put(u, true) == null) stack.push(new Object[] {u, 0});
            } else {
                stack.pop();
                post.add(v);
            }
        }
        Collections.reverse(post);
        return post;
    }
}
