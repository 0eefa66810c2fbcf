package org.nvit.autograd.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nvit.autograd.F;
import org.nvit.autograd.Var;
import org.nvit.engine.Tensor;

/** Optimizer updates against numbers worked out by hand from the published formulas. */
class OptimizerTest {

    /** Sets p's gradient to g through the graph: d/dp sum(p * g) = g. */
    private static void setGrad(Var p, double... g) {
        p.zeroGrad();
        Var c = Var.constant(Tensor.of(g, p.shape()));
        F.scale(F.mean(F.mul(p, c)), g.length).backward();
    }

    @Test void adamwTwoStepsMatchHandComputation() {
        Var w = Var.param("blocks.0.fc.weight", Tensor.of(new double[] {1.0, -2.0}, 1, 2));
        Var b = Var.param("blocks.0.fc.bias", Tensor.of(new double[] {0.5}, 1));
        double lr = 0.1, wd = 0.05, eps = 1e-8;
        AdamW opt = new AdamW(List.of(w, b), lr, 0.9, 0.999, eps, wd, AdamW::defaultNoDecay);
        assertTrue(opt.decays(w));
        assertFalse(opt.decays(b));

        // step 1: g = (0.5, -1.0 | 0.25). m = 0.1 g, v = 0.001 g^2; m^ = g, v^ = g^2 -> update g / (|g| + eps)
        setGrad(w, 0.5, -1.0);
        setGrad(b, 0.25);
        opt.step();
        double w0 = 1.0 * (1 - lr * wd) - lr * 0.5 / (0.5 + eps);
        double w1 = -2.0 * (1 - lr * wd) - lr * -1.0 / (1.0 + eps);
        double b0 = 0.5 - lr * 0.25 / (0.25 + eps);
        assertArrayEquals(new double[] {w0, w1}, w.value().toDoubleArray(), 1e-6);
        assertEquals(b0, b.value().getFlat(0), 1e-6);

        // step 2: g = (-0.2, 0.4 | 0.25). bias corrections 1 - 0.9^2 = 0.19 and 1 - 0.999^2 = 0.001999
        setGrad(w, -0.2, 0.4);
        setGrad(b, 0.25);
        opt.step();
        double m0 = 0.9 * 0.05 + 0.1 * -0.2, v0 = 0.999 * 0.00025 + 0.001 * 0.04;
        double m1 = 0.9 * -0.1 + 0.1 * 0.4, v1 = 0.999 * 0.001 + 0.001 * 0.16;
        double mb = 0.9 * 0.025 + 0.1 * 0.25, vb = 0.999 * 0.0000625 + 0.001 * 0.0625;
        double e0 = w0 * (1 - lr * wd) - lr * (m0 / 0.19) / (Math.sqrt(v0 / 0.001999) + eps);
        double e1 = w1 * (1 - lr * wd) - lr * (m1 / 0.19) / (Math.sqrt(v1 / 0.001999) + eps);
        double eb = b0 - lr * (mb / 0.19) / (Math.sqrt(vb / 0.001999) + eps);
        assertArrayEquals(new double[] {e0, e1}, w.value().toDoubleArray(), 1e-6);
        assertEquals(eb, b.value().getFlat(0), 1e-6);
        assertEquals(2, opt.steps());
        assertArrayEquals(new double[] {m0, m1}, opt.state().get("blocks.0.fc.weight.exp_avg").toDoubleArray(), 1e-7);
    }

    @Test void defaultNoDecayFollowsTimm() {
        assertTrue(AdamW.defaultNoDecay(Var.param("pos_embed", Tensor.zeros(1, 5, 4))));
        assertTrue(AdamW.defaultNoDecay(Var.param("cls_token", Tensor.zeros(1, 1, 4))));
        assertTrue(AdamW.defaultNoDecay(Var.param("dist_token", Tensor.zeros(1, 1, 4))));
        assertTrue(AdamW.defaultNoDecay(Var.param("norm.weight", Tensor.zeros(4))));
        assertTrue(AdamW.defaultNoDecay(Var.param("head.bias", Tensor.zeros(2, 2))));
        assertFalse(AdamW.defaultNoDecay(Var.param("head.weight", Tensor.zeros(2, 4))));
        assertFalse(AdamW.defaultNoDecay(Var.param("patch_embed.proj.weight", Tensor.zeros(4, 3, 2, 2))));
    }

    @Test void adamwStateRoundTripResumesExactly() {
        Var a = Var.param("a", Tensor.of(new double[] {0.3, -0.7, 1.1}, 3, 1));
        Var a2 = Var.param("a", Tensor.of(new double[] {0.3, -0.7, 1.1}, 3, 1));
        AdamW o1 = new AdamW(List.of(a), 0.01, 0.1);
        for (int i = 0; i < 3; i++) {
            setGrad(a, 0.1 * i, -0.2, 0.3 + i);
            o1.step();
        }
        Map<String, Tensor> saved = new HashMap<>();
        o1.state().forEach((k, t) -> saved.put(k, t.copy()));
        a2.setValue(a.value().copy());
        AdamW o2 = new AdamW(List.of(a2), 0.01, 0.1);
        o2.loadState(saved);
        assertEquals(3, o2.steps());
        setGrad(a, 0.5, 0.5, -0.5);
        setGrad(a2, 0.5, 0.5, -0.5);
        o1.step();
        o2.step();
        assertArrayEquals(a.value().toDoubleArray(), a2.value().toDoubleArray(), 0);
        saved.put("zzz", Tensor.zeros(1));
        assertThrows(IllegalArgumentException.class, () -> o2.loadState(saved));
    }

    @Test void sgdMomentumTwoStepsMatchHandComputation() {
        Var p = Var.param("p", Tensor.of(new double[] {1.0, 2.0}, 2));
        SGD opt = new SGD(List.of(p), 0.5, 0.75, 0.125);
        setGrad(p, 0.25, -0.5);
        opt.step(); // d = g + wd p = (0.375, -0.25); buf = d; p -= 0.5 buf
        assertArrayEquals(new double[] {1.0 - 0.5 * 0.375, 2.0 + 0.5 * 0.25}, p.value().toDoubleArray(), 1e-12);
        setGrad(p, 0.5, 0.5);
        opt.step(); // d = g + 0.125 p; buf = 0.75 buf + d
        double p0 = 0.8125, p1 = 2.125;
        double b0 = 0.75 * 0.375 + (0.5 + 0.125 * p0), b1 = 0.75 * -0.25 + (0.5 + 0.125 * p1);
        assertArrayEquals(new double[] {p0 - 0.5 * b0, p1 - 0.5 * b1}, p.value().toDoubleArray(), 1e-12);
        assertTrue(opt.state().containsKey("p.momentum_buffer"));
    }

    @Test void cosineScheduleWarmsUpThenDecaysToTheFloor() {
        var s = new CosineSchedule(1e-3, 1e-5, 10, 110, 1e-6);
        assertEquals(1e-6, s.lr(0), 1e-15);
        assertEquals(1e-6 + (1e-3 - 1e-6) * 0.5, s.lr(5), 1e-15);
        assertEquals(1e-3, s.lr(10), 1e-15);
        assertEquals((1e-3 + 1e-5) / 2, s.lr(60), 1e-15);
        assertEquals(1e-5, s.lr(110), 1e-15);
        assertEquals(1e-5, s.lr(500), 1e-15);
        assertTrue(s.lr(30) > s.lr(31));
        assertThrows(IllegalArgumentException.class, () -> new CosineSchedule(1, 0, 20, 10, 0));
    }

    @Test void clipByGlobalNorm() {
        Var a = Var.param("a", Tensor.zeros(1, 1)), b = Var.param("b", Tensor.zeros(1));
        Var unused = Var.param("c", Tensor.zeros(3));
        setGrad(a, 3);
        setGrad(b, 4);
        assertEquals(5, GradClip.clipGlobalNorm(List.of(a, b, unused), 10), 1e-6);
        assertEquals(3, a.grad().getFlat(0), 1e-6); // under the limit: untouched
        assertEquals(5, GradClip.clipGlobalNorm(List.of(a, b, unused), 1), 1e-6);
        assertEquals(0.6, a.grad().getFlat(0), 1e-6);
        assertEquals(0.8, b.grad().getFlat(0), 1e-6);
        assertEquals(1, GradClip.globalNorm(List.of(a, b)), 1e-5);
    }

    @Test void rejectsUnnamedOrDuplicateParameters() {
        assertThrows(IllegalArgumentException.class, () -> new SGD(List.of(Var.constant(Tensor.zeros(1))), 0.1, 0, 0));
        Var p = Var.param("p", Tensor.zeros(1));
        assertThrows(IllegalArgumentException.class,
                () -> new AdamW(List.of(p, Var.param("p", Tensor.zeros(1))), 0.1, 0));
    }
}
