package org.nvit.data;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.nvit.engine.Rng;

class AugmentTest {
    static Image random(int c, int h, int w, long seed) {
        Rng r = new Rng(seed);
        float[] f = new float[c * h * w];
        for (int i = 0; i < f.length; i++) f[i] = r.nextFloat();
        return new Image(c, h, w, f);
    }

    static void assertRange(Image img, float lo, float hi) {
        for (float v : img.data()) assertTrue(v >= lo && v <= hi, "value " + v + " outside [" + lo + ", " + hi + "]");
    }

    @Test void resampleIdentityConstantAndAntialias() {
        Image img = random(2, 9, 7, 1);
        for (Interpolation f : Interpolation.values()) {
            Image same = Resample.crop(img, 0, 0, 7, 9, 9, 7, f);
            assertArrayEquals(img.data(), same.data(), 1e-6f);
        }
        Image flat = new Image(1, 13, 11, filled(13 * 11, 0.3f));
        for (Interpolation f : Interpolation.values())
            for (int[] sz : new int[][] {{5, 4}, {30, 17}, {1, 1}})
                for (float v : Resample.resize(flat, sz[0], sz[1], f).data()) assertEquals(0.3f, v, 1e-5f);
        // a 1-pixel checkerboard halved: antialiasing averages it to ~0.5 (point sampling would give 0 or 1)
        float[] cb = new float[32 * 32];
        for (int y = 0; y < 32; y++) for (int x = 0; x < 32; x++) cb[y * 32 + x] = (x + y) % 2;
        Image half = Resample.resize(new Image(1, 32, 32, cb), 16, 16, Interpolation.BILINEAR);
        for (int y = 2; y < 14; y++) for (int x = 2; x < 14; x++) assertEquals(0.5f, half.at(0, y, x), 0.05f);
        // bicubic overshoot is clamped
        float[] step = new float[20 * 20];
        for (int i = 0; i < step.length; i++) step[i] = (i % 20) < 10 ? 0 : 1;
        assertRange(Resample.resize(new Image(1, 20, 20, step), 47, 47, Interpolation.BICUBIC), 0, 1);
    }

    @Test void cropsKeepShapeAndRange() {
        Rng rng = new Rng(3);
        Image img = random(3, 40, 25, 2);
        for (int t = 0; t < 50; t++) {
            Image c = Crops.randomResizedCrop(img, 16, 0.08, 1, 0.75, 4 / 3.0, Interpolation.BICUBIC, rng);
            assertEquals(3, c.channels());
            assertEquals(16, c.height());
            assertEquals(16, c.width());
            assertRange(c, 0, 1);
        }
        // scale 1, ratio 1 on a square image: the whole image, so the same pixels at the same size
        Image sq = random(1, 12, 12, 4);
        assertArrayEquals(sq.data(), Crops.randomResizedCrop(sq, 12, 1, 1, 1, 1, Interpolation.BILINEAR, rng).data(), 1e-6f);
        // pad-crop of an all-ones image: a shifted window, zeros only in the border strips
        Image ones = new Image(1, 28, 28, filled(28 * 28, 1));
        for (int t = 0; t < 20; t++) {
            Image p = Crops.padCrop(ones, 2, rng);
            int zeros = 0;
            for (float v : p.data()) { assertTrue(v == 0 || v == 1); if (v == 0) zeros++; }
            assertTrue(zeros <= 2 * 28 + 2 * 28, "zeros " + zeros);
        }
        Image e = Crops.resizeCentreCrop(random(3, 100, 80, 5), 16, 0.875, Interpolation.BICUBIC);
        assertEquals(16, e.height());
        assertEquals(16, e.width());
        // eval on a 64x48 image with crop fraction 0.5: short side to 32 (long side 42), centre 16x16 = source box
        // [16, 48) x [8, 40); a constant-per-region image tells whether the right box was taken
        float[] reg = new float[64 * 48];
        for (int y = 0; y < 64; y++) for (int x = 0; x < 48; x++) reg[y * 48 + x] = (y >= 16 && y < 48 && x >= 8 && x < 40) ? 1 : 0;
        Image centre = Crops.resizeCentreCrop(new Image(1, 64, 48, reg), 16, 0.5, Interpolation.BILINEAR);
        for (float v : centre.data()) assertEquals(1f, v, 1e-6f);
        // affine: interior and border paths agree with plain bilinear interpolation
        Image src = random(2, 9, 11, 8);
        Image moved = Affine.warp(src, 1, 0, 0.25, 0, 1, 0.5, new float[] {0.7f, 0.7f});
        float expect = 0.5f * (0.75f * src.at(1, 4, 3) + 0.25f * src.at(1, 4, 4)) + 0.5f * (0.75f * src.at(1, 5, 3) + 0.25f * src.at(1, 5, 4));
        assertEquals(expect, moved.at(1, 4, 3), 1e-6f);
        float edge = 0.5f * (0.75f * src.at(0, 8, 3) + 0.25f * src.at(0, 8, 4)) + 0.5f * 0.7f;
        assertEquals(edge, moved.at(0, 8, 3), 1e-6f);
        Image f = random(2, 5, 6, 6), g = f.copy();
        Crops.hflip(g);
        assertEquals(f.at(1, 3, 0), g.at(1, 3, 5));
        Crops.hflip(g);
        assertArrayEquals(f.data(), g.data());
    }

    @Test void randAugmentOpsKeepShapeAndRange() {
        for (int c : new int[] {1, 3}) {
            RandAugment ra = new RandAugment(c, 2, 9, 0.5, new float[] {0.5f, 0.4f, 0.3f});
            assertEquals(c == 1 ? 14 : 15, ra.ops().size());
            Image img = random(c, 17, 13, 7);
            for (RandAugment.Op op : RandAugment.Op.values())
                for (double m : new double[] {0, 0.5, 0.9, 1}) {
                    Image out = ra.applyOp(op, img, m, new Rng(11));
                    assertEquals(img.channels(), out.channels(), op.name());
                    assertEquals(17, out.height());
                    assertEquals(13, out.width());
                    assertRange(out, 0, 1);
                }
            Image a = ra.apply(img, new Rng(5)), b = ra.apply(img, new Rng(5));
            assertArrayEquals(a.data(), b.data());
        }
    }

    @Test void randAugmentOpSemantics() {
        Image img = random(3, 8, 8, 9);
        RandAugment ra = new RandAugment(3, 2, 9, 0.5, new float[] {0, 0, 0});
        assertArrayEquals(img.data(), ColorOps.invert(ColorOps.invert(img)).data(), 1e-6f);
        assertArrayEquals(img.data(), ColorOps.solarize(img, 256).data()); // m = 0: threshold above every value
        assertArrayEquals(img.data(), ra.applyOp(RandAugment.Op.ROTATE, img, 0, new Rng(1)).data(), 1e-6f);
        for (float v : ColorOps.posterize(img, 1).data()) assertTrue(v == 0 || v == 128 / 255f);
        Image ac = ColorOps.autoContrast(img);
        assertEquals(0f, min(ac), 1e-6f);
        assertEquals(1f, max(ac), 1e-6f);
        // translate by +/-0.45 * 8 px = 3.6 px: each output pixel equals the interpolated input or the fill
        Image shifted = Affine.warp(img, 1, 0, 2, 0, 1, 0, new float[] {0, 0, 0});
        assertEquals(img.at(1, 3, 4), shifted.at(1, 3, 2), 1e-6f);
        assertEquals(0f, shifted.at(1, 3, 7), 1e-6f);
        // equalize spreads a narrow histogram
        float[] narrow = new float[1024];
        for (int i = 0; i < 1024; i++) narrow[i] = 0.4f + (i % 16) / 255f;
        Image eq = ColorOps.equalize(new Image(1, 32, 32, narrow));
        assertTrue(max(eq) - min(eq) > 0.8f, "equalized range " + (max(eq) - min(eq)));
        // contrast 0 gives the mean grey everywhere; brightness 0 gives black
        Image flat = ColorOps.contrast(img, 0);
        for (float v : flat.data()) assertEquals(flat.data()[0], v, 1e-6f);
        for (float v : ColorOps.brightness(img, 0).data()) assertEquals(0f, v);
    }

    @Test void transformsAndErasing() {
        AugmentConfig deit = AugmentConfig.defaultsFor("imagefolder", 3, 32);
        Image src = random(3, 50, 41, 12);
        Image a = Transforms.train(deit).apply(src, new Rng(7)), b = Transforms.train(deit).apply(src, new Rng(7));
        assertArrayEquals(a.data(), b.data());
        assertEquals(32, a.height());
        for (float v : a.data()) assertTrue(Float.isFinite(v) && Math.abs(v) < 10);
        AugmentConfig fm = AugmentConfig.defaultsFor("fashion-mnist", 1, 28);
        Image img = random(1, 28, 28, 13);
        Image ev = Transforms.eval(fm).apply(img, null);
        for (int i = 0; i < 28 * 28; i++) assertEquals((img.data()[i] - 0.2860f) / 0.3530f, ev.data()[i], 1e-5f);
        Image erased = img.copy();
        assertFalse(RandomErasing.apply(erased, 0, new Rng(1)));
        assertArrayEquals(img.data(), erased.data());
        assertTrue(RandomErasing.apply(erased, 1, new Rng(1)));
        int changed = 0;
        for (int i = 0; i < img.data().length; i++) if (img.data()[i] != erased.data()[i]) changed++;
        assertTrue(changed >= 0.02 * 784 * 0.5 && changed <= 784 / 3.0 * 1.2, "changed " + changed);
        assertThrows(DataException.class, () -> Transforms.train(fm).apply(src, new Rng(1)));
    }

    @Test void mixupTargetsSumToOneAndMatchTheImages() {
        int B = 6, C = 2, H = 8, W = 8, K = 5;
        int[] labels = {0, 1, 2, 3, 4, 0};
        float[] x0 = random(B * C, H, W, 21).data();
        for (String which : new String[] {"mixup=0.8,cutmix=0", "mixup=0,cutmix=1", "mixup=0.8,cutmix=1"}) {
            AugmentConfig cfg = AugmentConfig.defaultsFor("synthetic", C, H).withOverrides(which + ",smoothing=0.1");
            for (long seed = 0; seed < 20; seed++) {
                float[] x = x0.clone();
                float[] t = MixupCutmix.apply(x, labels, C, H, W, K, cfg, new Rng(seed));
                for (int b = 0; b < B; b++) {
                    double sum = 0;
                    for (int k = 0; k < K; k++) { sum += t[b * K + k]; assertTrue(t[b * K + k] >= 0.1f / K - 1e-6); }
                    assertEquals(1.0, sum, 1e-5);
                }
                // row 0 (label 0) vs partner row 5 (label 0): same class, target on = 1 - s + s/K
                assertEquals(1 - 0.1 + 0.1 / K, t[0], 1e-5);
                // row 1 (label 1) mixes with row 4 (label 4): lam recovered from the targets
                double off = 0.1 / K, on = 1 - 0.1 + off, lam = (t[K + 1] - off) / (on - off);
                if (which.startsWith("mixup=0.8,cutmix=0")) {
                    for (int k = 0; k < C * H * W; k++)
                        assertEquals(lam * x0[C * H * W + k] + (1 - lam) * x0[4 * C * H * W + k], x[C * H * W + k], 1e-5);
                } else if (which.startsWith("mixup=0,")) {
                    int fromPartner = 0;
                    for (int k = 0; k < H * W; k++) if (x[C * H * W + k] != x0[C * H * W + k]) fromPartner++;
                    assertEquals((1 - lam) * H * W, fromPartner, 1e-3, "CutMix lambda must match the pasted area");
                }
            }
        }
        float[] plain = MixupCutmix.smoothTargets(new int[] {2}, 4, 0.1);
        assertArrayEquals(new float[] {0.025f, 0.025f, 0.925f, 0.025f}, plain, 1e-6f);
    }

    @Test void betaSamplerMoments() {
        Rng rng = new Rng(99);
        int n = 20000;
        for (double a : new double[] {0.8, 1.0}) {
            double s = 0, s2 = 0;
            for (int i = 0; i < n; i++) {
                double v = MixupCutmix.beta(a, rng);
                assertTrue(v >= 0 && v <= 1);
                s += v;
                s2 += v * v;
            }
            double mean = s / n, var = s2 / n - mean * mean;
            assertEquals(0.5, mean, 0.01);
            assertEquals(1 / (4 * (2 * a + 1)), var, 0.006);
        }
    }

    @Test void configDefaultsAndOverrides() {
        AugmentConfig fm = AugmentConfig.defaultsFor("fashion-mnist", 1, 28);
        assertFalse(fm.mixing());
        assertFalse(fm.randAugment());
        assertEquals(0, fm.padCrop());   // no crop by default (see AugmentConfig)
        AugmentConfig deit = AugmentConfig.defaultsFor("imagefolder", 3, 224);
        assertTrue(deit.randomResizedCrop() && deit.randAugment() && deit.mixing());
        assertEquals(0.25, deit.erasingProb());
        AugmentConfig o = fm.withOverrides("mixup=0.8, cutmix=1, randaug=on, scale=0.5-1, interp=bicubic");
        assertTrue(o.mixing() && o.randAugment());
        assertEquals(Interpolation.BICUBIC, o.interpolation());
        assertThrows(DataException.class, () -> fm.withOverrides("bogus=1"));
        assertThrows(DataException.class, () -> fm.withOverrides("erasing=2"));
        assertThrows(DataException.class, () -> fm.withOverrides("hflip=x"));
    }

    static float[] filled(int n, float v) { float[] f = new float[n]; java.util.Arrays.fill(f, v); return f; }

    static float min(Image i) { float m = Float.MAX_VALUE; for (float v : i.data()) m = Math.min(m, v); return m; }

    static float max(Image i) { float m = -Float.MAX_VALUE; for (float v : i.data()) m = Math.max(m, v); return m; }
}
