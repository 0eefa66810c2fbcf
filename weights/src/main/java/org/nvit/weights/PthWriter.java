package org.nvit.weights;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.nvit.engine.Tensor;
import org.nvit.models.VitConfig;

/**
 * Writes a PyTorch checkpoint in {@code torch.save}'s zip format, which {@code torch.load} reads, also with
 * {@code weights_only=True}: {@code {'model': state dict, 'nvit_config': config JSON}}, the state dict in our names
 * (timm's) and canonical order, float32, one storage per tensor. The layout is torch's: every record under one
 * {@code archive/} folder, {@code data.pkl} (pickle protocol 2; tensors as
 * {@code torch._utils._rebuild_tensor_v2} of a {@code torch.FloatStorage} persistent id), {@code byteorder},
 * {@code data/<key>}, {@code version}; records STORED (uncompressed), each tensor's bytes starting on a 64-byte
 * boundary as torch aligns them (the local header's extra field is padded). A DeiT-style {@code 'model'} container
 * is what DeiT's and timm's loaders look for; load with
 * {@code torch.load(f, weights_only=True)['model']}.
 */
public final class PthWriter {
    /** Top-level key of the config JSON ({@link VitConfig#toJson}). */
    public static final String CONFIG_KEY = "nvit_config";
    /** Top-level key of the state dict. */
    public static final String MODEL_KEY = "model";
    private static final String ARCHIVE = "archive/";
    private static final int ALIGN = 64;
    /** torch's file-format version for this layout (PyTorchStreamWriter's kProducedFileFormatVersion). */
    private static final String FORMAT_VERSION = "3\n";

    private PthWriter() {}

    /** Writes the checkpoint atomically: a failure leaves no partial file. */
    public static void write(Path out, VitConfig cfg, Map<String, Tensor> stateDict) throws IOException {
        write(out, cfg, stateDict, Map.of());
    }

    /** The .pth entry of one of our metadata keys: {@code nvit.preprocess} is {@code nvit_preprocess}. */
    public static String entryName(String metadataKey) { return metadataKey.replace('.', '_'); }

    /**
     * The same with more of our text entries ({@link WeightFiles#PREPROCESS_KEY}, ...), each a top-level string under
     * {@link #entryName}.
     */
    public static void write(Path out, VitConfig cfg, Map<String, Tensor> stateDict, Map<String, String> metadata)
            throws IOException {
        Map<String, String> extra = WeightFiles.checkedMetadata(metadata);
        Map<String, Tensor> sd = StateDicts.checkAndOrder(cfg, stateDict);
        List<Tensor> storages = new ArrayList<>(sd.size());
        PickleWriter p = new PickleWriter();
        p.emptyDict();
        p.mark();
        p.string(MODEL_KEY);
        p.emptyDict();
        p.mark();
        for (Map.Entry<String, Tensor> e : sd.entrySet()) {
            p.string(e.getKey());
            tensor(p, Integer.toString(storages.size()), e.getValue().shape());
            storages.add(e.getValue());
        }
        p.setItems();
        p.string(CONFIG_KEY);
        p.string(cfg.toJson());
        for (Map.Entry<String, String> e : extra.entrySet()) {
            p.string(entryName(e.getKey()));
            p.string(e.getValue());
        }
        p.setItems();
        byte[] pickle = p.finish();

        AtomicFiles.writeStream(out, raw -> {
            Counting counted = new Counting(raw);
            ZipOutputStream zip = new ZipOutputStream(counted);
            record(zip, counted, "data.pkl", pickle);
            record(zip, counted, "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < storages.size(); i++) record(zip, counted, "data/" + i, littleEndian(storages.get(i)));
            record(zip, counted, "version", FORMAT_VERSION.getBytes(StandardCharsets.US_ASCII));
            zip.finish();  // not close(): the caller owns the stream and syncs it
            counted.flush();
        });
    }

    /** _rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), 0, size, contiguous stride, False, OrderedDict()). */
    private static void tensor(PickleWriter p, String key, int[] shape) {
        long numel = 1;
        long[] size = new long[shape.length], stride = new long[shape.length];
        for (int i = shape.length - 1; i >= 0; i--) {
            size[i] = shape[i];
            stride[i] = numel;
            numel *= shape[i];
        }
        p.global("torch._utils", "_rebuild_tensor_v2");
        p.mark();
        p.mark();
        p.string("storage");
        p.global("torch", "FloatStorage");
        p.string(key);
        p.string("cpu");
        p.integer(numel);
        p.tupleFromMark();
        p.persistentId();
        p.integer(0);
        p.intTuple(size);
        p.intTuple(stride);
        p.falseValue();
        p.global("collections", "OrderedDict");  // backward hooks: an empty OrderedDict, as torch writes it
        p.emptyTuple();
        p.reduce();
        p.tupleFromMark();
        p.reduce();
    }

    private static byte[] littleEndian(Tensor t) {
        float[] f = t.toFloatArray();
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(f.length, 4)).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(f);
        return b.array();
    }

    /** One STORED record whose data starts on a 64-byte boundary (padding in the local header's extra field). */
    private static void record(ZipOutputStream zip, Counting counted, String name, byte[] data) throws IOException {
        String full = ARCHIVE + name;
        ZipEntry e = new ZipEntry(full);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        // a fixed DOS-representable time, so no extended-timestamp extra field (1980-01-01 00:00 itself is the JDK's
        // "before 1980" marker and would get one)
        e.setTimeLocal(LocalDateTime.of(2000, 1, 1, 0, 0));
        long dataStart = counted.count + 30 + full.getBytes(StandardCharsets.UTF_8).length;
        int pad = (int) Math.floorMod(-dataStart, (long) ALIGN);
        if (pad > 0 && pad < 4) pad += ALIGN;  // an extra-field block needs 4 bytes of its own header
        if (pad > 0) {
            byte[] extra = new byte[pad];
            extra[0] = 'F';  // torch's padding block id
            extra[1] = 'B';
            extra[2] = (byte) (pad - 4);
            extra[3] = (byte) ((pad - 4) >>> 8);
            e.setExtra(extra);
        }
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** Counts the bytes written so far: the offset of the next local header. */
    private static final class Counting extends FilterOutputStream {
        long count;

        Counting(OutputStream out) { super(out); }

        @Override public void write(int b) throws IOException { out.write(b); count++; }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); count += len; }
    }
}
