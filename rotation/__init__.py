"""Zero-downtime rotation of the Speech account key that the containers use (run as ``python -m rotation``)."""
