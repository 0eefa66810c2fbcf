package org.nvit.data;

/** Resampling filter for resizes: bilinear (triangle, support 1) or bicubic (Keys a = -0.5, support 2, as in PIL). */
public enum Interpolation {
    BILINEAR(1) {
        @Override double weight(double x) {
            x = Math.abs(x);
            return x < 1 ? 1 - x : 0;
        }
    },
    BICUBIC(2) {
        @Override double weight(double x) {
            final double a = -0.5;
            x = Math.abs(x);
            if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
            if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
            return 0;
        }
    };

    final double support;

    Interpolation(double support) { this.support = support; }

    abstract double weight(double x);
}
