package org.nvit.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.nvit.data.Preprocess;
import org.nvit.models.ModelStats;
import org.nvit.train.ModelFileMetadata;
import org.nvit.weights.Models;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nvit.models.BlockSpec;
import org.nvit.models.VitConfig;
import org.nvit.weights.Printable;
import org.nvit.weights.StateDicts;
import org.nvit.weights.ValueFormat;
import org.nvit.weights.WeightFiles;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code nvit info FILE}: the model a weight file holds (config per block, tensor count, parameters). */
@Command(name = "info", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Show the model in a weight file (.safetensors or PyTorch .pth): config per block and parameter count.")
public final class InfoCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "weight file (.safetensors, .pth)")
    Path file;

    @Option(names = "--heads", paramLabel = "N[,N...]",
            description = "attention heads: one count for every block or one per block (default: the file's config, NViT's 'dim', or 64-wide heads)")
    String heads;

    @Option(names = "--json", description = "Print only one JSON object on standard output: the file's format, config,"
            + " tensor and parameter counts, GFLOPs, preprocessing and class names.")
    boolean json;

    @Override public Integer call() throws Exception {
        WeightFiles.Loaded m = WeightFiles.load(file, Models.parseHeads(heads));
        PrintWriter out = spec.commandLine().getOut();
        VitConfig c = m.config();
        Preprocess pre = ModelFileMetadata.preprocess(m);
        java.util.List<String> classes = ModelFileMetadata.classNames(m);
        if (json) {
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode n = mapper.createObjectNode();
            n.put("file", file.toString());
            n.put("format", m.format());
            n.set("config", mapper.readTree(c.toJson()));
            n.put("tensors", m.stateDict().size());
            n.put("parameters", StateDicts.parameterCount(m.stateDict()));
            n.put("gflops", ModelStats.flops(c) / 1e9);
            if (pre != null) n.set("preprocess", mapper.readTree(pre.toJson())); else n.putNull("preprocess");
            if (classes.isEmpty()) n.putNull("classes");
            else classes.forEach(n.putArray("classes")::add);
            out.println(mapper.writeValueAsString(n));
            out.flush();
            return 0;
        }
        out.printf("file        %s (%s)%n", Printable.escape(file.toString()), m.format());
        out.printf("image       %d px, patch %d, %d channels, %d tokens%n", c.imageSize(), c.patchSize(), c.inChans(), c.numTokens());
        out.printf("embed dim   %d, depth %d, classes %d%s%n", c.embedDim(), c.depth(), c.numClasses(), c.distilled() ? ", distilled" : "");
        out.printf("attn scale  %s%n", c.attnScale() == null ? "1/sqrt(head width)" : c.attnScale().toString());
        out.printf("tensors     %d, parameters %,d%n", m.stateDict().size(), StateDicts.parameterCount(m.stateDict()));
        out.printf(java.util.Locale.ROOT, "compute     %.4f GMAC = %.4f GFLOP per image (forward)%n", ModelStats.macs(c) / 1e9,
                ModelStats.flops(c) / 1e9);
        out.printf("preprocess  %s%n", pre != null ? pre : "none stored (eval and infer use the data set's defaults)");
        if (!classes.isEmpty())
            out.printf("classes     %d: %s%n", classes.size(), ValueFormat.text(String.join(", ", classes), 100));
        out.println("block  heads  qk/head  v/head   mlp      params     MMAC");
        for (int i = 0; i < c.depth(); i++) {
            BlockSpec b = c.blocks().get(i);
            out.printf(java.util.Locale.ROOT, "%5d  %5d  %7d  %6d  %4d  %10d  %7.2f%n", i, b.heads(), b.qkDim(), b.vDim(), b.mlpDim(),
                    ModelStats.blockParams(c, i), ModelStats.blockMacs(c, i) / 1e6);
        }
        // the file's other entries: text from the file, escaped, and values of any depth, cycles or sharing, bounded
        int shown = 0;
        for (Map.Entry<String, Object> e : m.extras().entrySet()) {
            if (SHOWN.contains(e.getKey())) continue;
            if (++shown > MAX_EXTRAS) {
                out.printf("extra       ... and %d more entries%n", m.extras().size() - MAX_EXTRAS);
                break;
            }
            out.printf("extra       %s = %s%n", ValueFormat.text(e.getKey(), 60), brief(e.getValue()));
        }
        out.flush();
        return 0;
    }

    /** Entries printed above in their own lines. */
    private static final java.util.Set<String> SHOWN = java.util.Set.of(WeightFiles.CONFIG_KEY, WeightFiles.PREPROCESS_KEY,
            WeightFiles.CLASSES_KEY, org.nvit.weights.PthWriter.entryName(WeightFiles.PREPROCESS_KEY),
            org.nvit.weights.PthWriter.entryName(WeightFiles.CLASSES_KEY));

    /** Lines of extras shown; a checkpoint may hold any number of top-level entries. */
    private static final int MAX_EXTRAS = 50;

    private static String brief(Object v) {
        if (v instanceof String s) return ValueFormat.text(s, 100);   // metadata text, unquoted
        return ValueFormat.brief(v, 100);
    }
}
