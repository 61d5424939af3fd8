"""Hosting on AKS: cluster, AVX2 Speech pool, Key Vault credentials, workloads, ingress, network policy, preflight."""
