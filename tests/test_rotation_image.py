"""The rotation image (rotation/Dockerfile) holds what the command imports: the command runs from a directory
with only the files the Dockerfile copies, and never imports the Pulumi SDK, which the image does not install."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from components.aks.scheduled_rotation import IMAGE_UID

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "rotation" / "Dockerfile"


def _copied_paths() -> list[str]:
    lines = [line.split() for line in DOCKERFILE.read_text().splitlines() if line.startswith("COPY ")]
    return [parts[1] for parts in lines]


def test_the_command_runs_from_what_the_image_copies(tmp_path: Path) -> None:
    for relative in _copied_paths():
        source, target = ROOT / relative, tmp_path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, dirs_exist_ok=True)
        else:
            shutil.copy(source, target)
    probe = (
        "import sys, runpy; sys.argv = ['rotation', 'rotate', '--help']\n"
        "import rotation.cli, rotation.aks, rotation.aci\n"
        "assert not any(m == 'pulumi' or m.startswith(('pulumi.', 'pulumi_')) for m in sys.modules), 'pulumi'\n"
        "runpy.run_module('rotation', run_name='__main__')\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    completed = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert completed.returncode == 0, completed.stderr
    assert "--in-cluster" in completed.stdout and "--if-older-than-days" in completed.stdout


def test_the_cron_job_runs_as_the_images_user() -> None:
    assert f"USER {IMAGE_UID}:{IMAGE_UID}" in DOCKERFILE.read_text()


def test_the_image_installs_the_commands_pinned_requirements() -> None:
    text = DOCKERFILE.read_text()
    assert "pip install --no-cache-dir --target /opt/rotation-packages -r rotation/requirements.txt" in text
    assert "ENV PYTHONPATH=/opt/rotation-packages" in text
    pins = (ROOT / "rotation" / "requirements.txt").read_text()
    assert "kubernetes==" in pins and "azure-identity==" in pins
    assert "-r rotation/requirements.txt" in (ROOT / "requirements.txt").read_text()
