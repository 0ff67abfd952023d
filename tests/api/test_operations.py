"""The operations files: Prometheus alert rules (promtool check and unit
tests), the Grafana dashboard, and that every metric they read is one the
running stack's /metrics declares."""

import json
import os
import re
import subprocess

from jobs_lib import REPO, expect_rc, metrics_text
from lib import test

PROM = os.path.join(REPO, "docs", "prometheus")
RULES = os.path.join(PROM, "edgescout-rules.yml")
DASHBOARD = os.path.join(REPO, "docs", "grafana", "edgescout.json")
ALERTS = {"EdgescoutApiDown", "EdgescoutDatabaseDown", "EdgescoutHigh5xxRatio",
          "EdgescoutSlowRequests", "EdgescoutJobStale", "EdgescoutProviderDown",
          "EdgescoutBackupTooOld", "EdgescoutDiskNearlyFull"}


def promtool(*args):
    return subprocess.run(["promtool", *args], cwd=PROM, capture_output=True, text=True,
                          timeout=120)


def metric_names(expr):
    """edgescout_* names an expression reads (histogram suffixes dropped)."""
    names = set(re.findall(r"\bedgescout_[a-z0-9_]+", expr))
    return {re.sub(r"_(bucket|sum|count)$", "", n) for n in names}


@test
def alert_rules_pass_promtool_check_and_their_unit_tests():
    p = promtool("check", "rules", RULES)
    expect_rc(p, 0, "promtool check rules")
    assert f"SUCCESS: {len(ALERTS)} rules found" in p.stdout, p.stdout
    p = promtool("test", "rules", "edgescout-rules.test.yml")
    expect_rc(p, 0, "promtool test rules")
    with open(RULES) as f:
        text = f.read()
    assert set(re.findall(r"- alert: (\w+)", text)) == ALERTS
    with open(os.path.join(PROM, "edgescout-rules.test.yml")) as f:
        tested = set(re.findall(r"alertname: (\w+)", f.read()))
    assert tested == ALERTS, ALERTS - tested


@test
def every_metric_of_the_rules_and_the_dashboard_is_exported():
    declared = set(re.findall(r"^# TYPE (\S+) ", metrics_text(), re.M))
    with open(RULES) as f:
        used = metric_names(f.read())
    with open(DASHBOARD) as f:
        dash = json.load(f)
    assert dash["uid"] == "edgescout-ops" and dash["panels"]
    for panel in dash["panels"]:
        (target,) = panel["targets"]
        assert target["expr"], panel["title"]
        used |= metric_names(target["expr"])
    assert used and not used - declared, f"not in /metrics: {used - declared}"
    assert {"edgescout_backup_last_timestamp_seconds", "edgescout_disk_free_bytes",
            "edgescout_provider_consecutive_failures", "edgescout_job_stale"} <= used
