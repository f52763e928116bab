"""Developer tools: the charge-point simulator and the benchmarks."""
