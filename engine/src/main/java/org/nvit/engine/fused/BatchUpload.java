package org.nvit.engine.fused;

import org.nvit.engine.Backend;
import org.nvit.engine.Tensor;

/**
 * A step's input batch copied to the device so that the copy overlaps the work already queued (a side stream from
 * pinned memory on the GPU); ops queued after the call see the data.
 */
public interface BatchUpload {
    /** A device copy of host tensor t, owned by the current memory scope (as any tensor made inside it). */
    Tensor upload(Tensor host);

    static BatchUpload of(Backend be) { return be.capability(BatchUpload.class).orElseGet(() -> be::fromCpu); }
}
