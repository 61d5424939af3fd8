"""A deterministic Kubernetes scheduling simulator, and the properties the Speech pool must have under it: rollouts,
node drains and the loss of a zone complete within the pool's maxCount, which mocked plans cannot show."""
