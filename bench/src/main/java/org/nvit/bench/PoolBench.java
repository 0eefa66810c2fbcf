package org.nvit.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.nvit.engine.cpu.CpuPool;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of one parallel call of the CPU pool as a training step sees it: {@code gapMicros} of serial work on the
 * calling thread (autograd bookkeeping between two ops), then {@link CpuPool#forEachChunk} over two near-empty
 * chunks. Time per op minus the gap is the pool's overhead per call.
 * Run: {@code java -jar bench/target/benchmarks.jar PoolBench}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class PoolBench {
    @Param({"0", "20"})
    public int gapMicros;

    private final AtomicLong sink = new AtomicLong();

    @Benchmark public long call() {
        long until = System.nanoTime() + gapMicros * 1000L;
        while (System.nanoTime() < until) Thread.onSpinWait();
        CpuPool.forEachChunk(2, c -> sink.addAndGet(c));
        return sink.get();
    }
}
