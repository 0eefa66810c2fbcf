package org.nvit.engine.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.nvit.engine.Backend;
import org.nvit.engine.DType;
import org.nvit.engine.Tensor;

/** The oracle itself, on cases small enough to work out by hand (F64 tensors, so no float rounding hides errors). */
class ReferenceHandValuesTest {
    static final Backend REF = ReferenceBackend.INSTANCE;

    static Tensor d(double... v) { return Tensor.of(v, v.length); }

    static void assertValues(double[] want, Tensor got, double tol) { assertArrayEquals(want, got.toDoubleArray(), tol); }

    @Test void erfAtKnownPoints() {
        assertEquals(0, Erf.erf(0), 0);
        assertEquals(0.8427007929497149, Erf.erf(1), 1e-15); // erf(1) from tables
        assertEquals(-0.9953222650189527, Erf.erf(-2), 1e-15);
        assertEquals(1.5374597944280349e-12, Erf.erfc(5), 1e-26); // erfc(5), where 1 - erf(5) has no digits left
        assertEquals(2 - 1.5374597944280349e-12, Erf.erfc(-5), 1e-15);
    }

    @Test void geluAtKnownPoints() {
        // GELU(x) = x * Phi(x); Phi(1) = 0.8413447460685429, Phi(2) = 0.9772498680518208 (normal tables)
        Tensor y = Tensor.zeros(DType.F64, 5);
        REF.gelu(d(0, 1, -1, 2, -2), y);
        assertValues(new double[]{0, 0.8413447460685429, -0.15865525393145707, 1.9544997361036416, -0.0455002638963584}, y, 1e-15);
        // GELU'(x) = Phi(x) + x phi(x): at 0 it is 1/2; at 1: 0.8413447460685429 + 0.24197072451914337
        Tensor g = Tensor.zeros(DType.F64, 2);
        REF.geluBackward(d(0, 1), d(1, 2), g);
        assertValues(new double[]{0.5, 2 * (0.8413447460685429 + 0.24197072451914337)}, g, 1e-15);
    }

    @Test void softmaxOfTinyRows() {
        // scale 0.5 of [0, 2 ln 2] is [0, ln 2]: exps 1 and 2, so [1/3, 2/3]
        Tensor y = Tensor.zeros(DType.F64, 2);
        REF.softmax(d(0, 2 * Math.log(2)), 0.5f, y);
        assertValues(new double[]{1 / 3.0, 2 / 3.0}, y, 1e-15);
        // backward: gx = s * y * (gy - y.gy); y = [1/3, 2/3], gy = [1, 0]: y.gy = 1/3, gx = 0.5 * [1/3 * 2/3, 2/3 * -1/3]
        Tensor gx = Tensor.zeros(DType.F64, 2);
        REF.softmaxBackward(y, d(1, 0), 0.5f, gx);
        assertValues(new double[]{1 / 9.0, -1 / 9.0}, gx, 1e-15);
        // a large constant shift changes nothing (max subtraction: no overflow)
        REF.softmax(d(1000, 1000), 1f, y);
        assertValues(new double[]{0.5, 0.5}, y, 0);
    }

    @Test void layerNormOf123() {
        // mean 2, biased variance 2/3, rstd = sqrt(3/2); x_hat = [-sqrt(3/2), 0, sqrt(3/2)]
        double r = Math.sqrt(1.5);
        Tensor y = Tensor.zeros(DType.F64, 3), mean = Tensor.zeros(DType.F64, 1), rstd = Tensor.zeros(DType.F64, 1);
        REF.layerNorm(d(1, 2, 3), d(2, 2, 2), d(1, 1, 1), 0f, y, mean, rstd);
        assertValues(new double[]{1 - 2 * r, 1, 1 + 2 * r}, y, 1e-15);
        assertEquals(2, mean.getFlat(0), 0);
        assertEquals(r, rstd.getFlat(0), 1e-15);
        // backward with gy = [1, 1, 1], gamma = 1: gx = 0 (a constant shift of y), gBeta += 3, gGamma += sum x_hat = 0
        Tensor gx = Tensor.zeros(DType.F64, 3), gGamma = d(10, 10, 10), gBeta = d(1, 2, 3);
        REF.layerNormBackward(d(1, 2, 3), d(1, 1, 1), d(1, 1, 1), mean, rstd, gx, gGamma, gBeta);
        assertValues(new double[]{0, 0, 0}, gx, 1e-15);
        assertValues(new double[]{10 - r, 10, 10 + r}, gGamma, 1e-15);
        assertValues(new double[]{2, 3, 4}, gBeta, 0);
    }

    @Test void adamwTwoStepsByHand() {
        // lr 0.1, betas (0.9, 0.999), eps 1e-8, wd 0.01; p = 1, grads 0.5 then -0.25.
        // step 1: p = 0.999; m = 0.05, v = 0.00025; m_hat = 0.5, v_hat = 0.25; p -= 0.1 * 0.5 / (0.5 + 1e-8) -> 0.899000002
        // step 2: p = 0.899000002 * 0.999 = 0.898101001998; m = 0.045 - 0.025 = 0.02; v = 0.00024975 + 0.0000625
        //         = 0.00031225; m_hat = 0.02 / 0.19, v_hat = 0.00031225 / 0.001999; p -= 0.1 * m_hat / (sqrt(v_hat) + 1e-8)
        Tensor p = d(1), m = d(0), v = d(0);
        REF.adamw(p, d(0.5), m, v, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, 1);
        assertEquals(0.899000002, p.getFlat(0), 1e-8); // float hyper-parameters: 1e-8 tolerance
        assertEquals(0.05, m.getFlat(0), 0.05 * 1e-6); // 1 - 0.9f is 0.1 only to float precision
        assertEquals(0.00025, v.getFlat(0), 0.00025 * 1e-4); // 1 - 0.999f is 0.001 to 5e-5 relative
        REF.adamw(p, d(-0.25), m, v, 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, 2);
        double want = 0.898101001998 - 0.1 * (0.02 / 0.19) / (Math.sqrt(0.00031225 / 0.001999) + 1e-8);
        assertEquals(0.8714672987, want, 1e-10);
        assertEquals(want, p.getFlat(0), 1e-8);
        assertEquals(0.02, m.getFlat(0), 0.02 * 1e-6);
        assertEquals(0.00031225, v.getFlat(0), 0.00031225 * 1e-4);
    }

    @Test void crossEntropyTwoClasses() {
        // logits [0, ln 3]: softmax [1/4, 3/4]
        Tensor logits = Tensor.of(new double[]{0, Math.log(3)}, 1, 2), grad = Tensor.zeros(DType.F64, 1, 2);
        assertEquals(-Math.log(0.75), REF.crossEntropySoft(logits, Tensor.of(new double[]{0, 1}, 1, 2), grad, 1f), 1e-15);
        assertValues(new double[]{0.25, -0.25}, grad, 1e-15);
        // soft target [1/2, 1/2]: loss = -(ln 1/4 + ln 3/4) / 2; grad scaled by 2
        double loss = REF.crossEntropySoft(logits, Tensor.of(new double[]{0.5, 0.5}, 1, 2), grad, 2f);
        assertEquals(-(Math.log(0.25) + Math.log(0.75)) / 2, loss, 1e-15);
        assertValues(new double[]{2 * (0.25 - 0.5), 2 * (0.75 - 0.5)}, grad, 1e-15);
        // two rows: the loss is their mean and the gradient is divided by the row count
        Tensor two = Tensor.of(new double[]{0, Math.log(3), 0, 0}, 2, 2), g2 = Tensor.zeros(DType.F64, 2, 2);
        double l2 = REF.crossEntropySoft(two, Tensor.of(new double[]{0, 1, 1, 0}, 2, 2), g2, 1f);
        assertEquals((-Math.log(0.75) + Math.log(2)) / 2, l2, 1e-15);
        assertValues(new double[]{0.125, -0.125, -0.25, 0.25}, g2, 1e-15);
    }

    @Test void patchifyOrderOnA1x2x4x4Image() {
        // pixel (c, y, x) holds 100c + 10y + x; patch 2 gives a 2x2 grid of patches, each [c][dy][dx]
        Tensor img = Tensor.zeros(DType.F64, 1, 2, 4, 4);
        for (int c = 0; c < 2; c++) for (int y = 0; y < 4; y++) for (int x = 0; x < 4; x++) img.set(100 * c + 10 * y + x, 0, c, y, x);
        Tensor patches = Tensor.zeros(DType.F64, 1, 4, 8);
        REF.patchify(img, 2, patches);
        assertValues(new double[]{
                0, 1, 10, 11, 100, 101, 110, 111,     // patch (0, 0)
                2, 3, 12, 13, 102, 103, 112, 113,     // patch (0, 1)
                20, 21, 30, 31, 120, 121, 130, 131,   // patch (1, 0)
                22, 23, 32, 33, 122, 123, 132, 133}, patches, 0);
        Tensor back = Tensor.zeros(DType.F64, 1, 2, 4, 4);
        REF.unpatchify(patches, 2, back);
        assertValues(img.toDoubleArray(), back, 0);
    }

    @Test void headsAndConcatOrdering() {
        // [B=1, N=2, H*d = 2*2]: token t, head h, j -> 10t + 2h + j
        Tensor x = Tensor.of(new double[]{0, 1, 2, 3, 10, 11, 12, 13}, 1, 2, 4), s = Tensor.zeros(DType.F64, 1, 2, 2, 2);
        REF.splitHeads(x, 2, s);
        assertValues(new double[]{0, 1, 10, 11, 2, 3, 12, 13}, s, 0);
        Tensor out = Tensor.zeros(DType.F64, 2, 3);
        REF.concatLast(new Tensor[]{Tensor.of(new double[]{1, 2}, 2, 1), Tensor.of(new double[]{3, 4, 5, 6}, 2, 2)}, out);
        assertValues(new double[]{1, 3, 4, 2, 5, 6}, out, 0);
    }

    @Test void sumRowsAndScaleSamples() {
        Tensor x = Tensor.of(new double[]{1, 2, 3, 4, 5, 6}, 3, 2), out = d(100, 200);
        REF.sumRows(x, out, true);
        assertValues(new double[]{109, 212}, out, 0);
        REF.sumRows(x, out, false);
        assertValues(new double[]{9, 12}, out, 0);
        Tensor y = Tensor.zeros(DType.F64, 3, 2);
        REF.scaleSamples(x, d(0, 2, -1), y);
        assertValues(new double[]{0, 0, 6, 8, -5, -6}, y, 0);
    }
}
