"""One virtual environment per peer server, built on first use under .cache/peers/.

The peers pin versions that conflict with each other and with the project's own venv,
so each gets `.cache/peers/<peer>-<version>/`, made by `python -m venv` and one pip
install of its pinned requirements. A `.installed` file holding the requirements marks
a finished build; a build that fails leaves no mark, so the next run tries again.

Example:
    .venv/bin/python bench/peers/run.py --peers litserve --cells b1c1 --seconds 2
"""

import pathlib
import subprocess
import sys

REPO = pathlib.Path(__file__).resolve().parents[2]
CACHE = REPO / ".cache" / "peers"
STAMP = ".installed"


def venv_dir(name, version):
    """The directory of a peer's virtual environment.

    Args:
        name: the peer's name, e.g. "litserve".
        version: its pinned version, e.g. "0.2.19".

    Returns:
        pathlib.Path under .cache/peers/.
    """
    return CACHE / f"{name}-{version}"


def ensure_venv(name, version, requirements, log=sys.stderr):
    """Builds the peer's venv unless a finished build with the same requirements exists.

    Args:
        name: the peer's name.
        version: its pinned version (names the directory).
        requirements: pip requirement strings, every one pinned with ==.
        log: a text stream that receives one line per step.

    Returns:
        pathlib.Path of the venv's python.

    Raises:
        RuntimeError: with the end of pip's output when the install fails.
    """
    directory = venv_dir(name, version)
    python = directory / "bin" / "python"
    stamp = directory / STAMP
    wanted = "\n".join(requirements) + "\n"
    if stamp.is_file() and stamp.read_text() == wanted and python.exists():
        return python
    stamp.unlink(missing_ok=True)
    print(f"building {directory} ({' '.join(requirements)})", file=log, flush=True)
    steps = [
        [sys.executable, "-m", "venv", str(directory)],
        [str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
        [str(python), "-m", "pip", "install", "--quiet", *requirements],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stdout + done.stderr)[-3000:]
            raise RuntimeError(f"{name}: `{' '.join(step[-3:])}` failed: {tail}")
    stamp.write_text(wanted)
    return python
