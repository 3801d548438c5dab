"""Backups: the pg_dump CronJob's manifest, and the shipped dump script + README restore run for real."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import requests

from components.litemaas import LiteMaaS
from components.postgres_backup import BACKUP_DIR, CLAIM, RESTORE_OPTIONS
from config import parse_stack_config
from tests.support.json_http import send_json, serving
from tests.support.manifests import pod_templates, restricted_v2_violations, validate

CRON_JOB = "kubernetes:batch/v1:CronJob"
README = Path(__file__).resolve().parents[1] / "README.md"
BACKUP = {"schedule": "30 1 * * *", "retain": 2, "storageSize": "5Gi", "storageClass": "backup-sc"}


def deploy(mocked, values):
    def program():
        LiteMaaS("litemaas", parse_stack_config(values))
    return mocked.run({}, program=program).recorder


def cron_job(mocked, **postgres):
    return deploy(mocked, {"postgres": {"backup": BACKUP, **postgres}}).one(CRON_JOB).manifest


@pytest.mark.parametrize("platform", ["openshift", "kubernetes"])
def test_backup_manifests_are_valid_and_the_pod_restricted(mocked, platform):
    values = {"platform": platform, "postgres": {"backup": BACKUP}}
    if platform == "kubernetes":
        values |= {"hostname": "litellm.example.com", "ingress": {"tlsSecretName": "litellm-tls"}}
    recorder = deploy(mocked, values)
    backup = [r for r in recorder.kubernetes() if "postgres-backup" in r.name]
    assert sorted(r.manifest["kind"] for r in backup) == ["CronJob", "PersistentVolumeClaim"]
    for registration in backup:
        validate(registration.manifest)
    (pod,) = pod_templates(recorder.one(CRON_JOB).manifest)
    assert restricted_v2_violations(pod, openshift=platform == "openshift") == []
    if platform == "kubernetes":  # the claim is group-writable for the image's postgres user
        assert pod["securityContext"]["fsGroup"] == pod["securityContext"]["runAsUser"] == 70


def test_cron_job_dumps_on_schedule_one_at_a_time_as_a_database_client(mocked):
    manifest = cron_job(mocked)
    spec = manifest["spec"]
    assert spec["schedule"] == "30 1 * * *" and spec["concurrencyPolicy"] == "Forbid"
    template = spec["jobTemplate"]["spec"]["template"]
    # The postgres NetworkPolicy admits only pods with this label.
    assert template["metadata"]["labels"]["litemaas.io/database-client"] == "true"
    pod = template["spec"]
    (container,) = pod["containers"]
    assert container["image"] == "docker.io/library/postgres:16.10-alpine"  # pg_dump as new as the server
    assert container["resources"]["requests"] == {"cpu": "100m", "memory": "256Mi"}
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "1Gi"}
    assert "pg_dump --format=custom" in container["command"][-1]
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes[mounts[BACKUP_DIR]]["persistentVolumeClaim"] == {"claimName": CLAIM}
    assert "emptyDir" in volumes[mounts["/tmp"]]  # writable scratch space under any UID


def test_credentials_come_from_the_database_secret_never_from_plain_values(mocked):
    env = {e["name"]: e for e in cron_job(mocked)["spec"]["jobTemplate"]["spec"]["template"]["spec"]
           ["containers"][0]["env"]}
    for variable, key in {"PGUSER": "POSTGRES_USER", "PGPASSWORD": "POSTGRES_PASSWORD",
                          "PGDATABASE": "POSTGRES_DB"}.items():
        assert env[variable] == {"name": variable, "valueFrom": {"secretKeyRef": {"name": "postgres-credentials",
                                                                                  "key": key}}}
    assert env["PGHOST"]["value"] == "postgres.litemaas.svc" and env["BACKUP_RETAIN"]["value"] == "2"
    plain = json.dumps([e.get("value") for e in env.values()])
    assert "Gen3rated" not in plain  # the mocked generated password


@pytest.mark.parametrize("delete_data, kind", [(False, "kubernetes:core/v1:PersistentVolumeClaimPatch"),
                                               (True, "kubernetes:core/v1:PersistentVolumeClaim")])
def test_the_backup_claim_outlives_destroy_unless_data_may_go(mocked, delete_data, kind):
    recorder = deploy(mocked, {"postgres": {"backup": BACKUP, "deleteDataOnDestroy": delete_data}})
    (claim,) = [r for r in recorder.of_type(kind) if r.manifest["metadata"]["name"] == CLAIM]
    assert claim.manifest["spec"]["resources"]["requests"]["storage"] == "5Gi"
    assert claim.manifest["spec"]["storageClassName"] == "backup-sc"
    assert bool(claim.request.retainOnDelete) is (not delete_data)


def test_switching_delete_data_on_destroy_keeps_the_backup_claim(mocked):
    """The claim and its patch alias each other: the switch updates the claim instead of deleting it afterwards."""
    claim_type, patch_type = "kubernetes:core/v1:PersistentVolumeClaim", "kubernetes:core/v1:PersistentVolumeClaimPatch"
    kept = deploy(mocked, {"postgres": {"backup": BACKUP}}).one(patch_type, "postgres-backup-claim")
    owned = deploy(mocked, {"postgres": {"backup": BACKUP, "deleteDataOnDestroy": True}}).one(claim_type)
    assert kept.name == owned.name
    assert claim_type in kept.alias_types and patch_type in owned.alias_types


def test_no_backup_unless_configured(mocked):
    assert deploy(mocked, {}).of_type(CRON_JOB) == []


def test_readme_restores_with_the_options_the_test_uses():
    assert f"pg_restore {' '.join(RESTORE_OPTIONS)}" in README.read_text()


# --- the procedure, for real -------------------------------------------------------------------------------


class Upstream(BaseHTTPRequestHandler):
    """An OpenAI-compatible model server that records the Authorization header of every completion."""

    seen: list[str] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        Upstream.seen.append(self.headers.get("Authorization", ""))
        send_json(self, 200, {"id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "upstream",
                              "choices": [{"index": 0, "finish_reason": "stop",
                                           "message": {"role": "assistant", "content": "from upstream"}}],
                              "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3}})

    def log_message(self, *args):
        pass


@pytest.fixture
def upstream():
    Upstream.seen = []
    with serving(Upstream) as url:
        yield f"{url}/v1"


def run_backup_script(mocked, db, backup_dir: Path) -> subprocess.CompletedProcess:
    """The CronJob's own command and environment; only where the database and the claim are differs."""
    (pod,) = pod_templates(cron_job(mocked))
    (container,) = pod["containers"]
    local_secret = {"POSTGRES_USER": "postgres", "POSTGRES_PASSWORD": "", "POSTGRES_DB": "litellm"}
    env = {}
    for item in container["env"]:
        ref = item.get("valueFrom", {}).get("secretKeyRef")
        env[item["name"]] = local_secret[ref["key"]] if ref else item["value"]
    env |= {"PGHOST": "127.0.0.1", "PGPORT": str(db.port), "BACKUP_DIR": str(backup_dir)}
    env["PATH"] = f"{db.install.postgres_bin}:{os.environ['PATH']}"
    return subprocess.run(container["command"], env=env, capture_output=True, text=True, timeout=120)


def chat(litellm, key: str, model: str) -> requests.Response:
    return requests.post(f"{litellm.url}/v1/chat/completions", headers={"Authorization": f"Bearer {key}"},
                         json={"model": model, "messages": [{"role": "user", "content": "hi"}]}, timeout=60)


def test_a_dump_restored_into_an_empty_database_serves_the_same_catalog(mocked, real_litellm, upstream, tmp_path):
    from tests.support.real_litellm import RealLiteLLM

    suffix = uuid.uuid4().hex[:8]
    upstream_key = f"sk-upstream-{uuid.uuid4().hex}"
    routed, mocked_model = f"routed-{suffix}", f"mocked-{suffix}"
    real_litellm.admin_json("POST", "/model/new", json={
        "model_name": routed, "litellm_params": {"model": "openai/upstream", "api_base": upstream,
                                                  "api_key": upstream_key}})
    real_litellm.admin_json("POST", "/model/new", json={
        "model_name": mocked_model, "litellm_params": {"model": "openai/mocked", "api_key": "sk-unused",
                                                        "mock_response": "Hello from the dump"}})
    team = real_litellm.admin_json("POST", "/team/new", json={"team_alias": f"team-{suffix}",
                                                              "models": [routed, mocked_model]})
    key = real_litellm.admin_json("POST", "/key/generate", json={
        "key_alias": f"key-{suffix}", "team_id": team["team_id"], "models": [routed, mocked_model]})["key"]
    assert chat(real_litellm, key, routed).status_code == 200
    assert Upstream.seen == [f"Bearer {upstream_key}"]  # the baseline: the original proxy decrypts it
    before = {"models": sorted((m["model_name"], m["model_info"]["id"]) for m in real_litellm.models()),
              "teams": sorted((t["team_id"], t["team_alias"], tuple(t["models"])) for t in real_litellm.teams()),
              "keys": sorted((k["token"], k["key_alias"]) for k in real_litellm.keys())}

    backups = tmp_path / "backups"
    backups.mkdir()
    for stale in ("litellm-20000101T000000Z.dump", "litellm-20000102T000000Z.dump",
                  "litellm-20000103T000000Z.dump.partial"):
        (backups / stale).write_bytes(b"an older dump")
    done = run_backup_script(mocked, real_litellm.db, backups)
    assert done.returncode == 0, done.stderr
    kept = sorted(p.name for p in backups.iterdir())
    # retain 2: the new dump and the newest older one; the oldest and the cut-off partial are gone.
    assert len(kept) == 2 and kept[0] == "litellm-20000102T000000Z.dump", kept
    dump = backups / kept[1]
    assert dump.read_bytes()[:5] == b"PGDMP"  # custom format

    restored = f"restored_{suffix}"
    real_litellm.db.psql(f"CREATE DATABASE {restored}")
    assert real_litellm.db.rows("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", restored) == [["0"]]
    pg_restore = real_litellm.db.install.postgres_bin / "pg_restore"
    done = subprocess.run([str(pg_restore), *RESTORE_OPTIONS, "-h", "127.0.0.1", "-p", str(real_litellm.db.port),
                           "-U", "postgres", "-d", restored, str(dump)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    stored = real_litellm.db.rows('SELECT litellm_params::text FROM "LiteLLM_ProxyModelTable"', restored)
    assert len(stored) == 2 and not any(upstream_key in row[0] for row in stored)  # only ciphertext was copied

    with RealLiteLLM(database_url=real_litellm.db.database_url(restored), master_key=real_litellm.master_key,
                     salt_key=real_litellm.salt_key) as again:
        after = {"models": sorted((m["model_name"], m["model_info"]["id"]) for m in again.models()),
                 "teams": sorted((t["team_id"], t["team_alias"], tuple(t["models"])) for t in again.teams()),
                 "keys": sorted((k["token"], k["key_alias"]) for k in again.keys())}
        assert after == before
        info = again.admin("GET", "/key/info", key=key)
        assert info.status_code == 200 and info.json()["info"]["key_alias"] == f"key-{suffix}"
        answer = chat(again, key, mocked_model)
        assert answer.status_code == 200, answer.text
        assert answer.json()["choices"][0]["message"]["content"] == "Hello from the dump"
        Upstream.seen.clear()
        assert chat(again, key, routed).status_code == 200
        # The credential was decrypted with the same salt key and sent upstream unchanged.
        assert Upstream.seen == [f"Bearer {upstream_key}"]
        assert again.admin("GET", "/key/info", key="sk-" + uuid.uuid4().hex).status_code in (400, 401)
