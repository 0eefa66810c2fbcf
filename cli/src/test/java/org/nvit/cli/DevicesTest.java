package org.nvit.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nvit.engine.Backend;
import org.nvit.engine.Backends;
import org.nvit.engine.Device;

/** --device / --precision parsing and auto's choice, with a test double for the GPU (present or absent). */
class DevicesTest {
    private final List<String> log = new ArrayList<>();

    @AfterEach void restore() { FakeDevice.restoreRegistry(); }

    private Backend select(String device, String precision, boolean gpu) {
        return Devices.select(device, precision, log::add, FakeDevice.gpu(gpu));
    }

    @Test void cpuIsTheCpuBackendAndSaysNothing() {
        for (String d : new String[] {"cpu", "CPU", " cpu ", null}) assertSame(Backends.cpu(), select(d, null, true), d);
        assertSame(Backends.cpu(), select("cpu", "fp32", false), "fp32 is what the CPU computes in");
        assertTrue(log.isEmpty(), log.toString());
    }

    @Test void unknownDeviceOrPrecisionIsOneClearLine() {
        var e = assertThrows(IllegalArgumentException.class, () -> select("tpu", null, true));
        assertEquals("unknown --device 'tpu': use cpu, cuda or auto", e.getMessage());
        var p = assertThrows(IllegalArgumentException.class, () -> select("cuda", "fp16", true));
        assertTrue(p.getMessage().contains("fp32, tf32 or bf16"), p.getMessage());
        var c = assertThrows(IllegalArgumentException.class, () -> select("cpu", "bf16", true));
        assertTrue(c.getMessage().contains("GPU only"), c.getMessage());
    }

    @Test void cudaWithoutGpuFailsWithTheReason() {
        var e = assertThrows(IllegalArgumentException.class, () -> select("cuda", null, false));
        assertTrue(e.getMessage().startsWith("--device cuda: no usable GPU (no CUDA driver (test double))"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test void cudaWithGpuIsRegistered() {
        Backend b = select("cuda", "bf16", true);
        assertSame(FakeDevice.BACKEND, b);
        assertSame(b, Backends.of(Device.CUDA), "the chosen backend owns CUDA tensors");
        assertTrue(log.isEmpty());
    }

    @Test void autoFallsBackToTheCpuAndSaysWhy() {
        assertSame(Backends.cpu(), select("auto", null, false));
        assertEquals(1, log.size());
        assertTrue(log.get(0).startsWith("device auto: using cpu"), log.get(0));
        assertTrue(log.get(0).contains("no usable GPU: no CUDA driver (test double)"), log.get(0));
        log.clear();
        select("auto", "bf16", false);
        assertTrue(log.get(0).contains("--precision bf16 ignored on the CPU"), log.get(0));
    }

    @Test void autoTakesAUsableGpuAndSaysSo() {
        assertSame(FakeDevice.BACKEND, select("auto", null, true));
        assertEquals(List.of("device auto: using fake-cuda(strict) (a CUDA GPU is usable)"), log);
    }

    @Test void theRealProbeNeverThrowsForAuto() {
        Backend b = Devices.select("auto", null, log::add);
        assertEquals(1, log.size());
        assertTrue(b.device() == Device.CPU ? log.get(0).contains("no usable GPU") : log.get(0).contains("usable"), log.get(0));
    }
}
