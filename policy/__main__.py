"""Entry point Pulumi runs for `--policy-pack policy`: serves the pack to the engine."""

import sys
from pathlib import Path

# The checks read the repository's catalog (`components.catalog`), one level up from the pack.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from policy.pack import PACK_NAME, policies

PolicyPack(name=PACK_NAME, policies=[*policies()], enforcement_level=EnforcementLevel.MANDATORY)
