"""Where this machine keeps Terraform's AWS provider: the one search for the tests and CI.

``TF_PROVIDER_MIRROR`` names the mirror (the folder that holds ``registry.terraform.io``);
without it, the folders Terraform itself searches on Linux and the usual offline mirrors
are tried, then the filesystem. ``python3 tests/support/provider_mirror.py`` prints what it
finds (``.ci/run`` uses it), so it needs nothing but the standard library.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path

PROVIDER = Path("registry.terraform.io", "hashicorp", "aws")
CANDIDATES = (
    "/opt/tf-plugins",
    "/usr/share/terraform/plugins",
    "/usr/local/share/terraform/plugins",
    "~/.terraform.d/plugins",
    "~/.local/share/terraform/plugins",
)
_BINARY_PREFIX = "terraform-provider-aws_"


def _found_on_filesystem(root: str = "/") -> Path | None:
    """The mirror around any AWS provider binary on the root filesystem, like ``find -xdev``."""
    device = os.stat(root).st_dev

    def same_device(path: str) -> bool:
        try:
            return os.lstat(path).st_dev == device
        except OSError:
            return False

    for folder, subfolders, names in os.walk(root):
        subfolders[:] = sorted(
            d for d in subfolders if d != "proc" and same_device(os.path.join(folder, d))
        )
        if any(name.startswith(_BINARY_PREFIX) for name in names):
            parts = Path(folder).parts
            if "registry.terraform.io" in parts:
                return Path(*parts[: parts.index("registry.terraform.io")])
    return None


def locate(
    env: Mapping[str, str],
    candidates: Iterable[str] = CANDIDATES,
    search_filesystem: bool = True,
) -> tuple[Path | None, str]:
    """The provider mirror, or None and what is missing, in words for a skip message."""
    given = env.get("TF_PROVIDER_MIRROR", "")
    if given:
        if (Path(given) / PROVIDER).is_dir():
            return Path(given), ""
        return None, f"TF_PROVIDER_MIRROR={given} holds no {PROVIDER.as_posix()}"
    tried = [Path(c).expanduser() for c in candidates]
    for folder in tried:
        if (folder / PROVIDER).is_dir():
            return folder, ""
    found = _found_on_filesystem() if search_filesystem else None
    if found is not None:
        return found, ""
    return None, (
        f"no Terraform provider mirror holding {PROVIDER.as_posix()} was found (looked in "
        + ", ".join(str(f) for f in tried)
        + (" and the filesystem" if search_filesystem else "")
        + "); set TF_PROVIDER_MIRROR to the folder that holds registry.terraform.io"
    )


if __name__ == "__main__":
    mirror, missing = locate(os.environ)
    if mirror is None:
        print(missing, file=sys.stderr)
        sys.exit(1)
    print(mirror)
