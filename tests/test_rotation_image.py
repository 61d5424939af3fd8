"""The rotation image (rotation/Dockerfile) holds what the command imports: the command runs from a directory
with only the files the Dockerfile copies and only the packages it installs (make installs them alone into
.venv/rotation-packages, as the image does with pip --target), and never imports the Pulumi SDK.

The build context `make rotation-image` uploads is what .dockerignore leaves, under az acr build's rules
(azure-cli src/azure-cli/azure/cli/command_modules/acr/_archive_utils.py, read 2026-12-02): `*`, `?` and `**`
as in Docker, a folder name without a trailing slash, the last matching rule wins, an entry no rule matches
inherits its folder's verdict, and only rules after the folder's own may override it.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from components.aks.scheduled_rotation import IMAGE_UID

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "rotation" / "Dockerfile"
PACKAGES = ROOT / ".venv" / "rotation-packages"


def _copied_paths() -> list[str]:
    lines = [line.split() for line in DOCKERFILE.read_text().splitlines() if line.startswith("COPY ")]
    return [parts[1] for parts in lines]


def test_the_command_runs_from_what_the_image_copies_and_installs(tmp_path: Path) -> None:
    assert (PACKAGES / ".installed").is_file(), "run `make test`: it installs rotation/requirements.txt alone there"
    for relative in _copied_paths():
        source, target = ROOT / relative, tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy(source, target)
    # -I -S: no site-packages, no PYTHONPATH, no user site; the path is the image's (WORKDIR, then PYTHONPATH).
    probe = (
        f"import sys; sys.path[:0] = ['', {str(PACKAGES)!r}]\n"
        "import runpy; sys.argv = ['rotation', 'rotate', '--help']\n"
        "import rotation.cli, rotation.aks, rotation.aci\n"
        "assert not any(m == 'pulumi' or m.startswith(('pulumi.', 'pulumi_')) for m in sys.modules), 'pulumi'\n"
        "runpy.run_module('rotation', run_name='__main__')\n"
    )
    completed = subprocess.run(
        [sys.executable, "-I", "-S", "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert "--in-cluster" in completed.stdout and "--if-older-than-days" in completed.stdout


def _uploaded(paths: list[str], rules_text: str) -> set[str]:
    """The files of `paths` (and their folders) az acr build would upload under these .dockerignore rules."""
    rules: list[tuple[re.Pattern[str], bool]] = []
    for line in rules_text.splitlines():
        rule = line.rstrip()
        if not rule or rule.startswith("#"):
            continue
        ignore = not rule.startswith("!")
        tokens = rule.lstrip("!").split("/")
        last = len(tokens) - 1
        pattern = "".join(  # `**` swallows the slash after it; every other token but the last keeps its slash
            ".*" if t == "**" else re.escape(t).replace(r"\*", "[^/]*").replace(r"\?", "[^/]") + "/" * (i < last)
            for i, t in enumerate(tokens)
        )
        rules.insert(0, (re.compile(f"^{pattern}$"), ignore))  # the last rule has the highest priority
    kept = set()
    for path in paths:
        ignored, rank = False, len(rules)
        parts = path.split("/")
        for depth in range(1, len(parts) + 1):
            name = "/".join(parts[:depth])
            for index, (matcher, ignore) in enumerate(rules[:rank]):
                if matcher.match(name):
                    ignored, rank = ignore, index
                    break
        if not ignored:
            kept.add(path)
    return kept


def test_the_build_context_holds_only_what_the_image_copies() -> None:
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    local = [".venv/bin/python", ".venv/lib/site.py", ".mypy_cache/3.11/x.json", ".git/config"]
    local += ["rotation/__pycache__/cli.cpython-311.pyc", "components/catalog/__pycache__/x.pyc", "stacks/secret.yaml"]
    uploaded = _uploaded(tracked + local, (ROOT / ".dockerignore").read_text())
    copied = tuple(p.rstrip("/") for p in _copied_paths())
    assert uploaded == {p for p in tracked if p.startswith(copied)}
    assert {p for p in tracked if p.startswith("rotation/")} <= uploaded
    assert "components/catalog/containers.py" in uploaded and "components/aks/host.py" not in uploaded


def test_the_ignore_rules_read_as_az_acr_build_reads_them() -> None:
    """The reading above on the cases that tell it apart from a plain glob."""
    paths = ["a/x.py", "a/__pycache__/x.pyc", "b/x.py", "b/keep.py", "c.txt"]
    assert _uploaded(paths, "*\n!a\n**/__pycache__") == {"a/x.py"}
    assert _uploaded(paths, "b\n!b/keep.py") == {"a/x.py", "a/__pycache__/x.pyc", "b/keep.py", "c.txt"}
    assert _uploaded(paths, "!b/keep.py\nb") == {"a/x.py", "a/__pycache__/x.pyc", "c.txt"}


def test_the_cron_job_runs_as_the_images_user() -> None:
    assert f"USER {IMAGE_UID}:{IMAGE_UID}" in DOCKERFILE.read_text()


def test_the_image_installs_the_commands_pinned_requirements() -> None:
    text = DOCKERFILE.read_text()
    assert "pip install --no-cache-dir --target /opt/rotation-packages -r rotation/requirements.txt" in text
    assert "ENV PYTHONPATH=/opt/rotation-packages" in text
    pins = (ROOT / "rotation" / "requirements.txt").read_text()
    assert "kubernetes==" in pins and "azure-identity==" in pins
    assert "-r rotation/requirements.txt" in (ROOT / "requirements.txt").read_text()
