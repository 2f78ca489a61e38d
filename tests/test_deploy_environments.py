"""A dev and a prod deployment from one set of table files, with real Terraform on moto:
`terraform destroy` removes dev's tables, and prod's destroy is refused by prevent_destroy.

One root module calls both environments' modules (out/terraform/dev and out/terraform/prod),
so one init and one apply serve both; dev is destroyed with `-target=module.dev`, then a
whole destroy meets prod. One small table keeps the applies short; what the modules hold is
pinned without moto in tests/test_environments.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.render import TERRAFORM_DIR
from generator.settings import SETTINGS_FILE
from tests.conftest import Terraform
from tests.helpers import run_cli, write_tables
from tests.support.emulator import client, fake_aws_environment, moto_server, provider_block
from tests.test_deploy_terraform import STEP_TIMEOUT

pytestmark = [pytest.mark.deploy, pytest.mark.slow]

TABLE = """\
name: items
partition_key: {name: id, type: S}
sort_key: {name: at, type: N}
alarms: false
"""
SETTINGS = """\
environments:
  dev:
    deletion_protection: false
    point_in_time_recovery: false
    tags: {environment: dev}
  prod:
    tags: {environment: prod}
"""
ENVIRONMENTS = ("dev", "prod")


def _root_module(endpoint: str, out: Path) -> str:
    return provider_block(endpoint) + "".join(
        f'\nmodule "{environment}" {{\n'
        f'  source      = "{(out / TERRAFORM_DIR / environment).as_posix()}"\n'
        f'  name_prefix = "{environment}-"\n}}\n'
        for environment in ENVIRONMENTS
    )


@pytest.fixture(scope="module")
def deployed(
    terraform: Terraform, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    """Both environments built from one table file and applied on moto."""
    project = tmp_path_factory.mktemp("environments")
    write_tables(project / "schemas", items=TABLE)
    (project / SETTINGS_FILE).write_text(SETTINGS, encoding="utf-8")
    built = run_cli("build", "--schemas", str(project / "schemas"), "--out",
                    str(project / "out"))
    assert built.code == 0, built.stderr
    root = project / "deploy"
    root.mkdir()
    with fake_aws_environment(), moto_server() as endpoint:
        (root / "main.tf").write_text(_root_module(endpoint, project / "out"),
                                      encoding="utf-8")
        for step in (["init", "-backend=false"], ["apply", "-auto-approve"]):
            result = terraform.run([*step, "-input=false", "-no-color"], cwd=root,
                                   timeout=STEP_TIMEOUT)
            assert result.returncode == 0, result.stdout + result.stderr
        yield endpoint, root


def _tables(endpoint: str, environment: str) -> list[str]:
    names = client("dynamodb", endpoint).list_tables()["TableNames"]
    return sorted(name for name in names if name.startswith(f"{environment}-"))


def test_dev_is_destroyed_and_prods_destroy_is_refused(
    terraform: Terraform, deployed: tuple[str, Path]
) -> None:
    endpoint, root = deployed
    assert len(_tables(endpoint, "dev")) == len(_tables(endpoint, "prod")) == 1
    destroy = ["destroy", "-auto-approve", "-input=false", "-no-color", "-refresh=false"]
    dev = terraform.run([*destroy, "-target=module.dev"], cwd=root, timeout=STEP_TIMEOUT)
    assert dev.returncode == 0, dev.stdout + dev.stderr
    assert _tables(endpoint, "dev") == []
    prod = terraform.run(destroy, cwd=root, timeout=STEP_TIMEOUT)
    assert prod.returncode != 0
    assert "prevent_destroy" in prod.stderr, prod.stderr
    assert "module.prod.aws_dynamodb_table.items" in prod.stderr, prod.stderr
    (name,) = _tables(endpoint, "prod")
    protected = client("dynamodb", endpoint).describe_table(TableName=name)["Table"]
    assert protected["DeletionProtectionEnabled"] is True
