"""The commerce wheel in a brand-new Wagtail site, set up by the README's own steps.

Builds the wheel (`bin/build-wheel`, what `make wheel` runs), makes a site with
`wagtail start` and a virtualenv of its own, then follows every fenced block of the
README's "Adding `commerce` to another Wagtail site" section as written: shell blocks
run in the site's folder, a Python block headed `# <file>, at the end` is appended to
that file, one headed `# python manage.py shell` is run there. The site's virtualenv
reuses this one's installed packages through a `.pth` file and pip may only look in the
wheel's folder, so nothing is downloaded and the wheel's declared dependencies must
already be satisfied. Then the site is served beside the offline Stripe emulator, an item
is bought and paid, and the emulator's signed webhook marks the order paid. The
`commerce` the site runs must be the installed wheel's, never this checkout's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.deploy.serving import (
    completed_checkout_deliveries,
    get_json,
    stop_process_group,
    wait_until,
)
from tests.processes import PROJECT_ROOT, child_environment, free_port

pytestmark = pytest.mark.fresh_site

SECTION = "## Adding `commerce` to another Wagtail site"
SITE_NAME = "mysite"
ACCOUNT = "fresh"  # the emulator names an account by its key, sk_test_<account>
WEBHOOK_SECRET = "whsec_fresh_site_account_secret"
STEP_TIMEOUT = 240
# Run in the new site after the purchase: the order's status, where `commerce` was
# imported from, and what the shop's pages and an editor's admin pages answer.
REPORT = """# python manage.py shell
import json

import commerce
from django.contrib.auth import get_user_model
from django.test import Client

from commerce.models import Order

editor = get_user_model().objects.create_superuser("editor", "editor@example.com", "x")
client = Client()
client.force_login(editor)
pages = [
    "/v1/item/{item_id}/", "/v2/item/list/", "/v2/cart/", "/admin/", "/admin/pages/",
    "/admin/snippets/commerce/discount/", "/admin/settings/commerce/shopsettings/",
]
print(json.dumps({{
    "status": Order.objects.get(pk={order_id}).status,
    "commerce": commerce.__file__,
    "pages": {{page: client.get(page, follow=True).status_code for page in pages}},
}}))
"""


def readme_steps() -> list[tuple[str, str]]:
    """Each fenced block of the README's section, as (language, text), in order."""
    readme = (PROJECT_ROOT / "README.md").read_text()
    section = readme.split(SECTION, 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^( *)```(\w+)\n(.*?)^\1```", section, flags=re.M | re.S)
    return [(language, textwrap.dedent(text)) for _, language, text in blocks]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    subprocess.run(
        [sys.executable, str(PROJECT_ROOT / "bin" / "build-wheel"), str(folder)],
        check=True,
        capture_output=True,
        timeout=STEP_TIMEOUT,
    )
    [built] = folder.glob("wagtail_stripe_commerce-*.whl")
    return built


def test_the_wheel_holds_the_app_alone_with_its_metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        [metadata] = [name for name in names if name.endswith(".dist-info/METADATA")]
        headers = archive.read(metadata).decode()
    tops = {name.split("/")[0] for name in names}
    assert tops == {"commerce", metadata.split("/")[0]}
    for required in (
        "commerce/apps.py",
        "commerce/conf.py",
        "commerce/migrations/0001_initial.py",
        "commerce/templates/commerce/item_page.html",
        "commerce/templates/commerce/email/receipt.txt",
        "commerce/static/commerce/cart.js",
    ):
        assert required in names
    assert not [name for name in names if "__pycache__" in name or name.endswith(".pyc")]
    assert "Name: wagtail-stripe-commerce" in headers
    assert "Requires-Python: >=3.11" in headers
    requires = re.findall(r"^Requires-Dist: ([\w-]+)", headers, flags=re.M)
    assert {"Django", "wagtail", "stripe", "django-ratelimit", "django-csp"} <= set(requires)


def follow(language: str, text: str, site: Path, env: dict[str, str]) -> str:
    """Do one README step in the site as a developer would; returns its output."""
    heading = text.splitlines()[0]
    appended = re.fullmatch(r"# (\S+), at the end", heading)
    if language == "sh":
        command, stdin = ["bash", "-euo", "pipefail", "-c", text], None
    elif language == "python" and heading == "# python manage.py shell":
        command, stdin = ["python", "manage.py", "shell"], text
    elif language == "python" and appended:
        with (site / appended[1]).open("a") as target:
            target.write("\n" + text)
        return ""
    else:
        pytest.fail(f"a README step this test cannot follow: {language} {heading!r}")
    done = subprocess.run(
        command,
        cwd=site,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=STEP_TIMEOUT,
    )
    assert done.returncode == 0, f"{heading}\n{done.stdout}\n{done.stderr}"
    return done.stdout


def make_virtualenv(folder: Path) -> Path:
    """A virtualenv that sees this one's installed packages (not this checkout)."""
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(folder)],
        check=True,
        timeout=STEP_TIMEOUT,
    )
    python = folder / "bin" / "python"
    own = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
        timeout=STEP_TIMEOUT,
    ).stdout.strip()
    (Path(own) / "dev-packages.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return Path(own)


def start(command: list, cwd: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("w") as output:
        return subprocess.Popen(
            command,
            cwd=cwd,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def test_a_new_wagtail_site_sells_through_the_installed_wheel(wheel, tmp_path):
    steps = readme_steps()
    assert [language for language, _ in steps].count("sh") >= 2, "the README lost its steps"

    site = tmp_path / "site"
    site.mkdir()
    subprocess.run(
        [Path(sys.executable).parent / "wagtail", "start", SITE_NAME, str(site)],
        check=True,
        capture_output=True,
        timeout=STEP_TIMEOUT,
    )
    venv = tmp_path / "venv"
    site_packages = make_virtualenv(venv)

    site_port, emulator_port = free_port(), free_port()
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    env = {
        name: value
        for name, value in child_environment().items()
        if not name.startswith(("STRIPE_", "PIP_", "PYTHON", "VIRTUAL_ENV"))
    }
    env.update(
        PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}",
        VIRTUAL_ENV=str(venv),
        # The wheel's folder is the only package index: nothing comes from the network.
        PIP_NO_INDEX="1",
        PIP_FIND_LINKS=str(wheel.parent),
        PIP_DISABLE_PIP_VERSION_CHECK="1",
        STRIPE_SECRET_KEY=f"sk_test_{ACCOUNT}",
        STRIPE_PUBLISHABLE_KEY=f"pk_test_{ACCOUNT}",
        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_API_BASE=emulator_url,
    )

    emulator = start(
        [
            *(sys.executable, "-m", "stripe_emulator", "--port", str(emulator_port)),
            *("--webhook", f"{ACCOUNT}=http://127.0.0.1:{site_port}/stripe/webhook/"),
            *("--webhook-secret", f"{ACCOUNT}={WEBHOOK_SECRET}"),
        ],
        PROJECT_ROOT,
        child_environment(),
        tmp_path / "emulator.log",
    )
    server = None
    try:
        outputs = [follow(language, text, site, env) for language, text in steps]
        [item_id] = re.findall(r"/v1/buy/(\d+)/", "".join(outputs))

        server = start(
            ["python", "manage.py", "runserver", "--noreload", f"127.0.0.1:{site_port}"],
            site,
            env,
            tmp_path / "server.log",
        )
        store = f"http://127.0.0.1:{site_port}"
        wait_until(
            lambda: get_json(emulator_url + "/_emulator/health") == {"status": "ok"},
            30,
            "the emulator",
            emulator,
        )
        wait_until(
            lambda: urllib.request.urlopen(store + "/", timeout=2).status == 200,
            60,
            "the new site",
            server,
        )

        bought = get_json(f"{store}/v1/buy/{item_id}/")
        assert bought["url"].startswith(emulator_url + "/c/pay/")
        paid = get_json(f"{emulator_url}/_emulator/checkout/sessions/{bought['sessionId']}/pay", {})
        assert paid["status"] == "complete"

        [delivery] = wait_until(
            lambda: completed_checkout_deliveries(emulator_url), 30, "the webhook", server
        )
        assert delivery["account"] == ACCOUNT
    finally:
        if server is not None:
            stop_process_group(server)
        stop_process_group(emulator)

    report = follow("python", REPORT.format(order_id=bought["orderId"], item_id=item_id), site, env)
    found = json.loads(report.strip().splitlines()[-1])
    assert found["status"] == "paid"
    assert found["pages"] == {page: 200 for page in found["pages"]}
    # The wheel's copy, installed in the site's own virtualenv, not this checkout's.
    assert Path(found["commerce"]).is_relative_to(site_packages)
    assert not Path(found["commerce"]).is_relative_to(PROJECT_ROOT)
