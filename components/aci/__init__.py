"""Hosting on Azure Container Instances: one container group per deployment replica, TLS in a sidecar."""
