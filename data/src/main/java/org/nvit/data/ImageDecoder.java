package org.nvit.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.imageio.ImageIO;

/**
 * Decodes image files to RGB (or grey) {@link Image}s with values in [0, 1]. JPEG goes through libjpeg-turbo
 * ({@link TurboJpeg}) when {@code libturbojpeg.so.0} loads, else through the JDK's decoder, and the reason is said
 * once on standard error; PNG and the rest go through javax.imageio. The system property {@code nvit.jpeg} picks:
 * {@code auto} (the default), {@code jdk} (always the JDK) or {@code turbo} (libjpeg-turbo or an error).
 */
public final class ImageDecoder {
    /** Larger images are refused (a decompression bomb would otherwise take the heap). */
    static final long MAX_PIXELS = 64L << 20;
    private static final float[] UNIT = new float[256];
    private static final AtomicBoolean FALLBACK_SAID = new AtomicBoolean();

    static {
        for (int i = 0; i < 256; i++) UNIT[i] = i * (1f / 255f);
    }

    private ImageDecoder() {}

    /** Which JPEG decoder {@link #decode} uses: "libjpeg-turbo" or "jdk". */
    public static String jpegDecoder() { return useTurbo() ? "libjpeg-turbo" : "jdk"; }

    /** Why JPEG is not decoded through libjpeg-turbo, or null when it is. */
    public static String fallbackReason() {
        String mode = mode();
        if (mode.equals("jdk")) return "-Dnvit.jpeg=jdk";
        return TurboJpeg.available() ? null : TurboJpeg.unavailableReason();
    }

    private static String mode() { return System.getProperty("nvit.jpeg", "auto").strip().toLowerCase(Locale.ROOT); }

    private static boolean useTurbo() {
        String mode = mode();
        switch (mode) {
            case "jdk" -> { return false; }
            case "turbo" -> {
                if (!TurboJpeg.available())
                    throw new DataException("-Dnvit.jpeg=turbo, but " + TurboJpeg.LIBRARY + " cannot be used ("
                            + TurboJpeg.unavailableReason() + "); install it: apt-get install libturbojpeg0");
                return true;
            }
            case "auto" -> {
                if (TurboJpeg.available()) return true;
                if (FALLBACK_SAID.compareAndSet(false, true))
                    System.err.println("nvit: note: decoding JPEG with the JDK's decoder, about 4x slower: " + TurboJpeg.LIBRARY
                            + " is not usable (" + TurboJpeg.unavailableReason() + "); on Debian: apt-get install libturbojpeg0");
                return false;
            }
            default -> throw new DataException("-Dnvit.jpeg=" + mode + ": use auto, jdk or turbo");
        }
    }

    /** The file as a 3-channel (RGB) image; grey files are replicated, an alpha channel is dropped. */
    public static Image decode(Path file) {
        byte[] bytes = read(file);
        if (isJpeg(bytes) && useTurbo()) {
            TurboJpeg.Pixels p = TurboJpeg.decode(bytes, file, MAX_PIXELS);
            if (p != null) return planar(p);
        }
        return decodeJdk(bytes, file);
    }

    /** The JDK's decoder alone (javax.imageio), for any format it reads. */
    public static Image decodeJdk(Path file) { return decodeJdk(read(file), file); }

    /** libjpeg-turbo alone; the file must be a JPEG and the library available. */
    static Image decodeTurbo(Path file) {
        TurboJpeg.Pixels p = TurboJpeg.decode(read(file), file, MAX_PIXELS);
        if (p == null) throw new DataException(file + " is a CMYK JPEG, which libjpeg-turbo does not convert to RGB");
        return planar(p);
    }

    static boolean isJpeg(byte[] b) {
        return b.length >= 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
    }

    private static byte[] read(Path file) {
        try {
            long size = Files.size(file);
            if (size > Integer.MAX_VALUE - 16)
                throw new DataException("image " + file + " is too large (" + size + " bytes)");
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new DataException("image " + file + " not found", e);
        } catch (IOException e) {
            throw new DataException("cannot read image " + file + ": " + e.getMessage(), e);
        }
    }

    /** Interleaved 8-bit samples to planar floats in [0, 1], grey replicated to 3 channels. */
    private static Image planar(TurboJpeg.Pixels p) {
        int plane = p.width() * p.height();
        byte[] b = p.data();
        float[] f = new float[3 * plane];
        if (p.channels() == 1) {
            for (int k = 0; k < plane; k++) f[k] = UNIT[b[k] & 0xFF];
            System.arraycopy(f, 0, f, plane, plane);
            System.arraycopy(f, 0, f, 2 * plane, plane);
        } else {
            for (int k = 0, j = 0; k < plane; k++, j += 3) {
                f[k] = UNIT[b[j] & 0xFF];
                f[plane + k] = UNIT[b[j + 1] & 0xFF];
                f[2 * plane + k] = UNIT[b[j + 2] & 0xFF];
            }
        }
        return new Image(3, p.height(), p.width(), f);
    }

    private static Image decodeJdk(byte[] bytes, Path file) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new DataException("cannot decode image " + file + ": " + e.getMessage() + " (corrupt file?)", e);
        }
        if (img == null) throw new DataException("cannot decode image " + file + ": not a format javax.imageio reads");
        int h = img.getHeight(), w = img.getWidth();
        if ((long) h * w > MAX_PIXELS) throw new DataException("image " + file + " is too large (" + w + "x" + h + ")");
        float[] f = new float[3 * h * w];
        int plane = h * w;
        if (img.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            // the samples as stored: getRGB would convert the linear grey colour space to sRGB and brighten them
            int[] g = img.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
            for (int k = 0; k < plane; k++) f[k] = UNIT[g[k] & 0xFF];
            System.arraycopy(f, 0, f, plane, plane);
            System.arraycopy(f, 0, f, 2 * plane, plane);
            return new Image(3, h, w, f);
        }
        int[] rgb = img.getRGB(0, 0, w, h, null, 0, w);
        for (int k = 0; k < plane; k++) {
            int p = rgb[k];
            f[k] = UNIT[(p >> 16) & 0xFF];
            f[plane + k] = UNIT[(p >> 8) & 0xFF];
            f[2 * plane + k] = UNIT[p & 0xFF];
        }
        return new Image(3, h, w, f);
    }
}
