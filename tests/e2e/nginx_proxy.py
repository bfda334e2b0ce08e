"""An authenticating proxy in front of the dashboard for the browser tests: Debian's nginx, configured with the
`location /` block that docs/deploy.md gives operators (WebSockets passed through), plus the identity header as
oauth2-proxy's `--pass-user-headers` sets it: the proxy's value replaces whatever the browser sent, and a proxy
that has signed nobody in sends none. Every request reaches the dashboard through it, the WebSocket's upgrade
included, as in a real deployment (a browser's own extra headers do not reach the WebSocket in every Chromium).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.e2e.conftest import unavailable
from tests.e2e.serve import ROOT, free_port, wait_healthy
from tests.tools.processes import stop

DEPLOY_DOC = ROOT / "docs" / "deploy.md"
SYSTEM_NGINX = "/usr/sbin/nginx"  # Debian's; not on PATH for every user
STARTUP_SECONDS = 30


def nginx() -> str:
    """Debian's nginx (skipped locally when missing, a failure in CI like the browser itself)."""
    found = shutil.which("nginx") or (SYSTEM_NGINX if os.path.exists(SYSTEM_NGINX) else None)
    if found is None:
        unavailable("nginx is not installed (apt-get install nginx)")
    return found


def documented_location() -> list[str]:
    """The directives of the `location / { ... }` block of docs/deploy.md's nginx example, comments dropped."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    block = re.search(r"```nginx\n(.*?)```", text, re.S)
    assert block is not None, "docs/deploy.md has no nginx example"
    location = re.search(r"location / \{\n(.*?)\n\s*\}", block.group(1), re.S)
    assert location is not None, "docs/deploy.md's nginx example has no `location /` block"
    lines = [line.split("#", 1)[0].strip() for line in location.group(1).splitlines()]
    return [line for line in lines if line]


def configuration(upstream: str, servers: dict[int, str | None], header: str) -> str:
    """One server per port; each proxies to `upstream` with the documented directives and sets `header` to its
    value (None: the header is removed, the visitor's own included)."""
    location = [line for line in documented_location() if not line.startswith("proxy_pass ")]
    blocks = []
    for port, value in servers.items():
        identity = f'proxy_set_header {header} "{value or ""}";'
        body = "\n".join(f"            {line}" for line in [f"proxy_pass {upstream};", *location, identity])
        blocks.append(f"""    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 40m;
        location / {{
{body}
        }}
    }}""")
    servers_text = "\n".join(blocks)
    return f"""daemon off;
master_process off;
pid nginx.pid;
error_log error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path tmp/body;
    proxy_temp_path tmp/proxy;
    fastcgi_temp_path tmp/fastcgi;
    uwsgi_temp_path tmp/uwsgi;
    scgi_temp_path tmp/scgi;
{servers_text}
}}
"""


@contextmanager
def authenticating_proxy(directory: Path, upstream: str, identities: dict[str, str | None],
                         header: str = "X-Forwarded-Email") -> Iterator[dict[str, str]]:
    """nginx in front of `upstream`, one port per entry of `identities` (name -> the e-mail the proxy passes on,
    or None); yields name -> base URL and stops nginx afterwards."""
    binary = nginx()
    ports = {name: free_port() for name in identities}
    (directory / "tmp").mkdir(parents=True, exist_ok=True)
    conf = directory / "nginx.conf"
    conf.write_text(configuration(upstream, {ports[n]: v for n, v in identities.items()}, header), encoding="utf-8")
    log = directory / "error.log"
    with (directory / "nginx.out").open("wb") as out:
        proc = subprocess.Popen([binary, "-p", str(directory), "-c", str(conf), "-e", str(log)],
                                stdout=out, stderr=subprocess.STDOUT)
    bases = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
    try:
        for base in bases.values():
            wait_healthy("nginx", proc, base, log, STARTUP_SECONDS)
        yield bases
    finally:
        stop(proc)
