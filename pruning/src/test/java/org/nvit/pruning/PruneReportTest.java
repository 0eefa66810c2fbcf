package org.nvit.pruning;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;

/** dims.png keeps the original and the pruned series visible when they are equal. */
class PruneReportTest {
    private static int count(BufferedImage img, Color c) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) if ((img.getRGB(x, y) & 0xFFFFFF) == (c.getRGB() & 0xFFFFFF)) n++;
        return n;
    }

    @Test void equalDimsStillShowBothSeries() throws Exception {
        VitConfig cfg = new VitConfig(28, 7, 1, 10, 32, false, 1e-6, null,
                List.of(new BlockSpec(2, 8, 8, 64), new BlockSpec(2, 8, 8, 64), new BlockSpec(2, 8, 8, 64)));
        BufferedImage same = PruneReport.dimsImage(cfg, cfg);
        int original = count(same, PruneReport.ORIGINAL), pruned = count(same, PruneReport.PRUNED);
        // each of the four panels draws three markers per series: dozens of pixels each when nothing hides them
        assertTrue(original > 400, "original series hidden: " + original + " pixels");
        if (System.getenv("DIMS_PNG") != null) javax.imageio.ImageIO.write(same, "png", new java.io.File(System.getenv("DIMS_PNG")));
        assertTrue(pruned > 400, "pruned series hidden: " + pruned + " pixels");
    }
}
