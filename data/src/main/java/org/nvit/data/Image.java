package org.nvit.data;

/**
 * One image as planar float values (CHW, row-major), normally in [0, 1] before normalisation.
 * The array is owned by whoever holds the record; transforms return new images rather than mutate shared ones.
 */
public record Image(int channels, int height, int width, float[] data) {
    public Image {
        if (channels < 1 || height < 1 || width < 1 || (long) channels * height * width != data.length)
            throw new IllegalArgumentException("image " + channels + "x" + height + "x" + width
                    + " does not match " + data.length + " values");
    }

    public static Image zeros(int c, int h, int w) { return new Image(c, h, w, new float[c * h * w]); }

    public int plane() { return height * width; }

    public float at(int c, int y, int x) { return data[(c * height + y) * width + x]; }

    public Image copy() { return new Image(channels, height, width, data.clone()); }
}
