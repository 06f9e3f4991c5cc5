"""One training epoch of the paper's GWAS flow in plain PyTorch, for benchmarks/flow_epoch.sh.

The same model as `gwasflow density --model affine --layers 16 --hidden 128,128`: 16 blocks of
affine coupling (first ceil(p/2) coordinates -> nn.Linear/SiLU MLP d_in-128-128-2*d_out, scale =
sigmoid(s) + 0.5, zero-initialised output layer), ActNorm (data-initialised) and a fixed random
permutation; i.i.d. standard normal NLL; Adamax(lr 0.03, weight_decay 0.01); batch 256 from a
fresh random permutation each epoch (drop_last=False). Prints the median wall-clock and
process-CPU seconds per epoch.
"""
import math
import statistics
import sys
import time

import torch
from torch import nn


class Coupling(nn.Module):
    def __init__(self, p, hidden=(128, 128)):
        super().__init__()
        self.d_in = (p + 1) // 2
        d_out = p - self.d_in
        widths = [self.d_in, *hidden, 2 * d_out]
        layers = []
        for a, b in zip(widths[:-1], widths[1:]):
            layers += [nn.Linear(a, b), nn.SiLU()]
        self.net = nn.Sequential(*layers[:-1])
        nn.init.zeros_(self.net[-1].weight)
        nn.init.zeros_(self.net[-1].bias)

    def forward(self, x):
        x1, x2 = x[:, : self.d_in], x[:, self.d_in:]
        s, t = self.net(x1).chunk(2, dim=1)
        scale = torch.sigmoid(s) + 0.5
        return torch.cat([x1, scale * x2 + t], dim=1), torch.log(scale).sum(1)


class ActNorm(nn.Module):
    def __init__(self, p):
        super().__init__()
        self.shift = nn.Parameter(torch.zeros(p))
        self.log_scale = nn.Parameter(torch.zeros(p))
        self.initialized = False

    def forward(self, x):
        if not self.initialized:
            with torch.no_grad():
                self.shift.copy_(x.mean(0))
                self.log_scale.copy_(torch.log(x.std(0, unbiased=False).clamp_min(1e-6)))
            self.initialized = True
        z = (x - self.shift) * torch.exp(-self.log_scale)
        return z, (-self.log_scale.sum()).expand(x.shape[0])


class Flow(nn.Module):
    def __init__(self, p, layers=16):
        super().__init__()
        self.blocks = nn.ModuleList()
        self.perms = []
        for _ in range(layers):
            self.blocks.append(Coupling(p))
            self.blocks.append(ActNorm(p))
            self.perms.append(torch.randperm(p))

    def forward(self, x):
        log_det = torch.zeros(x.shape[0])
        for k in range(0, len(self.blocks), 2):
            x, l1 = self.blocks[k](x)
            x, l2 = self.blocks[k + 1](x)
            x = x[:, self.perms[k // 2]]
            log_det = log_det + l1 + l2
        return x, log_det


def main():
    n, p, epochs, threads = (int(a) for a in sys.argv[1:5])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    e = torch.randn(n, p)
    x = e.clone()
    x[:, 1] = 0.5 * e[:, 0] ** 2 + 0.5 * e[:, 1]
    x = (x - x.mean(0)) / x.std(0)
    flow = Flow(p)
    opt = torch.optim.Adamax(flow.parameters(), lr=0.03, weight_decay=0.01)
    const = 0.5 * p * math.log(2 * math.pi)
    times, cpu = [], []
    for _ in range(epochs):
        start, start_cpu = time.perf_counter(), time.process_time()
        order = torch.randperm(n)
        for b in range(0, n, 256):
            batch = x[order[b:b + 256]]
            u, log_det = flow(batch)
            loss = (0.5 * (u ** 2).sum(1) - log_det).mean() + const
            opt.zero_grad()
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(f"torch {torch.__version__} seconds_per_epoch {statistics.median(times):.4f} "
          f"cpu_seconds_per_epoch {statistics.median(cpu):.4f}")


if __name__ == "__main__":
    main()
