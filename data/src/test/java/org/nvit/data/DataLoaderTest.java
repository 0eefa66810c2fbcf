package org.nvit.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DataLoaderTest {
    static final int N = 103, B = 10;

    static AugmentConfig heavy() {
        return AugmentConfig.defaultsFor("synthetic", 3, 12)
                .withOverrides("pad=2,hflip=0.5,randaug=1,erasing=0.25,mixup=0.8,cutmix=1");
    }

    @Test void trainEpochCoversEveryIndexOnceAndDropsLast() {
        SyntheticDataset ds = new SyntheticDataset(N, 3, 12, 12, 5, 1);
        try (DataLoader dl = DataLoader.train(ds, heavy(), B, 7, 2)) {
            assertEquals(10, dl.batchesPerEpoch());
            Set<Integer> seen = new HashSet<>();
            int batches = 0;
            for (var it = dl.iterator(0); it.hasNext(); batches++) {
                Batch b = it.next();
                assertEquals(B, b.size());
                assertArrayEquals(new int[] {B, 3, 12, 12}, b.images().shape());
                assertArrayEquals(new int[] {B, 5}, b.targets().shape());
                for (int i = 0; i < B; i++) {
                    assertTrue(seen.add(b.indices()[i]), "index repeated");
                    assertEquals(ds.label(b.indices()[i]), b.labels()[i]);
                }
            }
            assertEquals(10, batches);
            assertEquals(100, seen.size());
            assertNotEquals(firstIndices(dl, 0), firstIndices(dl, 1), "epochs must shuffle differently");
            assertEquals(firstIndices(dl, 1), firstIndices(dl, 1));
        }
    }

    @Test void evalKeepsOrderAndRemainder() {
        SyntheticDataset ds = new SyntheticDataset(N, 3, 12, 12, 5, 1);
        try (DataLoader dl = DataLoader.eval(ds, heavy(), B, 1)) {
            assertEquals(11, dl.batchesPerEpoch());
            int next = 0;
            for (var it = dl.iterator(0); it.hasNext(); ) {
                Batch b = it.next();
                for (int i = 0; i < b.size(); i++) {
                    assertEquals(next++, b.indices()[i]);
                    assertEquals(1f, b.targets().floats()[b.targets().off() + i * 5 + b.labels()[i]]);
                }
                if (b.index() == 10) assertEquals(3, b.size());
            }
            assertEquals(N, next);
        }
    }

    @Test void resumeMidEpochAndWorkerCountGiveIdenticalBatches() {
        SyntheticDataset ds = new SyntheticDataset(N, 3, 12, 12, 5, 1);
        List<Batch> full = new ArrayList<>(), resumed = new ArrayList<>();
        try (DataLoader one = DataLoader.train(ds, heavy(), B, 42, 1); DataLoader two = DataLoader.train(ds, heavy(), B, 42, 2)) {
            one.iterator(3).forEachRemaining(full::add);
            try (var it = two.iterator(3, 4)) { it.forEachRemaining(resumed::add); }
        }
        assertEquals(6, resumed.size());
        for (int k = 0; k < 6; k++) {
            Batch a = full.get(k + 4), b = resumed.get(k);
            assertEquals(a.index(), b.index());
            assertArrayEquals(a.indices(), b.indices());
            assertArrayEquals(a.images().toFloatArray(), b.images().toFloatArray());
            assertArrayEquals(a.targets().toFloatArray(), b.targets().toFloatArray());
        }
    }

    @Test void workerFailureReachesTheConsumer() {
        SyntheticDataset base = new SyntheticDataset(N, 3, 12, 12, 5, 1);
        Dataset failing = failingAt(base, i -> {
            if (i == 57) throw new DataException("cannot decode image /x/57.png: boom");
        });
        try (DataLoader dl = DataLoader.train(failing, heavy(), B, 1, 2)) {
            DataException e = assertThrows(DataException.class, () -> {
                for (var it = dl.iterator(0); it.hasNext(); ) it.next();
            });
            assertEquals("cannot decode image /x/57.png: boom", e.getMessage());
        }
        Dataset buggy = failingAt(base, i -> { throw new ArithmeticException("bad arithmetic"); });
        try (DataLoader dl = DataLoader.eval(buggy, heavy(), B, 1)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> dl.iterator(0).next());
            assertEquals("bad arithmetic", e.getMessage());
        }
    }

    @Test void closeStopsTheLoaderAndBadArgumentsAreRejected() {
        SyntheticDataset ds = new SyntheticDataset(N, 3, 12, 12, 5, 1);
        DataLoader dl = DataLoader.train(ds, heavy(), B, 1, 1);
        dl.close();
        assertThrows(IllegalStateException.class, () -> dl.iterator(0));
        assertThrows(DataException.class, () -> DataLoader.train(ds, heavy(), 200, 1, 1));
        assertThrows(DataException.class, () -> DataLoader.train(ds, heavy(), B, 1, 0));
        try (DataLoader ok = DataLoader.train(ds, heavy(), B, 1, 1)) {
            assertThrows(DataException.class, () -> ok.iterator(0, 11));
            assertFalse(ok.iterator(0, 10).hasNext());
        }
    }

    @Test void imageFolderThroughTheFullRecipe(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        int[][] sizes = {{20, 30}, {17, 11}, {40, 40}, {9, 25}};
        for (int i = 0; i < 8; i++) {
            int[] sz = sizes[i % 4];
            TestFiles.png(tmp.resolve((i < 6 ? "train/" : "val/") + (i % 2 == 0 ? "a" : "b") + "/" + i + ".png"), sz[0], sz[1],
                    0x102030 * (i + 1));
        }
        DataSource src = DataSources.open("imagefolder:" + tmp, 3, 16, 2);
        AugmentConfig cfg = AugmentConfig.defaultsFor(src, 16);
        assertTrue(cfg.randomResizedCrop() && cfg.randAugment() && cfg.mixing());
        try (DataLoader tr = DataLoader.train(src.train(), cfg, 4, 3, 2); DataLoader ev = DataLoader.eval(src.val(), cfg, 4, 1)) {
            Batch b = tr.iterator(0).next();
            assertArrayEquals(new int[] {4, 3, 16, 16}, b.images().shape());
            float[] t = b.targets().toFloatArray();
            for (int r = 0; r < 4; r++) assertEquals(1.0, t[2 * r] + t[2 * r + 1], 1e-5);
            Batch v = ev.iterator(0).next();
            assertEquals(2, v.size());
            assertArrayEquals(new int[] {2, 3, 16, 16}, v.images().shape());
        }
    }

    /** base, but get(i) first runs check(i). */
    static Dataset failingAt(Dataset base, java.util.function.IntConsumer check) {
        return new Dataset() {
            @Override public int size() { return base.size(); }
            @Override public int numClasses() { return base.numClasses(); }
            @Override public int channels() { return base.channels(); }
            @Override public int height() { return base.height(); }
            @Override public int width() { return base.width(); }
            @Override public List<String> classNames() { return base.classNames(); }
            @Override public Sample get(int i) { check.accept(i); return base.get(i); }
        };
    }

    private static List<Integer> firstIndices(DataLoader dl, int epoch) {
        try (var it = dl.iterator(epoch)) {
            List<Integer> l = new ArrayList<>();
            for (int i : it.next().indices()) l.add(i);
            return l;
        }
    }

    /** Two ranks' batches of 5 are, image for image, the one-process batch of 10 (Mixup/CutMix off: they mix within a batch). */
    @Test void shardsOfAGlobalBatchAreTheSingleProcessBatch() {
        SyntheticDataset ds = new SyntheticDataset(N, 3, 12, 12, 5, 1);
        AugmentConfig aug = heavy().withOverrides("mixup=0,cutmix=0");
        try (DataLoader one = DataLoader.train(ds, aug, B, 7, 1);
             DataLoader r0 = DataLoader.shard(ds, aug, B / 2, 7, 1, 0, 2);
             DataLoader r1 = DataLoader.shard(ds, aug, B / 2, 7, 2, 1, 2)) {
            assertEquals(one.batchesPerEpoch(), r0.batchesPerEpoch());
            assertEquals(B, r1.globalBatchSize());
            var a = one.iterator(1, 3);
            var b0 = r0.iterator(1, 3);
            var b1 = r1.iterator(1, 3);
            while (a.hasNext()) {
                Batch whole = a.next(), p0 = b0.next(), p1 = b1.next();
                assertEquals(whole.index(), p0.index());
                int[] idx = new int[B];
                System.arraycopy(p0.indices(), 0, idx, 0, B / 2);
                System.arraycopy(p1.indices(), 0, idx, B / 2, B / 2);
                assertArrayEquals(whole.indices(), idx);
                float[] x = whole.images().toFloatArray(), x0 = p0.images().toFloatArray(), x1 = p1.images().toFloatArray();
                float[] joined = new float[x.length];
                System.arraycopy(x0, 0, joined, 0, x0.length);
                System.arraycopy(x1, 0, joined, x0.length, x1.length);
                assertArrayEquals(x, joined, "rank slices keep the augmentation of their global positions");
            }
            assertFalse(b0.hasNext());
        }
        assertThrows(DataException.class, () -> DataLoader.shard(ds, aug, 60, 7, 1, 0, 2), "2 x 60 > 103 images");
        assertThrows(DataException.class, () -> DataLoader.shard(ds, aug, 5, 7, 1, 2, 2));
    }
}
