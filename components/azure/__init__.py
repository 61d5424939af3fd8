"""Azure-wide pieces every host needs: the Speech account, Key Vault, monitoring, private link, roles, names."""
