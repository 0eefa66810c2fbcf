package org.nvit.cli;

import org.nvit.distributed.Communicator;
import org.nvit.distributed.NcclCommunicator;
import org.nvit.engine.Tensor;
import org.nvit.kernels.CudaBackend;
import org.nvit.kernels.CudaStorage;
import org.nvit.train.DataParallel;

/**
 * Data-parallel gradient buckets in GPU memory summed by NCCL, queued on the CUDA backend's stream (so the
 * optimizer's kernels, queued after, see the sums without a host synchronisation). One NCCL communicator per process,
 * made on first use from the MPI job's ranks.
 */
final class NcclGradients implements DataParallel.DeviceCollective {
    private final NcclCommunicator nccl;

    NcclGradients(Communicator host) {
        this.nccl = NcclCommunicator.create(host);
    }

    @Override public void allReduceSum(Tensor t) {
        if (!(t.storage() instanceof CudaStorage s))
            throw new IllegalArgumentException("NCCL reduces CUDA tensors; got one on " + t.device());
        long address = s.pointer().address() + t.offset() * Float.BYTES;
        long stream = CudaBackend.tryCreate().orElseThrow().streamAddress();
        nccl.allReduce(address, t.numel(), Communicator.Op.SUM, stream);
    }
}
