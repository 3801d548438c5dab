"""Logical backups of the bundled PostgreSQL: a CronJob writing `pg_dump --format=custom` files to a claim."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import pulumi
import pulumi_kubernetes as k8s

from components import kube
from components.postgres import libpq_admin_env
from config import BackupConfig

COMPONENT = "postgres-backup"
CLAIM = "postgres-backups"
BACKUP_DIR = "/backups"
CLAIM_TYPE = "kubernetes:core/v1:PersistentVolumeClaim"
CLAIM_PATCH_TYPE = "kubernetes:core/v1:PersistentVolumeClaimPatch"
# Written under a temporary name and renamed once complete and readable, so a failed or cut-off dump never
# counts as one of the `retain` kept backups (and never pushes a good one out). Names sort by time (UTC),
# so "the newest N" needs no file dates. pg_restore --list proves the archive's table of contents reads back.
BACKUP_SCRIPT = """\
set -eu
umask 077
stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$BACKUP_DIR/litellm-$stamp.dump"
partial="$final.partial"
rm -f "$BACKUP_DIR"/litellm-*.dump.partial
pg_dump --format=custom --file="$partial"
pg_restore --list "$partial" > /dev/null
mv "$partial" "$final"
echo "backup: wrote $final ($(wc -c < "$final") bytes)"
ls -1 "$BACKUP_DIR"/litellm-*.dump | sort -r | tail -n +$((BACKUP_RETAIN + 1)) | while read -r old; do
  rm -f -- "$old"
  echo "backup: removed $old (keeping the newest $BACKUP_RETAIN)"
done
"""

# How README's restore runs pg_restore (tests/test_postgres_backup.py runs exactly these): drop what the dump
# holds first, own everything as the connecting user (the gateway's), all or nothing.
RESTORE_OPTIONS = ("--clean", "--if-exists", "--no-owner", "--single-transaction")


@dataclass
class PostgresBackupArgs:
    namespace: pulumi.Input[str]
    config: BackupConfig
    openshift: bool
    image: str  # the database's own image, so pg_dump is never older than the server
    host: pulumi.Input[str]  # the database Service
    delete_data_on_destroy: bool = False


class PostgresBackup(pulumi.ComponentResource):
    """A nightly (by default) pg_dump of the litellm database, the newest `retain` dumps kept on their own claim."""

    def __init__(self, name: str, args: PostgresBackupArgs, opts: Optional[pulumi.ResourceOptions] = None):
        super().__init__("litemaas:index:PostgresBackup", name, None, opts)
        config = args.config
        labels = kube.labels(COMPONENT)
        claim_spec = k8s.core.v1.PersistentVolumeClaimSpecArgs(
            access_modes=["ReadWriteOnce"], storage_class_name=config.storage_class,
            resources=k8s.core.v1.VolumeResourceRequirementsArgs(requests={"storage": config.storage_size}))
        # The dumps must outlive the database's own volume troubles and `pulumi destroy` (unless told
        # otherwise); a kept claim is adopted again by the next `up` through server-side apply. Each type aliases
        # the other, so switching deleteDataOnDestroy updates the claim instead of deleting it after the switch.
        if args.delete_data_on_destroy:
            self.claim = k8s.core.v1.PersistentVolumeClaim(
                f"{name}-claim", metadata=kube.metadata(CLAIM, args.namespace, COMPONENT), spec=claim_spec,
                opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(type_=CLAIM_PATCH_TYPE)]))
        else:
            self.claim = k8s.core.v1.PersistentVolumeClaimPatch(
                f"{name}-claim",
                metadata=k8s.meta.v1.ObjectMetaPatchArgs(name=CLAIM, namespace=args.namespace, labels=labels),
                spec=k8s.core.v1.PersistentVolumeClaimSpecPatchArgs(
                    access_modes=["ReadWriteOnce"], storage_class_name=config.storage_class,
                    resources=k8s.core.v1.VolumeResourceRequirementsPatchArgs(
                        requests={"storage": config.storage_size})),
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True,
                                            aliases=[pulumi.Alias(type_=CLAIM_TYPE)]))

        env = [*libpq_admin_env(args.host),
               *kube.plain_env({"BACKUP_DIR": BACKUP_DIR, "BACKUP_RETAIN": str(config.retain)})]
        self.cron_job = k8s.batch.v1.CronJob(
            f"{name}-cron-job",
            metadata=kube.metadata(COMPONENT, args.namespace, COMPONENT),
            spec=k8s.batch.v1.CronJobSpecArgs(
                schedule=config.schedule,
                # Two dumps at once would race on retention and double the load on the database.
                concurrency_policy="Forbid",
                starting_deadline_seconds=3600,
                successful_jobs_history_limit=3,
                failed_jobs_history_limit=3,
                job_template=k8s.batch.v1.JobTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.batch.v1.JobSpecArgs(
                        backoff_limit=2,
                        active_deadline_seconds=3 * 3600,
                        template=k8s.core.v1.PodTemplateSpecArgs(
                            # The postgres NetworkPolicy admits database clients only.
                            metadata=k8s.meta.v1.ObjectMetaArgs(labels={**labels, kube.DATABASE_CLIENT_LABEL: "true"}),
                            spec=k8s.core.v1.PodSpecArgs(
                                restart_policy="Never",
                                automount_service_account_token=False,
                                # On kubernetes the fsGroup makes the claim writable for the image's user; on
                                # OpenShift restricted-v2 assigns UID and fsGroup itself.
                                security_context=kube.pod_security_context(args.openshift, kube.postgres_uid(args.image)),
                                containers=[k8s.core.v1.ContainerArgs(
                                    name="pg-dump",
                                    image=args.image,
                                    command=["sh", "-c", BACKUP_SCRIPT],
                                    env=env,
                                    resources=kube.resource_requirements(config.resources),
                                    security_context=kube.container_security_context(),
                                    volume_mounts=[
                                        k8s.core.v1.VolumeMountArgs(name="backups", mount_path=BACKUP_DIR),
                                        k8s.core.v1.VolumeMountArgs(name="tmp", mount_path="/tmp"),
                                    ],
                                )],
                                volumes=[
                                    k8s.core.v1.VolumeArgs(
                                        name="backups",
                                        persistent_volume_claim=k8s.core.v1.PersistentVolumeClaimVolumeSourceArgs(
                                            claim_name=CLAIM)),
                                    kube.empty_dir_volume("tmp", "256Mi"),
                                ],
                            ),
                        ),
                    ),
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.claim]))

        self.register_outputs({"schedule": config.schedule, "claim": CLAIM})
