"""moto as an AWS emulator for the deploy tests: a server on 127.0.0.1 for Terraform, and
boto3 clients with fake credentials for reading back what was deployed."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

REGION = "us-east-1"
FAKE_CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}


@contextmanager
def fake_aws_environment() -> Iterator[None]:
    """boto3 and moto must never find real credentials or a real region."""
    names = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
             "AWS_SECURITY_TOKEN", "AWS_DEFAULT_REGION", "AWS_PROFILE")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.pop("AWS_PROFILE", None)
    os.environ.pop("AWS_SESSION_TOKEN", None)
    os.environ.pop("AWS_SECURITY_TOKEN", None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@contextmanager
def moto_server() -> Iterator[str]:
    """A moto server on 127.0.0.1 and a port the OS picks; yields its endpoint URL.

    moto keeps its accounts in the process, shared by every server and mock in it: the server
    starts and ends empty, so tests that run later in the same worker never find its tables.
    """
    from urllib.request import Request, urlopen

    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    assert host == "127.0.0.1"
    url = f"http://{host}:{port}"

    def reset() -> None:
        with urlopen(Request(f"{url}/moto-api/reset", method="POST"), timeout=30) as answer:
            assert answer.status == 200

    try:
        reset()
        yield url
    finally:
        try:
            reset()
        finally:
            server.stop()


def client(service: str, endpoint_url: str | None = None) -> Any:
    import boto3

    return boto3.client(service, region_name=REGION, endpoint_url=endpoint_url,
                        **FAKE_CREDENTIALS)


TERRAFORM_SERVICES = ("dynamodb", "sts", "kms", "iam", "cloudwatch")


def provider_block(endpoint: str, region: str = REGION,
                   services: tuple[str, ...] = TERRAFORM_SERVICES) -> str:
    """Terraform's AWS provider aimed at the emulator: fake credentials, no call to real AWS."""
    width = max(len(service) for service in services)
    endpoints = "\n".join(f'    {s.ljust(width)} = "{endpoint}"' for s in services)
    return (
        'provider "aws" {\n'
        f'  region                      = "{region}"\n'
        '  access_key                  = "testing"\n'
        '  secret_key                  = "testing"\n'
        "  skip_credentials_validation = true\n"
        "  skip_requesting_account_id  = true\n"
        "  skip_metadata_api_check     = true\n"
        "\n"
        "  endpoints {\n"
        f"{endpoints}\n"
        "  }\n"
        "}\n"
    )
