"""Lead intake: importing files into pools, dedup across them, distribution and export."""
