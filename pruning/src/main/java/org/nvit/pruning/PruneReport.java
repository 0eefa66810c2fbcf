package org.nvit.pruning;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;
import org.nvit.models.BlockSpec;
import org.nvit.models.ModelStats;
import org.nvit.models.VitConfig;
import org.nvit.weights.AtomicFiles;

/** The files a pruning run leaves: dims.csv, dims.png, latency.png and report.md (all written atomically). */
public final class PruneReport {
    private PruneReport() {}

    /** Header plus one row per pruning step: step, batches, latency, EMB, heads, QK, V, MLP per block. */
    public static String dimsCsv(List<StepRecord> steps) {
        int depth = steps.getFirst().dims().depth();
        StringBuilder sb = new StringBuilder("step,batches,latency_s,emb");
        for (String k : new String[] {"heads", "qk", "v", "mlp"})
            for (int b = 0; b < depth; b++) sb.append(',').append(k).append('_').append(b);
        sb.append('\n');
        for (StepRecord r : steps) {
            VitConfig c = r.dims();
            sb.append(r.step()).append(',').append(r.batches()).append(',')
                    .append(String.format(Locale.ROOT, "%.6g", r.latency())).append(',').append(c.embedDim());
            for (int k = 0; k < 4; k++)
                for (BlockSpec s : c.blocks())
                    sb.append(',').append(switch (k) { case 0 -> s.heads(); case 1 -> s.qkDim(); case 2 -> s.vDim(); default -> s.mlpDim(); });
            sb.append('\n');
        }
        return sb.toString();
    }

    public static void writeDimsCsv(Path file, List<StepRecord> steps) throws IOException {
        AtomicFiles.writeString(file, dimsCsv(steps));
    }

    /** The original's series: grey, wide dashes, squares, drawn a little left of each block. */
    static final Color ORIGINAL = new Color(120, 120, 120);
    /** The pruned model's: blue, thin solid line, circles, a little right: equal dims stay two visible series. */
    static final Color PRUNED = new Color(31, 119, 180);
    private static final double DODGE = 0.08;

    /** Per-block dims before and after: heads, QK, V, MLP (NViT's Fig. 4 view), EMB in the titles. */
    public static void writeDimsPng(Path file, VitConfig before, VitConfig after) throws IOException {
        AtomicFiles.writeStream(file, out -> javax.imageio.ImageIO.write(dimsImage(before, after), "png", out));
    }

    private static void style(XYSeries s, org.knowm.xchart.style.markers.Marker m, BasicStroke line, Color c) {
        s.setMarker(m);
        s.setLineStyle(line);
        s.setLineColor(c);
        s.setMarkerColor(c);
    }

    static BufferedImage dimsImage(VitConfig before, VitConfig after) {
        String[] names = {"heads", "QK per head", "V per head", "MLP"};
        BufferedImage[] imgs = new BufferedImage[4];
        double[] xo = new double[before.depth()], xp = new double[before.depth()];
        for (int i = 0; i < xo.length; i++) {
            xo[i] = i - DODGE;
            xp[i] = i + DODGE;
        }
        for (int k = 0; k < 4; k++) {
            XYChart c = chart(names[k] + " (EMB " + before.embedDim() + " -> " + after.embedDim() + ")", "block", names[k]);
            c.getStyler().setMarkerSize(9);
            XYSeries o = c.addSeries("original", xo, dims(before, k));
            // wide dashes under a thin line: where the two lines coincide the grey dashes still border the blue one
            style(o, SeriesMarkers.SQUARE, new BasicStroke(6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {8f, 6f}, 0f), ORIGINAL);
            XYSeries p = c.addSeries("pruned", xp, dims(after, k));
            style(p, SeriesMarkers.CIRCLE, new BasicStroke(2f), PRUNED);
            imgs[k] = BitmapEncoder.getBufferedImage(c);
        }
        int w = imgs[0].getWidth(), h = imgs[0].getHeight();
        BufferedImage all = new BufferedImage(2 * w, 2 * h, BufferedImage.TYPE_INT_RGB);
        var g = all.createGraphics();
        for (int k = 0; k < 4; k++) g.drawImage(imgs[k], (k % 2) * w, (k / 2) * h, null);
        g.dispose();
        return all;
    }

    /** Estimated (table) latency after each pruning step, as a fraction of the original. */
    public static void writeLatencyPng(Path file, List<StepRecord> steps, double target) throws IOException {
        double orig = steps.getFirst().latency();
        double[] x = steps.stream().mapToDouble(StepRecord::step).toArray();
        double[] y = steps.stream().mapToDouble(r -> r.latency() / orig).toArray();
        XYChart c = chart("Estimated latency (lookup table)", "pruning step", "latency / original");
        add(c, "estimated", x, y);
        double[] t = new double[x.length];
        java.util.Arrays.fill(t, target);
        c.addSeries("target", x, t).setMarker(SeriesMarkers.NONE);
        BufferedImage img = BitmapEncoder.getBufferedImage(c);
        AtomicFiles.writeStream(file, out -> javax.imageio.ImageIO.write(img, "png", out));
    }

    private static double[] dims(VitConfig c, int k) {
        return c.blocks().stream().mapToDouble(s -> switch (k) {
            case 0 -> s.heads(); case 1 -> s.qkDim(); case 2 -> s.vDim(); default -> s.mlpDim(); }).toArray();
    }

    private static XYChart chart(String title, String xTitle, String yTitle) {
        XYChart c = new XYChartBuilder().width(640).height(420).title(title).xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        c.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        c.getStyler().setChartBackgroundColor(Color.WHITE);
        c.getStyler().setYAxisMin(0.0);
        return c;
    }

    private static void add(XYChart c, String name, double[] x, double[] y) {
        c.addSeries(name, x, y).setMarker(SeriesMarkers.CIRCLE);
    }

    /** What report.md states; accuracies and measured latencies may be NaN when not measured. */
    public record Summary(String checkpoint, String lut, VitConfig before, VitConfig after, double lutBefore, double lutAfter,
                          double measuredBefore, double measuredAfter, double accBefore, double accMasked, double accAfter,
                          int steps, long batches, double eta, String stopReason, String options) {}

    public static String markdown(Summary s) {
        StringBuilder sb = new StringBuilder("# NViT pruning report\n\n");
        sb.append("- checkpoint: `").append(s.checkpoint()).append("`\n- latency table: `").append(s.lut()).append("`\n");
        sb.append(String.format(Locale.ROOT, "- %d pruning steps over %d batches; stopped: %s; eta = %.4g%n", s.steps(), s.batches(), s.stopReason(), s.eta()));
        sb.append("- options: ").append(s.options()).append("\n\n");
        sb.append("| | original | pruned | ratio |\n|---|---|---|---|\n");
        row(sb, "parameters", ModelStats.params(s.before()), ModelStats.params(s.after()), "%,.0f");
        row(sb, "FLOPs / image", ModelStats.flops(s.before()), ModelStats.flops(s.after()), "%,.0f");
        row(sb, "LUT latency (s / batch)", s.lutBefore(), s.lutAfter(), "%.4g");
        row(sb, "measured latency (s / batch)", s.measuredBefore(), s.measuredAfter(), "%.4g");
        row(sb, "top-1 accuracy (%)", 100 * s.accBefore(), 100 * s.accAfter(), "%.2f");
        if (!Double.isNaN(s.accMasked()))
            sb.append(String.format(Locale.ROOT, "%nTop-1 of the masked model before shrinking: %.2f%% (the shrunk model computes the same function).%n", 100 * s.accMasked()));
        sb.append("\nAccuracy after pruning is before any fine-tuning (NViT fine-tunes the dense model with distillation).\n");
        sb.append("\n## Dimensions\n\nEMB ").append(s.before().embedDim()).append(" -> ").append(s.after().embedDim()).append("\n\n");
        sb.append("| block | heads | QK/head | V/head | MLP |\n|---|---|---|---|---|\n");
        for (int i = 0; i < s.after().depth(); i++) {
            BlockSpec a = s.before().blocks().get(i), b = s.after().blocks().get(i);
            sb.append(String.format(Locale.ROOT, "| %d | %d -> %d | %d -> %d | %d -> %d | %d -> %d |%n", i, a.heads(), b.heads(),
                    a.qkDim(), b.qkDim(), a.vDim(), b.vDim(), a.mlpDim(), b.mlpDim()));
        }
        sb.append("\nFiles: model.safetensors (dense pruned model, config in its metadata), dims.csv, dims.png, latency.png.\n");
        return sb.toString();
    }

    private static void row(StringBuilder sb, String name, double a, double b, String fmt) {
        if (Double.isNaN(a) && Double.isNaN(b)) { sb.append("| ").append(name).append(" | not measured | | |\n"); return; }
        sb.append("| ").append(name).append(" | ").append(String.format(Locale.ROOT, fmt, a)).append(" | ")
                .append(String.format(Locale.ROOT, fmt, b)).append(" | ")
                .append(Double.isNaN(a) || Double.isNaN(b) || a == 0 ? "" : String.format(Locale.ROOT, "%.3f", b / a)).append(" |\n");
    }
}
