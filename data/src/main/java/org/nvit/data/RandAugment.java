package org.nvit.data;

import java.util.ArrayList;
import java.util.List;
import org.nvit.engine.Rng;

/**
 * RandAugment as timm's {@code rand-m9-mstd0.5-inc1} on float CHW images in [0, 1]: per image, {@code ops} ops drawn
 * with replacement from timm's "increasing" list, each applied with probability 0.5 at magnitude
 * N(m, mstd) clipped to [0, 10]. Op levels follow timm: rotate 30&deg;&middot;m/10, shear 0.3&middot;m/10, translate
 * 0.45&middot;m/10 of the side, enhance factor 1 &plusmn; 0.9&middot;m/10, posterize 4 - int(4m/10) bits, solarize
 * threshold 256 - int(256m/10), solarize-add int(110m/10) (all with a random sign where timm has one). Geometric ops
 * fill with the data set's mean colour. "Color" (saturation) is left out for 1-channel images, where it is a no-op.
 */
public final class RandAugment {
    enum Op {
        AUTO_CONTRAST, EQUALIZE, INVERT, ROTATE, POSTERIZE, SOLARIZE, SOLARIZE_ADD, COLOR, CONTRAST, BRIGHTNESS,
        SHARPNESS, SHEAR_X, SHEAR_Y, TRANSLATE_X, TRANSLATE_Y
    }

    private static final double PROB = 0.5, MAX_LEVEL = 10;

    private final Op[] ops;
    private final int numOps;
    private final double magnitude, magnitudeStd;
    private final float[] fill;

    public RandAugment(int channels, int numOps, double magnitude, double magnitudeStd, float[] fill) {
        List<Op> list = new ArrayList<>(List.of(Op.values()));
        if (channels == 1) list.remove(Op.COLOR);
        this.ops = list.toArray(Op[]::new);
        this.numOps = numOps;
        this.magnitude = magnitude;
        this.magnitudeStd = magnitudeStd;
        this.fill = fill.clone();
    }

    /** The ops this instance draws from. */
    List<Op> ops() { return List.of(ops); }

    public Image apply(Image img, Rng rng) {
        for (int i = 0; i < numOps; i++) {
            Op op = ops[rng.nextInt(ops.length)];
            if (rng.nextDouble() > PROB) continue;
            double m = magnitudeStd > 0 ? magnitude + magnitudeStd * rng.nextGaussian() : magnitude;
            m = Math.min(MAX_LEVEL, Math.max(0, m)) / MAX_LEVEL;
            img = applyOp(op, img, m, rng);
        }
        return img;
    }

    static Image colorOp(Op op, Image img, double m, Rng rng) {
        return switch (op) {
            case AUTO_CONTRAST -> ColorOps.autoContrast(img);
            case EQUALIZE -> ColorOps.equalize(img);
            case INVERT -> ColorOps.invert(img);
            case POSTERIZE -> ColorOps.posterize(img, 4 - (int) (m * 4));
            case SOLARIZE -> ColorOps.solarize(img, 256 - (int) (m * 256));
            case SOLARIZE_ADD -> ColorOps.solarizeAdd(img, (int) (m * 110), 128);
            case COLOR -> ColorOps.color(img, enhance(m, rng));
            case CONTRAST -> ColorOps.contrast(img, enhance(m, rng));
            case BRIGHTNESS -> ColorOps.brightness(img, enhance(m, rng));
            case SHARPNESS -> ColorOps.sharpness(img, enhance(m, rng));
            default -> throw new IllegalStateException("geometric op needs a fill: " + op);
        };
    }

    Image applyOp(Op op, Image img, double m, Rng rng) {
        return switch (op) {
            case ROTATE -> Affine.rotate(img, signed(30 * m, rng), fill);
            case SHEAR_X -> Affine.warp(img, 1, signed(0.3 * m, rng), 0, 0, 1, 0, fill);
            case SHEAR_Y -> Affine.warp(img, 1, 0, 0, signed(0.3 * m, rng), 1, 0, fill);
            case TRANSLATE_X -> Affine.warp(img, 1, 0, signed(0.45 * m, rng) * img.width(), 0, 1, 0, fill);
            case TRANSLATE_Y -> Affine.warp(img, 1, 0, 0, 0, 1, signed(0.45 * m, rng) * img.height(), fill);
            default -> colorOp(op, img, m, rng);
        };
    }

    private static double enhance(double m, Rng rng) { return 1 + signed(0.9 * m, rng); }

    private static double signed(double v, Rng rng) { return rng.nextDouble() < 0.5 ? -v : v; }
}
