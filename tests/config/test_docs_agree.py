"""The documented defaults name only the commands the README teaches."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_commands():
    """The `make` targets of the README's "Two commands" block."""
    readme = (ROOT / "README.md").read_text()
    [block] = re.findall(r"## Two commands.*?```sh\n(.*?)```", readme, flags=re.S)
    return set(re.findall(r"^make (\w+)", block, flags=re.M))


def test_env_dist_mentions_only_the_readmes_make_commands():
    env_dist = (ROOT / "envs" / ".env.dist").read_text()
    mentioned = set(re.findall(r"`make (\w+)", env_dist))
    assert mentioned, "envs/.env.dist says which command creates .env"
    assert mentioned <= readme_commands() == {"run", "test"}


def test_env_dist_says_which_commands_create_env():
    header = (ROOT / "envs" / ".env.dist").read_text().split("\n\n")[0]
    assert "`make run` and `make test` copy this file to `.env`" in header
