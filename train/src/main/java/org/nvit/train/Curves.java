package org.nvit.train;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.nvit.weights.AtomicFiles;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** curves.png: loss (train, val) and validation accuracy (top-1, top-5) per epoch, side by side. */
public final class Curves {
    private Curves() {}

    public static void write(Path png, List<EpochMetrics> metrics) throws IOException {
        if (metrics.isEmpty()) return;
        double[] ep = metrics.stream().mapToDouble(EpochMetrics::epoch).toArray();
        XYChart loss = chart("Loss", "loss");
        add(loss, "train loss", ep, metrics.stream().mapToDouble(EpochMetrics::trainLoss).toArray());
        add(loss, "val loss", ep, metrics.stream().mapToDouble(EpochMetrics::valLoss).toArray());
        XYChart acc = chart("Validation accuracy", "accuracy (%)");
        add(acc, "top-1", ep, metrics.stream().mapToDouble(EpochMetrics::valTop1).toArray());
        add(acc, "top-5", ep, metrics.stream().mapToDouble(EpochMetrics::valTop5).toArray());
        var l = BitmapEncoder.getBufferedImage(loss);
        var a = BitmapEncoder.getBufferedImage(acc);
        var img = new java.awt.image.BufferedImage(l.getWidth() + a.getWidth(), Math.max(l.getHeight(), a.getHeight()),
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        var g = img.createGraphics();
        g.drawImage(l, 0, 0, null);
        g.drawImage(a, l.getWidth(), 0, null);
        g.dispose();
        AtomicFiles.writeStream(png, out -> javax.imageio.ImageIO.write(img, "png", out));
    }

    static XYChart chart(String title, String yTitle) {
        XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle("epoch").yAxisTitle(yTitle).build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        return c;
    }

    static void add(XYChart c, String name, double[] x, double[] y) {
        c.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }
}
