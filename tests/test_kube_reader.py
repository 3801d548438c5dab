"""The program's own Kubernetes reads: kubeconfig users with a token or an exec plugin, 404 as None, refusals
as KubeReadError (the e2e test covers client certificates against the local API server)."""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler

import pytest
import yaml

from resolve.kube_reader import KubeReader, KubeReadError
from tests.support.json_http import send_json, serving


@pytest.fixture
def api():
    seen: list[tuple[str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen.append((self.path, self.headers.get("Authorization", "")))
            if self.path == "/echo":  # a gateway in front of the API server that repeats the request's headers
                send_json(self, 502, {"authorization": self.headers.get("Authorization")})
                return
            status = {"/ok": 200, "/forbidden": 403}.get(self.path, 404)
            send_json(self, status, {"kind": "Thing", "path": self.path})

        def log_message(self, *args):
            pass

    with serving(Handler) as url:
        yield url, seen


def kubeconfig(server: str, user: dict) -> str:
    return yaml.safe_dump({"apiVersion": "v1", "kind": "Config", "current-context": "dev",
                           "contexts": [{"name": "dev", "context": {"cluster": "c", "user": "u"}}],
                           "clusters": [{"name": "c", "cluster": {"server": server}}],
                           "users": [{"name": "u", "user": user}]})


def test_a_token_user_reads_and_a_missing_object_is_none(api, tmp_path, monkeypatch):
    server, seen = api
    path = tmp_path / "config"
    path.write_text(kubeconfig(server, {"token": "sha256~oc-login-token"}))
    monkeypatch.setenv("KUBECONFIG", f"{path}:{tmp_path / 'absent'}")
    reader = KubeReader.from_environment()
    assert reader.get("/ok") == {"kind": "Thing", "path": "/ok"}
    assert reader.get("/absent") is None
    assert seen == [("/ok", "Bearer sha256~oc-login-token"), ("/absent", "Bearer sha256~oc-login-token")]
    with pytest.raises(KubeReadError, match=r"refused GET /forbidden \(HTTP 403\).*need `get`"):
        reader.get("/forbidden")


def test_an_exec_plugin_supplies_the_token(api):
    server, seen = api
    credential = json.dumps({"apiVersion": "client.authentication.k8s.io/v1", "kind": "ExecCredential",
                             "status": {"token": "exec-token"}})
    exec_spec = {"apiVersion": "client.authentication.k8s.io/v1", "command": sys.executable,
                 "args": ["-c", f"print({credential!r})"]}
    KubeReader.from_environment(kubeconfig(server, {"exec": exec_spec})).get("/ok")
    assert seen == [("/ok", "Bearer exec-token")]


def test_unusable_kubeconfigs_say_why(api):
    server, _ = api
    with pytest.raises(KubeReadError, match="auth-provider"):
        KubeReader.from_environment(kubeconfig(server, {"auth-provider": {"name": "oidc"}}))
    with pytest.raises(KubeReadError, match="no context named 'other'"):
        KubeReader.from_environment(kubeconfig(server, {}), context="other")
    with pytest.raises(KubeReadError, match="cannot reach the Kubernetes API"):
        KubeReader.from_environment(kubeconfig("http://127.0.0.1:1", {})).get("/ok")


def test_the_bearer_token_never_reaches_an_error_message(api):
    """A token that cannot travel in a header (requests names the header value in its error) and an error page
    that echoes the request: the KubeReadError shows neither token."""
    server, _ = api
    with pytest.raises(KubeReadError) as refused:
        KubeReader.from_environment(kubeconfig(server, {"token": "sha256~unsendable token\n"})).get("/ok")
    assert "unsendable" not in str(refused.value) and "***" in str(refused.value)
    with pytest.raises(KubeReadError, match=r"HTTP 502") as echoed:
        KubeReader.from_environment(kubeconfig(server, {"token": "sha256~echoed-token"})).get("/echo")
    assert "echoed-token" not in str(echoed.value)


def test_an_exec_plugin_failure_does_not_show_its_token(api):
    """client-go plugins get their secrets as arguments too; a failing plugin's message (the command line) is
    shown without the token it printed or was given."""
    server, _ = api
    exec_spec = {"command": sys.executable, "args": ["-c", "import sys; print('no json'); sys.exit(3)",
                                                     "--token=sha256~plugin-arg-token"]}
    with pytest.raises(KubeReadError, match="exec credential plugin") as failed:
        KubeReader.from_environment(kubeconfig(server, {"exec": exec_spec}))
    assert "plugin-arg-token" not in str(failed.value)
