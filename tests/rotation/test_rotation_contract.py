"""Names rotation shares with the stack and cannot import cheaply stay equal to the stack's."""

from __future__ import annotations

import ast
from pathlib import Path

from rotation.state import KEY_NAME_TAG

KEY_VAULT_MODULE = Path(__file__).parents[2] / "components" / "key_vault.py"


def test_the_key_name_tag_is_the_one_the_stack_sets() -> None:
    """Read from the source: importing components.key_vault would load pulumi for one string."""
    assignments = {
        target.id: node.value
        for node in ast.parse(KEY_VAULT_MODULE.read_text()).body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert ast.literal_eval(assignments["KEY_NAME_TAG"]) == KEY_NAME_TAG
